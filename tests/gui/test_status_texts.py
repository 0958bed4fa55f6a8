"""Status texts agree with each other and with the project, and none outlives what it says."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from netbuilder.errors import ProjectError
from netbuilder.templates import load_template
from ui.training.runner import PAUSED

from .helpers import click_node

TIMEOUT = 60_000


def inspector_text(w) -> str:
    return " ".join(label.text() for label in w.inspector.widget().findChildren(QLabel))


def test_inspector_and_status_bar_count_the_same_problems(make_window):
    w = make_window()
    w.problems.set_external("data", [])  # the test graph has no data: a problem of its own
    assert w.problems.count == len(w.document.analysis.errors) == 0
    assert "✔ valid" in inspector_text(w) and "valid" in w.valid_label.text()
    w.problems.set_external("data", [ProjectError("The data file train.csv is missing.", field="data")])
    assert "1 problem" in w.valid_label.text()
    assert "1 problem" in inspector_text(w) and "✔ valid" not in inspector_text(w)


def test_layers_selected_goes_when_the_selection_does(make_window, qtbot):
    w = make_window()
    click_node(w.canvas, "n1")
    click_node(w.canvas, "n2", Qt.ControlModifier)
    assert "2 layers selected" in inspector_text(w)
    empty = w.canvas.mapFromScene(w.canvas.net_scene.nodes["n1"].sceneBoundingRect().topLeft()) - QPoint(150, 0)
    qtbot.mouseClick(w.canvas.viewport(), Qt.LeftButton, pos=empty)
    assert w.document.selection == []
    assert "layers selected" not in inspector_text(w) and w.document.project.name in inspector_text(w)


def test_a_refused_value_message_goes_when_the_box_is_left(make_window, qtbot):
    w = make_window()
    click_node(w.canvas, "n1")  # Conv2d
    box = w.inspector.fields["out_channels"]
    w.activateWindow()
    qtbot.waitActive(w)
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(box.lineEdit(), Qt.LeftButton)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box.lineEdit(), Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(box.lineEdit(), "0")
    assert w.inspector.messages["out_channels"].isVisible()
    w.grab().save("/tmp/shots/out_channels_typing.png")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Tab)  # the box goes back to 6
    assert w.document.project.node("n1").resolved()["out_channels"] == 6
    assert box.value() == 6 and not w.inspector.messages["out_channels"].isVisible()


def test_resume_replaces_paused_and_a_fixed_graph_clears_the_failure(make_window, qtbot, tmp_path):
    project = load_template("mlp")
    project.training = {**project.training, "epochs": 500}
    w = make_window(project)
    p = w.training
    p.runs_root = tmp_path / "runs"
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    with qtbot.waitSignal(p.runner.pause_confirmed, timeout=TIMEOUT):
        qtbot.mouseClick(p.pause_button, Qt.LeftButton)
    assert p.runner.state == PAUSED and p.status.text().startswith("Paused")
    qtbot.mouseClick(p.resume_button, Qt.LeftButton)
    assert "Paused" not in p.status.text() and p.status.text().startswith("Training on")
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.stop_button, Qt.LeftButton)

    # a graph the data cannot train: the run fails with a red banner
    click_node(w.canvas, "fc3")
    box = w.inspector.fields["out_features"]
    box.setValue(3)
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    assert p.message.isVisible() and "out_features" in p.message.text()
    box.setValue(2)  # fixed
    assert not p.message.isVisible() and "Train to try again" in p.status.text()
