"""Run folders: safetensors checkpoints, state.json status, history, resume."""

import csv
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from netbuilder.data import load_data
from netbuilder.train import Reporter, TrainError, train

MOONS = load_data({"kind": "builtin", "name": "moons", "n": 400}, Path("."), "CrossEntropyLoss")
SETTINGS = {"optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
            "schedule": {"type": "StepLR", "step_size": 2, "gamma": 0.5},
            "batch_size": 32, "epochs": 4, "metrics": ["accuracy"]}


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def test_checkpoints_reload_into_a_fresh_model(tmp_path):
    model = mlp()
    result = train(model, MOONS, SETTINGS, out_dir=tmp_path / "run",
                   project_dict={"format": "netbuilder-project", "version": 1})
    run = tmp_path / "run"
    names = {p.name for p in run.iterdir()}
    assert {"best.safetensors", "last.safetensors", "optimizer.safetensors", "state.json",
            "history.csv", "project.json"} <= names
    assert not any(n.endswith(".tmp") for n in names)
    assert result.checkpoint == str(run / "best.safetensors")
    fresh = mlp(seed=1)
    fresh.load_state_dict(load_file(result.checkpoint))
    x = MOONS.x_val
    assert torch.equal(fresh(x), model(x))  # the trained model keeps the best weights
    state = json.loads((run / "state.json").read_text())
    assert state["status"] == "done" and state["epoch"] == 4
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4"]
    assert json.loads((run / "project.json").read_text())["version"] == 1


def test_resume_continues_epochs_history_and_optimizer_state(tmp_path):
    run = tmp_path / "run"
    first = train(mlp(), MOONS, {**SETTINGS, "epochs": 2}, out_dir=run)
    assert first.epochs == 2
    model = mlp(seed=5)
    seen = []

    class Epochs(Reporter):
        def on_epoch(self, epoch, logs):
            seen.append((epoch, logs["lr"]))

    result = train(model, MOONS, SETTINGS, Epochs(), resume_from=run)
    assert [e for e, _ in seen] == [3, 4]
    assert seen[0][1] == pytest.approx(0.025)  # StepLR state carried over: halved at epoch 3
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4] and result.epochs == 4
    assert json.loads((run / "state.json").read_text())["status"] == "done"


def test_resume_matches_uninterrupted_optimizer_state(tmp_path):
    """Momentum buffers survive the round trip through safetensors + JSON."""
    run = tmp_path / "r"
    model = mlp()
    train(model, MOONS, {**SETTINGS, "epochs": 1}, out_dir=run)
    state = json.loads((run / "state.json").read_text())
    tensors = load_file(str(run / "optimizer.safetensors"))
    assert state["optimizer"]["state"]["0"]["momentum_buffer"] == {
        "__tensor__": "optimizer.state.0.momentum_buffer"}
    assert tensors["optimizer.state.0.momentum_buffer"].shape == (16, 2)


def test_failed_run_is_marked_failed(tmp_path):
    run = tmp_path / "bad"
    with pytest.raises(TrainError):
        train(mlp(), MOONS, {**SETTINGS, "optimizer": {"type": "SGD", "lr": 1e12}}, out_dir=run)
    state = json.loads((run / "state.json").read_text())
    assert state["status"] == "failed" and "NaN" in state["message"]
    assert not (run / "last.safetensors").exists()
    with pytest.raises(TrainError, match="resume"):
        train(mlp(), MOONS, SETTINGS, resume_from=run)


def test_resume_adam_with_plateau_schedule(tmp_path):
    settings = {"optimizer": {"type": "Adam", "lr": 0.01, "betas": [0.8, 0.99]},
                "schedule": {"type": "ReduceLROnPlateau", "patience": 1, "factor": 0.5},
                "epochs": 3, "metrics": []}
    run = tmp_path / "adam"
    train(mlp(), MOONS, {**settings, "epochs": 1}, out_dir=run)
    result = train(mlp(), MOONS, settings, resume_from=run)
    assert result.epochs == 3 and result.status == "done"
    state = json.loads((run / "state.json").read_text())
    assert state["optimizer"]["param_groups"][0]["betas"] == [0.8, 0.99]


def test_runtime_error_mid_training_becomes_train_error(tmp_path):
    class Breaks(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            if self.training and len(x) == 7:  # the odd-sized last batch only
                raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")
            return self.fc(x)

    data = load_data({"kind": "builtin", "name": "moons", "n": 47, "split": {"val": 0.0}},
                     ".", "CrossEntropyLoss")
    with pytest.raises(TrainError, match="epoch 1, step 6: mat1"):
        train(Breaks(), data, {"batch_size": 8}, out_dir=tmp_path / "r")
    assert json.loads((tmp_path / "r" / "state.json").read_text())["status"] == "failed"
