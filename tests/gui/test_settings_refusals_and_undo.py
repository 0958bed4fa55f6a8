"""A typed setting out of range is refused visibly with the allowed range, never changed into
something else; Undo of a setting shows which field it changed, on which tab."""

from __future__ import annotations

from PySide6.QtCore import Qt

from netbuilder.templates import load_template


def type_into(qtbot, box, text):
    """Click into a spin box, replace its text with `text` by keyboard, and leave it with Tab."""
    qtbot.mouseClick(box.lineEdit(), Qt.LeftButton)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box.lineEdit(), Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(box.lineEdit(), text)


def open_training(w, qtbot):
    w.resize(1400, 1000)
    w.bottom_tabs.setCurrentWidget(w.training)
    w._make_room_for_plots()
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(lambda: w.training.settings.isVisible())
    return w.training.settings


def test_a_negative_learning_rate_and_zero_epochs_are_refused_with_the_range(make_window, qtbot, themed):
    w = make_window(load_template("mlp"))
    form = open_training(w, qtbot)
    before = dict(w.document.project.training)
    type_into(qtbot, form.fields["lr"], "-1")
    message = form.refusals["lr"]
    assert message.isVisible() and message.text().startswith("-1 is refused: allowed 1e-06 to 10")
    qtbot.keyClick(form.fields["lr"].lineEdit(), Qt.Key_Tab)
    assert w.document.project.training["optimizer"]["lr"] == before["optimizer"]["lr"]  # not 1.0
    assert message.isVisible() and message.text().endswith("kept 0.010000.")
    assert form.fields["lr"].text() == "0.010000"  # the kept value is what the box shows

    type_into(qtbot, form.fields["epochs"], "0")
    assert form.refusals["epochs"].text() == "0 is refused: allowed 1 to 100000; kept 30."
    assert not message.isVisible()  # the learning rate's refusal went when another field was typed in
    qtbot.keyClick(form.fields["epochs"].lineEdit(), Qt.Key_Return)
    assert w.document.project.training["epochs"] == before["epochs"]
    assert w.document.undo_stack.count() == 0  # nothing was changed behind the user's back
    epochs_message = form.refusals["epochs"]
    qtbot.waitUntil(lambda: epochs_message.height() >= epochs_message.heightForWidth(form.fields["epochs"].width()))
    qtbot.waitUntil(lambda: form.rows["lr"].height() == form.rows["lr"].sizeHint().height())
    form.grab().save("/tmp/shots/refused_settings.png")

    type_into(qtbot, form.fields["epochs"], "7")  # a good value is taken and the refusal goes
    qtbot.keyClick(form.fields["epochs"].lineEdit(), Qt.Key_Return)
    assert w.document.project.training["epochs"] == 7 and not form.refusals["epochs"].isVisible()


def test_undo_of_a_setting_shows_the_field_and_its_tab(make_window, qtbot, themed):
    w = make_window(load_template("mlp"))
    form = open_training(w, qtbot)
    type_into(qtbot, form.fields["batch_size"], "16")
    qtbot.keyClick(form.fields["batch_size"].lineEdit(), Qt.Key_Return)
    assert w.document.project.training["batch_size"] == 16
    w.bottom_tabs.setCurrentWidget(w.problems)  # the user went elsewhere
    w.canvas.setFocus()
    qtbot.keyClick(w.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert w.document.project.training["batch_size"] != 16
    assert w.bottom_tabs.currentWidget() is w.training
    assert w.statusBar().currentMessage() == "Undo: Batch size on the Training tab is back to its earlier value."
    assert form.fields["batch_size"].property("replayed") is True
    w.grab().save("/tmp/shots/undo_setting.png")
    qtbot.waitUntil(lambda: form.fields["batch_size"].property("replayed") is False, timeout=5000)
    qtbot.keyClick(w.canvas, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert w.document.project.training["batch_size"] == 16
    assert w.statusBar().currentMessage().startswith("Redo: Batch size")
