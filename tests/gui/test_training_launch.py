"""Data-parallel runs from the app: "Processes (GPUs)" appears only with two GPUs or more, and a
Train with 2 processes runs `netbuilder train --nproc-per-node 2` (gloo on this CPU machine),
the dashboard following the run folder epoch by epoch; Stop ends it after an epoch."""

from __future__ import annotations

import json

import torch
from PySide6.QtCore import Qt

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.panel import TrainingPanel
from ui.training.runner import IDLE

TIMEOUT = 120_000


def make_panel(qtbot, tmp_path, epochs):
    project = load_template("perceptron")
    project.training = {**project.training, "epochs": epochs}
    panel = TrainingPanel(Document(project), runs_root=tmp_path / "runs")
    qtbot.addWidget(panel)
    panel.resize(1100, 420)
    panel.show()
    return panel


def test_the_processes_choice_shows_only_with_several_gpus(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    one = make_panel(qtbot, tmp_path, 1)
    assert one.settings.processes is None
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    four = make_panel(qtbot, tmp_path, 1)
    box = four.settings.processes
    assert box is not None and box.isVisible() and (box.minimum(), box.maximum(), box.value()) == (1, 4, 1)
    assert box.parentWidget().layout().labelForField(box).text() == "Processes (GPUs)"


def test_two_processes_train_follow_the_run_folder_and_stop(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    p = make_panel(qtbot, tmp_path, epochs=40)
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
