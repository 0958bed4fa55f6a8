"""Data-parallel runs from the app: "Processes (GPUs)" appears only with two GPUs or more, and a
Train with 2 processes runs `netbuilder train --nproc-per-node 2` (gloo on this CPU machine),
the dashboard following the run folder epoch by epoch; Stop ends it after an epoch."""

from __future__ import annotations

import json

import pytest
import torch
from PySide6.QtCore import Qt

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.panel import TrainingPanel
from ui.training.runner import IDLE

TIMEOUT = 120_000


@pytest.fixture
def make_panel(qtbot, tmp_path):
    made = []

    def make(epochs):
        project = load_template("perceptron")
        project.training = {**project.training, "epochs": epochs}
        panel = TrainingPanel(Document(project), runs_root=tmp_path / "runs")
        qtbot.addWidget(panel)
        panel.resize(1100, 420)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:  # the Data tab's loader thread, a run's processes
        assert panel.shutdown()


def test_the_processes_choice_shows_only_with_several_gpus(make_panel, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert make_panel(1).settings.processes is None
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    box = make_panel(1).settings.processes
    assert box is not None and box.isVisible() and (box.minimum(), box.maximum(), box.value()) == (1, 4, 1)
    assert box.parentWidget().layout().labelForField(box).text() == "Processes (GPUs)"


def test_two_processes_train_follow_the_run_folder_and_stop(qtbot, tmp_path, make_panel, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    p = make_panel(epochs=40)
    box = p.settings.processes
    box.setFocus()
    qtbot.keyClick(box, Qt.Key_Up)  # 1 -> 2 processes
    assert box.value() == 2
    epochs = []
    p.runner.epoch_done.connect(lambda e, logs: epochs.append(e))
    with qtbot.waitSignal(p.runner.epoch_done, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    assert p.runner.launched is not None and "2 x cpu" in p.status.text()
    assert not p.pause_button.isEnabled()  # the ranks cannot pause together
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.stop_button, Qt.LeftButton)
    result = p.runner.last_result
    assert result.status == "stopped" and 1 <= result.epochs < 40, result
    assert epochs == list(range(1, result.epochs + 1))  # each committed epoch reached the plots once
    assert p.runner.state == IDLE and p.runner.launched is None and p.train_button.isEnabled()
    run = result.run_dir
    view = json.loads((tmp_path / "runs" / run.split("/")[-1] / "state.json").read_text())
    assert view["status"] == "stopped" and view["run"]["processes"] == 2
    assert [h["epoch"] for h in view["history"]] == epochs
    assert p.evaluation.values["accuracy"] > 0.5 and p.last_run_dir is not None
    p.grab().save(str(tmp_path / "launch.png"))
