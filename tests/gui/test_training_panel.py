"""The training panel driven by real clicks: a full run, Stop, Pause/Resume, a failing run, Continue."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from netbuilder.templates import load_template
from netbuilder.train.gradstats import grad_flags
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
    # the drawn confusion matrix shows the run's counts, one cell each
    matrix = result.evaluation["confusion_matrix"]
    assert [t.toPlainText() for t in p.evaluation.cm_texts] == [str(v) for row in matrix for v in row]
    correct, total = sum(matrix[i][i] for i in range(len(matrix))), sum(map(sum, matrix))
    assert total > 0 and abs(correct / total - p.evaluation.values["accuracy"]) < 1e-6
    qtbot.waitUntil(lambda: p.dashboard.redraws > 0)
    steps, losses = p.dashboard.step_curve.getData()
    assert len(steps) == len(losses) > 0 and all(math.isfinite(v) for v in losses)
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
    norms = {"fc1": 1e-9, "fc2": 0.5, "fc3": 0.4}
    p.runner._on_grads(50, norms, {"flags": grad_flags(norms)})  # a reading, as the trainer reports it
    assert "fc1" in p.canvas.flags and "Vanishing" in p.canvas.flags["fc1"]
    p.dashboard.refresh()
    assert "fc1" in p.dashboard.flag_label.text()
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    assert "fc1" not in p.canvas.flags


# ----- Continue: more epochs of a finished or stopped run ------------------------------------------
def set_epochs(qtbot, p, epochs: int) -> None:
    """Types the new count into the settings form's Epochs box, as a user would."""
    box = p.settings.fields["epochs"]
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, str(epochs))
    qtbot.keyClick(box, Qt.Key_Return)
    assert p.document.project.training["epochs"] == epochs


def train_to_the_end(qtbot, p, button):
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, button)
    return p.runner.last_result


