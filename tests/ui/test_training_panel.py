"""The training panel driven by real clicks: a full run, Stop, Pause/Resume, a failing run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.panel import TrainingPanel
from ui.training.runner import IDLE, PAUSED, RUNNING

TIMEOUT = 60_000


class FakeCanvas:
    def __init__(self):
        self.flags = {}

    def set_node_flag(self, node_id, message):
        if message is None:
            self.flags.pop(node_id, None)
        else:
            self.flags[node_id] = message


@pytest.fixture
def panel(qtbot, tmp_path):
    def make(epochs=6, **training):
        project = load_template("mlp")
        project.training = {**project.training, "epochs": epochs, **training}
        doc = Document(project)
        p = TrainingPanel(doc, canvas=FakeCanvas(), runs_root=tmp_path / "runs")
        qtbot.addWidget(p)
        p.resize(1100, 420)
        p.show()
        made.append(p)
        return p

    made = []
    yield make
    for p in made:
        assert p.shutdown()


def click(qtbot, button):
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.LeftButton)


def test_train_mlp_to_completion(qtbot, panel):
    p = panel(epochs=6)
    epochs = []
    p.runner.epoch_done.connect(lambda e, logs: epochs.append(logs))
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    result = p.runner.last_result
    assert result.status == "done" and result.epochs == 6
    assert result.metrics["accuracy"] >= 0.95
    assert len(epochs) == 6 and epochs[-1]["val_accuracy"] >= 0.95
    assert p.evaluation.values["accuracy"] >= 0.95
    assert p.evaluation.cm_texts  # the confusion matrix was drawn
    qtbot.waitUntil(lambda: p.dashboard.redraws > 0)
    assert p.dashboard.step_curve.getData()[0] is not None
    assert p.progress.value() == 1000 and p.train_button.isEnabled()
    assert p.runner.thread is None


def test_stop_mid_run_ends_the_thread(qtbot, panel):
    p = panel(epochs=500)
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.stop_button)
    result = p.runner.last_result
    assert result.status == "stopped" and 1 <= result.epochs < 500
    assert p.runner.state == IDLE and p.runner.thread is None
    assert "Stopped" in p.status.text()


def test_pause_blocks_and_resume_continues(qtbot, panel):
    p = panel(epochs=500)
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    with qtbot.waitSignal(p.runner.pause_confirmed, timeout=TIMEOUT):
        click(qtbot, p.pause_button)
    assert p.runner.state == PAUSED and p.resume_button.isVisible()
    qtbot.wait(50)  # let queued step reports land: the thread itself is blocked
    frozen = p.runner.history.last_step
    for _ in range(20):
        qtbot.wait(10)
        assert p.runner.history.last_step == frozen
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        click(qtbot, p.resume_button)
    assert p.runner.state == RUNNING and p.runner.history.last_step > frozen
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.stop_button)


def test_stop_while_paused(qtbot, panel):
    p = panel(epochs=500)
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    with qtbot.waitSignal(p.runner.pause_confirmed, timeout=TIMEOUT):
        click(qtbot, p.pause_button)
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.stop_button)
    assert p.runner.last_result.status == "stopped"


def test_failing_run_shows_a_message_and_the_app_keeps_working(qtbot, panel, tmp_path):
    p = panel(epochs=2)
    good = p.document.project.data
    p.document.project.data = {"kind": "csv", "path": "no_such_file.csv", "target": "y"}
    with qtbot.waitSignal(p.runner.run_failed, timeout=TIMEOUT) as failed:
        click(qtbot, p.train_button)
    qtbot.waitUntil(lambda: p.runner.thread is None, timeout=TIMEOUT)
    assert "no_such_file.csv" in failed.args[0]
    assert p.message.isVisible() and "no_such_file.csv" in p.message.text()
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    p.document.project.data = good  # fixed: the same panel trains again
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    assert p.runner.last_result.status == "done" and not p.message.isVisible()


def test_gradient_flags_reach_the_canvas_and_clear_on_a_new_run(qtbot, panel):
    p = panel(epochs=1)
    p.runner._on_grads(50, {"fc1": 1e-9, "fc2": 0.5, "fc3": 0.4}, {})
    assert "fc1" in p.canvas.flags and "Vanishing" in p.canvas.flags["fc1"]
    p.dashboard.refresh()
    assert "fc1" in p.dashboard.flag_label.text()
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    assert "fc1" not in p.canvas.flags
