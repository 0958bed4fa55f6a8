"""Closing during training says a run is going on and can stop and keep it; after a dialog the
window has the focus again, so the next shortcut reaches it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from netbuilder.templates import load_template
from ui.training.runner import RUNNING, STOPPING

from .helpers import click_node

TIMEOUT = 60_000


def test_closing_during_training_offers_to_stop_and_keep_the_run(make_window, dialogs, qtbot, tmp_path,
                                                                 monkeypatch):
    project = load_template("mlp")
    project.training = {**project.training, "epochs": 500}
    w = make_window(project)
    p = w.training
    p.runs_root = tmp_path / "runs"
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    dialogs.answer = QMessageBox.Cancel
    assert not w.close()
    _, title, text = dialogs.shown[-1]
    assert title == "Training in progress" and "Stop it and keep it?" in text and "of 500" in text
    assert w.isVisible() and p.runner.busy  # cancelled: the run goes on

    # unsaved changes too: Yes stops the run at once, before the next question is answered
    click_node(w.canvas, "fc3")
    qtbot.keyClick(w.canvas.viewport(), Qt.Key_Delete)
    assert w.document.dirty
    asked = []

    def answer(parent, title, text, *args, **kw):
        asked.append((title, p.runner.state))
        return QMessageBox.Yes if title == "Training in progress" else QMessageBox.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert not w.close()  # the unsaved-changes question was cancelled: the window stays
    assert asked == [("Training in progress", RUNNING), ("Unsaved changes", STOPPING)]
    qtbot.waitUntil(lambda: not p.runner.busy, timeout=TIMEOUT)  # stopped although the window stays
    assert p.progress.format().startswith("stopped: ")
    assert (p._run_dir / "best.safetensors").is_file()  # kept: the epochs it trained are there


def test_a_shortcut_right_after_save_as_reaches_the_window(make_window, qtbot, monkeypatch):
    w = make_window()
    other = QLineEdit()  # what a file dialog leaves behind: focus in another window
    qtbot.addWidget(other)

    def cancelled_dialog(*args, **kwargs):
        other.show()
        other.activateWindow()
        other.setFocus()
        qtbot.waitUntil(other.hasFocus)
        other.hide()
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled_dialog)
    w.save_as()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.canvas)
    opened = []
    new_action = next(a for a in w.menus["File"].actions() if a.text().replace("&", "") == "New…")
    new_action.triggered.disconnect()  # Ctrl+N's action, without its gallery dialog
    new_action.triggered.connect(lambda: opened.append(True))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_N, Qt.ControlModifier)
    assert opened == [True]