def test_continue_trains_the_extra_epochs_into_the_same_run(qtbot, panel):
    p = panel(epochs=2)
    assert not p.continue_button.isEnabled()  # no run yet
    first = train_to_the_end(qtbot, p, p.train_button)
    assert first.status == "done" and first.epochs == 2
    set_epochs(qtbot, p, 4)
    at_start, new_epochs = [], []
    first_steps = list(p.runner.history.steps)
    p.runner.run_started.connect(lambda info: at_start.append(
        (info["start_epoch"], [e["epoch"] for e in p.runner.history.epochs],
         list(p.runner.history.steps))))
    p.runner.epoch_done.connect(lambda epoch, logs: new_epochs.append(epoch))
    result = train_to_the_end(qtbot, p, p.continue_button)
    assert result.status == "done" and result.epochs == 4 and not p.message.isVisible()
    assert result.run_dir == first.run_dir  # the same run folder, trained on
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4]
    # the dashboard had the earlier epochs and step losses from the start
    assert first_steps and at_start == [(3, [1, 2], first_steps)]
    assert new_epochs == [3, 4]
    rows = list(csv.DictReader((Path(result.run_dir) / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4"]
    h = p.runner.history
    assert [e["epoch"] for e in h.epochs] == [1, 2, 3, 4]
    assert h.done_steps == h.last_step - h.start_step > 0 and h.last_step == h.total_steps
    p.dashboard.refresh(force=True)
    steps, losses = p.dashboard.train_curve.getData()
    assert list(steps) == [e["step"] for e in result.history] and len(losses) == 4
    x_range = p.dashboard.loss_plot.getViewBox().viewRange()[0]
    assert x_range[0] <= steps[0] and steps[-1] <= x_range[1]  # all four epochs in view
    assert p.progress.value() == 1000 and "4 epochs" in p.status.text()


def test_continue_a_run_that_trained_all_its_epochs_says_so(qtbot, panel):
    p = panel(epochs=2)
    train_to_the_end(qtbot, p, p.train_button)
    assert p.continue_button.isEnabled()
    click(qtbot, p.continue_button)
    assert p.message.isVisible()
    assert "already trained 2 of 2 epochs: raise Epochs" in p.message.text()
    assert p.runner.state == IDLE and p.runner.thread is None  # nothing started
    set_epochs(qtbot, p, 3)  # the advice works
    result = train_to_the_end(qtbot, p, p.continue_button)
    assert result.status == "done" and result.epochs == 3 and not p.message.isVisible()
    # the gradient plot shows the earlier epochs' norms too, not one new reading (a line of one
    # point, which draws nothing: the plot looked empty after Continue)
    p.dashboard.refresh(force=True)
    for curve in p.dashboard.grad_curves.values():
        steps, norms = curve.getData()
        assert list(steps) == [e["step"] for e in result.history] and len(norms) == 3


def test_continue_after_the_graph_changed_names_the_layer_and_keeps_the_run(qtbot, panel):
    p = panel(epochs=1)
    first = train_to_the_end(qtbot, p, p.train_button)
    state_file = Path(first.run_dir) / "state.json"
    saved_state = state_file.read_bytes()
    p.document.project.set_param("fc1", "out_features", 32)
    set_epochs(qtbot, p, 2)
    with qtbot.waitSignal(p.runner.run_failed, timeout=TIMEOUT) as failed:
        click(qtbot, p.continue_button)
    qtbot.waitUntil(lambda: p.runner.thread is None, timeout=TIMEOUT)
    assert "'fc1.weight' has shape [64, 2] in the run but [32, 2] now" in failed.args[0]
    assert p.message.isVisible() and "do not fit the current graph" in p.message.text()
    assert state_file.read_bytes() == saved_state  # the run can still be continued
    p.document.project.set_param("fc1", "out_features", 64)  # the graph the run was trained with
    result = train_to_the_end(qtbot, p, p.continue_button)
    assert result.status == "done" and result.epochs == 2 and not p.message.isVisible()


def test_continue_menu_items(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from netbuilder.session import run_training

    project = load_template("mlp")
    project.training = {**project.training, "epochs": 1}
    w = make_window(project)
    panel = w.training
    panel.runs_root = tmp_path / "runs"
    menu = {a.text(): a for a in w.menus["Train"].actions()}
    cont, from_folder = menu["&Continue Last Run"], menu["Continue Run from &Folder…"]
    assert not cont.isEnabled() and from_folder.isEnabled()  # no run in this window yet

    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(not_a_run))
    from_folder.trigger()
    assert "not a run folder" in panel.message.text() and panel.runner.thread is None

    earlier = tmp_path / "earlier-session"  # a run from before this window was opened
    run_training(project, ".", out_dir=earlier)
    w.document.project.training = {**project.training, "epochs": 2}
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(earlier))
    with qtbot.waitSignal(panel.runner.thread_ended, timeout=TIMEOUT):
        from_folder.trigger()
    assert panel.runner.last_result.epochs == 2 and panel.last_run_dir == earlier
    assert cont.isEnabled()  # that run is now this window's last one


def test_early_stopping_fits_the_plots_to_the_epochs_run(qtbot, panel):
    p = panel(epochs=40, early_stopping={"monitor": "val_loss", "patience": 1, "min_delta": 10.0})
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        click(qtbot, p.train_button)
    result = p.runner.last_result
    assert result.stopped_early and result.epochs == 2
    assert p.dashboard.metric_plot.getViewBox().viewRange()[0][1] <= 2.5 + 1e-9
    last_step = result.history[-1]["step"]
    assert p.dashboard.loss_plot.getViewBox().viewRange()[0][1] <= last_step * 1.5


def test_continue_on_a_run_whose_step_is_abc_says_what_is_wrong(qtbot, panel):
    """issue 12: a run folder with "step": "abc" gave a traceback; now a message names the field."""
    import hashlib
    import json

    p = panel(epochs=1)
    first = train_to_the_end(qtbot, p, p.train_button)
    run = Path(first.run_dir)
    pointer = json.loads((run / "checkpoint.json").read_text())
    state_file = run / pointer["folder"] / "state.json"
    state = json.loads(state_file.read_text())
    state["step"] = "abc"
    state_file.write_bytes(raw := json.dumps(state).encode())
    pointer["state_sha256"] = hashlib.sha256(raw).hexdigest()  # hostile, but consistent
    (run / "checkpoint.json").write_text(json.dumps(pointer))
    set_epochs(qtbot, p, 2)
    click(qtbot, p.continue_button)
    assert p.message.isVisible() and "step must be a whole number" in p.message.text()
    assert p.runner.state == IDLE and p.runner.thread is None  # nothing started
