"""One graph analysis per edit and per run start, shared by everything that needs it: the canvas,
status bar, Inspector, code view, data checks, layer preview and the run (shapes.analyze.calls
counts them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt

from netbuilder.shapes import analyze
from netbuilder.templates import load_template

from .helpers import click_node, drag

TIMEOUT = 60_000


def _window(make_window, qtbot, epochs=1):
    project = load_template("mlp")
    project.training = {**project.training, "epochs": epochs}
    w = make_window(project)
    w.bottom_tab("Code")  # the code view renders every edit once it exists
    previews = []
    w.inspect.controller.result.connect(lambda kind, value: previews.append(kind))
    qtbot.waitUntil(lambda: w.training.data_panel.bundle is not None and "preview" in previews,
                    timeout=TIMEOUT)  # the data loaded, the layer preview ran on the model
    return w, previews


def test_one_edit_is_analysed_once(make_window, qtbot):
    w, previews = _window(make_window, qtbot)
    click_node(w.canvas, "fc2")
    box = w.inspector.fields["out_features"]
    before, previews[:] = analyze.calls, []
    box.setValue(box.value() + 3)
    # what follows an edit runs on timers: the code view, the data check, the preview's model
    qtbot.waitUntil(lambda: "preview" in previews and not w.code_view.pending()
                    and not w.training.data_panel._reload_timer.isActive(), timeout=TIMEOUT)
    assert "fc2 = nn.Linear(" in w.code_view.text() and w.document.project.node("fc2").params[
        "out_features"] == box.value()
    assert analyze.calls - before == 1


def test_starting_a_run_analyses_once(make_window, qtbot, monkeypatch):
    w, previews = _window(make_window, qtbot)
    panel = w.training
    before = analyze.calls
    with qtbot.waitSignal(panel.runner.run_finished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    previews[:] = []
    qtbot.waitUntil(lambda: "preview" in previews, timeout=TIMEOUT)  # on the trained weights
    assert panel.runner.last_result.status == "done"
    assert analyze.calls - before == 1  # prepare's, used by the model, the counts and the preview
    # the document's run state hands the run's best weights to Export (File ▸ Export…, Ctrl+E)
    best = Path(panel.runner.last_result.run_dir) / "best.safetensors"
    assert w.document.run.last_result is panel.runner.last_result and best.is_file()
    opened = []
    monkeypatch.setattr("ui.main_window.ExportDialog.exec", lambda dialog: opened.append(dialog.weights))
    qtbot.keyClick(w.canvas, Qt.Key_E, Qt.ControlModifier)
    assert opened == [best]


def test_a_drag_is_not_analysed_and_redraws_only_the_moved_node(make_window, qtbot, monkeypatch):
    w, _ = _window(make_window, qtbot)
    scene = w.canvas.net_scene
    faces = []
    monkeypatch.setattr(type(scene.nodes["fc1"]), "set_content",
                        lambda item, *args: faces.append(item.node_id))
    before = analyze.calls
    c = scene.nodes["fc1"].sceneBoundingRect().center() + QPointF(0, 10)
    drag(w.canvas, c, c + QPointF(200, 40), steps=6)
    moved = w.document.project.node("fc1").pos
    assert scene.nodes["fc1"].pos() == QPointF(*moved) and w.document.undo_stack.count() == 1
    w.document.undo_stack.undo()
    assert scene.nodes["fc1"].pos() == QPointF(*w.document.project.node("fc1").pos) != QPointF(*moved)
    assert analyze.calls == before and faces == []  # no analysis, no node face drawn again
