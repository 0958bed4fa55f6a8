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


class Recorder(Reporter):
    def __init__(self, stop_after=None):
        self.info, self.epochs, self.batches, self.stop_after = None, [], 0, stop_after

    def on_start(self, info):
        self.info = info

    def on_epoch(self, epoch, logs):
        self.epochs.append(logs)

    def should_stop(self):
        self.batches += 1
        return self.stop_after is not None and self.batches > self.stop_after


def snapshot(folder: Path) -> dict:
    """Every file below `folder` with its bytes: 'untouched' means this stays equal."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def test_checkpoints_reload_into_a_fresh_model(tmp_path):
    model = mlp()
    result = train(model, MOONS, SETTINGS, out_dir=tmp_path / "run",
                   project_dict={"format": "netbuilder-project", "version": 1})
    run = tmp_path / "run"
    names = {p.name for p in run.iterdir()}
    assert {"best.safetensors", "last.safetensors", "checkpoint.json", "epochs", "state.json",
            "history.csv", "project.json"} <= names
    assert [p.name for p in (run / "epochs").iterdir()] == ["000004"]  # only the committed one
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
    state = json.loads((run / "epochs" / "000001" / "state.json").read_text())
    tensors = load_file(str(run / "epochs" / "000001" / "state.safetensors"))
    assert state["optimizer"]["state"]["0"]["momentum_buffer"] == {
        "__tensor__": "optimizer.state.0.momentum_buffer"}
    assert tensors["optimizer.state.0.momentum_buffer"].shape == (16, 2)
    assert tensors["rng.batches"].dtype == torch.uint8  # the batch order resumes exactly


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
    state = json.loads((run / "epochs" / "000003" / "state.json").read_text())
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


def test_resume_on_a_changed_graph_names_what_differs_and_leaves_the_run_as_it_was(tmp_path):
    run = tmp_path / "run"
    train(mlp(), MOONS, {**SETTINGS, "epochs": 1}, out_dir=run, project_dict={"name": "old"})
    before = snapshot(run)
    torch.manual_seed(0)
    wider = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    with pytest.raises(TrainError) as err:
        train(wider, MOONS, SETTINGS, resume_from=run, project_dict={"name": "new"})
    message = err.value.message
    assert "do not fit the current graph" in message
    assert "'0.weight' has shape [16, 2] in the run but [32, 2] now" in message
    assert "'2.weight' has shape [2, 16] in the run but [2, 32] now" in message
    assert "project.json" in message
    assert snapshot(run) == before  # nothing overwritten

    deeper = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2), nn.Linear(2, 2))
    with pytest.raises(TrainError, match=r"'0.weight' has shape .*\(and 2 more\)"):
        train(deeper, MOONS, SETTINGS, resume_from=run)  # 3.weight and 3.bias: counted
    fewer = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Identity(), nn.Linear(16, 2))
    with pytest.raises(TrainError) as err:  # layer 2 moved to 3, as a renamed node would
        train(fewer, MOONS, SETTINGS, resume_from=run)
    assert "'3.weight' is in the graph now but not in the run" in err.value.message
    assert "'2.bias' is in the run but not in the graph now" in err.value.message


def test_resume_of_a_run_that_trained_all_its_epochs_says_so(tmp_path):
    run = tmp_path / "run"
    train(mlp(), MOONS, {**SETTINGS, "epochs": 2}, out_dir=run)
    before = (run / "state.json").read_bytes()
    with pytest.raises(TrainError, match=r"already trained 2 of 2 epochs: raise Epochs") as err:
        train(mlp(), MOONS, {**SETTINGS, "epochs": 2}, resume_from=run)
    assert err.value.field == "training.epochs"
    with pytest.raises(TrainError, match=r"2 epochs, more than Epochs \(1\)"):
        train(mlp(), MOONS, {**SETTINGS, "epochs": 1}, resume_from=run)
    assert (run / "state.json").read_bytes() == before


def test_resume_with_another_optimizer_says_which_one_the_run_used(tmp_path):
    run = tmp_path / "run"
    train(mlp(), MOONS, {**SETTINGS, "epochs": 1}, out_dir=run)
    adam = {**SETTINGS, "optimizer": {"type": "Adam", "lr": 0.01}}
    with pytest.raises(TrainError, match="trained with the SGD optimizer .* Adam"):
        train(mlp(), MOONS, adam, resume_from=run)


class StopAt(Reporter):
    """Stops the run once step `at` was reported; records the start info."""

    def __init__(self, at=None):
        self.at, self.step, self.info = at, 0, None

    def on_start(self, info):
        self.info = info

    def on_step(self, step, epoch, loss, lr):
        self.step = step

    def should_stop(self):
        return self.at is not None and self.step >= self.at


def test_a_run_stopped_mid_epoch_continues_from_its_last_finished_epoch(tmp_path):
    run = tmp_path / "run"
    steps = 10  # 320 training samples in batches of 32
    first = train(mlp(), MOONS, SETTINGS, StopAt(at=steps + 5), out_dir=run, report_every=1)
    assert first.status == "stopped" and first.epochs == 1
    state = json.loads((run / "state.json").read_text())
    # the state of epoch 1, which last.safetensors holds, not that of the half-done epoch 2
    assert state["status"] == "stopped" and state["epoch"] == 1 and state["step"] == steps
    resumed = StopAt()
    result = train(mlp(), MOONS, SETTINGS, resumed, resume_from=run, report_every=1)
    assert result.status == "done" and [h["epoch"] for h in result.history] == [1, 2, 3, 4]
    assert [h["step"] for h in result.history] == [steps, 2 * steps, 3 * steps, 4 * steps]
    info = resumed.info
    assert info["start_epoch"] == 2 and info["start_step"] == steps
    assert [h["epoch"] for h in info["history"]] == [1]  # the dashboard shows it from the start
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4"]


def test_continue_applies_a_changed_lr_and_schedules_for_the_new_epoch_count(tmp_path):
    import math

    run = tmp_path / "run"
    first = {"optimizer": {"type": "Adam", "lr": 0.1}, "schedule": {"type": "CosineAnnealingLR"},
             "epochs": 4}
    train(mlp(), MOONS, first, out_dir=run)
    rec = Recorder()
    more = {**first, "optimizer": {"type": "Adam", "lr": 0.001}, "epochs": 8}
    train(mlp(), MOONS, more, reporter=rec, resume_from=run)
    # as if the run had been planned with lr 0.001 and 8 epochs: cosine from epoch 5 on
    lrs = [logs["lr"] for logs in rec.epochs]
    assert lrs == pytest.approx([0.001 * (1 + math.cos(math.pi * e / 8)) / 2 for e in range(4, 8)])
    assert any("lr" in note for note in rec.info["notes"])
    # unchanged settings and epochs: the saved schedule continues where it was
    run2 = tmp_path / "run2"
    train(mlp(), MOONS, {**SETTINGS, "epochs": 6}, out_dir=run2, reporter=Recorder(stop_after=30))
    rec = Recorder()
    train(mlp(), MOONS, {**SETTINGS, "epochs": 6}, reporter=rec, resume_from=run2)
    done_before = rec.info["start_epoch"] - 1
    expected = [0.05 * 0.5 ** (e // 2) for e in range(done_before, 6)]
    assert [logs["lr"] for logs in rec.epochs] == pytest.approx(expected)


def test_continuing_an_early_stopped_run_gets_its_patience_again(tmp_path):
    run = tmp_path / "run"
    stop_fast = {**SETTINGS, "epochs": 30, "early_stopping": {"monitor": "val_loss", "patience": 2,
                                                               "min_delta": 10.0}}
    first = train(mlp(), MOONS, stop_fast, out_dir=run)
    assert first.stopped_early and first.epochs == 3
    result = train(mlp(), MOONS, {**stop_fast, "epochs": 30}, resume_from=run)
    assert result.epochs == 5  # two more epochs, not one: patience counts from the continue
