"""Transactional run folders: exact resume, refusals that leave the folder untouched, leftover
temporaries, a full disk at the write boundary, and kill -9 at random moments."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from netbuilder.data import load_data
from netbuilder.runtime import checkpoint as rck
from netbuilder.runtime.safetensors_io import read_tensors, tensor_bytes
from netbuilder.train import Reporter, TrainError, train

ROOT = Path(__file__).resolve().parent.parent
MOONS = load_data({"kind": "builtin", "name": "moons", "n": 240}, Path("."), "CrossEntropyLoss")
SETTINGS = {"optimizer": {"type": "Adam", "lr": 0.01},
            "schedule": {"type": "StepLR", "step_size": 1, "gamma": 0.8},
            "batch_size": 32, "epochs": 4, "metrics": ["accuracy"]}


def net(seed=0, width=16):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Dropout(0.2), nn.Linear(width, 2))


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


class StopAtStep(Reporter):
    def __init__(self, at):
        self.at, self.batches, self.started = at, 0, False

    def on_start(self, info):
        self.started = True

    def should_stop(self):
        self.batches += 1
        return self.batches > self.at


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def test_a_run_stopped_twice_and_resumed_ends_with_the_uninterrupted_weights(tmp_path):
    whole = net()
    train(whole, MOONS, SETTINGS, out_dir=tmp_path / "whole")
    run = tmp_path / "run"
    train(net(), MOONS, SETTINGS, StopAtStep(9), out_dir=run)  # in epoch 2 (6 steps an epoch)
    train(net(seed=3), MOONS, SETTINGS, StopAtStep(7), resume_from=run)  # in epoch 3
    result = train(net(seed=4), MOONS, SETTINGS, resume_from=run)
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4]  # each epoch once
    ours = read_tensors((run / "last.safetensors").read_bytes())
    theirs = read_tensors((tmp_path / "whole" / "last.safetensors").read_bytes())
    assert max_difference(ours, theirs) <= 1e-6
    whole_losses = json.loads((tmp_path / "whole" / "state.json").read_text())["history"]
    assert [h["train_loss"] for h in result.history] == pytest.approx(
        [h["train_loss"] for h in whole_losses], abs=1e-6)


def _resign(run: Path, edit) -> None:
    """Edit the committed state.json and re-sign the pointer: a hostile folder whose hashes agree."""
    pointer = json.loads((run / "checkpoint.json").read_text())
    path = run / pointer["folder"] / "state.json"
    state = json.loads(path.read_text())
    edit(state, run / pointer["folder"])
    raw = json.dumps(state).encode()
    path.write_bytes(raw)
    pointer["state_sha256"] = hashlib.sha256(raw).hexdigest()
    (run / "checkpoint.json").write_text(json.dumps(pointer))


def _wrong_shape_best(state, folder):
    raw = tensor_bytes({"0.weight": torch.zeros(3, 3)})
    (folder / "best.safetensors").unlink()  # a link to model.safetensors: replace, not overwrite
    (folder / "best.safetensors").write_bytes(raw)
    state["files"]["best.safetensors"] = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def _set(key, value):
    return lambda state, folder: state.__setitem__(key, value)


def _view(**changes):
    def edit(run):
        view = json.loads((run / "state.json").read_text())
        (run / "state.json").write_text(json.dumps({**view, **changes}))
    return edit


HOSTILE = {
    "negative epoch in state.json": (_view(epoch=-5), "state.json: epoch is -5"),
    "a status that lies": (_view(status="finished"), "status 'finished'"),
    "step abc": (lambda run: _resign(run, _set("step", "abc")), "step must be a whole number"),
    "epoch disagrees": (lambda run: _resign(run, _set("epoch", 7)), "epoch is 7 but checkpoint.json says 2"),
    "history too short": (lambda run: _resign(run, lambda s, f: s["history"].pop()), "history must list 2"),
    "best epoch out of range": (lambda run: _resign(run, lambda s, f: s["monitor"].update(best_epoch=9)),
                                "monitor.best_epoch must be an epoch from 1 to 2"),
    "best weights of the wrong shape": (lambda run: _resign(run, _wrong_shape_best),
                                        "best weights (" ),
    "edited state.json": (lambda run: (run / "epochs" / "000002" / "state.json").write_text("{}"),
                          "state_sha256"),
    "pointer outside the run": (lambda run: (run / "checkpoint.json").write_text(json.dumps(
        {**json.loads((run / "checkpoint.json").read_text()), "folder": "../../etc"})), "does not belong to epoch 2"),
    "truncated weights": (lambda run: (run / "epochs" / "000002" / "model.safetensors").write_bytes(b"\0" * 8),
                          "model.safetensors has 8 bytes but state.json says"),
    "missing optimizer state": (lambda run: (run / "epochs" / "000002" / "state.safetensors").unlink(),
                                "state.safetensors is missing"),
}


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    run = tmp_path_factory.mktemp("hostile") / "run"
    train(net(), MOONS, {**SETTINGS, "epochs": 2}, out_dir=run)
    return run


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_or_torn_folder_is_refused_and_left_byte_for_byte(two_epochs, tmp_path, case):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(two_epochs, run)
    spoil, expected = HOSTILE[case]
    spoil(run)
    before = snapshot(run)
    reporter = StopAtStep(10**9)
    with pytest.raises(TrainError) as err:
        train(net(), MOONS, SETTINGS, reporter, resume_from=run)
    assert expected in err.value.message, err.value.message
    assert not reporter.started  # refused before training
    assert snapshot(run) == before


def test_leftovers_of_an_interrupted_commit_are_cleaned_when_the_run_continues(two_epochs, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(two_epochs, run)
    (run / "epochs" / "000003.tmp").mkdir()
    (run / "epochs" / "000003.tmp" / "model.safetensors").write_bytes(b"half")
    (run / "epochs" / "000009").mkdir()  # renamed but never pointed to
    (run / "checkpoint.json.tmp").write_text("{")
    (run / ".state.json.abc.tmp").write_text("{")
    train(net(), MOONS, {**SETTINGS, "epochs": 3}, resume_from=run)
    assert [p.name for p in (run / "epochs").iterdir()] == ["000003"]
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_at_the_commit_keeps_the_previous_epoch(tmp_path, monkeypatch):
    whole = tmp_path / "whole"
    train(net(), MOONS, SETTINGS, out_dir=whole)
    run, real_write, writes = tmp_path / "run", rck.write_file, []

    def full_disk(path, data):
        writes.append(path)
        if Path(path).parent.name == "000003.tmp" and Path(path).name == "state.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(rck, "write_file", full_disk)
    with pytest.raises(TrainError, match=r"epoch 3 could not be written .* \(No space left on device\); the run folder keeps epoch 2"):
        train(net(), MOONS, SETTINGS, out_dir=run)
    monkeypatch.setattr(rck, "write_file", real_write)
    assert json.loads((run / "checkpoint.json").read_text())["epoch"] == 2
    assert [p.name for p in (run / "epochs").iterdir()] == ["000002"]  # the half epoch is gone
    view = json.loads((run / "state.json").read_text())
    assert view["status"] == "failed" and view["epoch"] == 2
    train(net(), MOONS, SETTINGS, resume_from=run)
    assert max_difference(read_tensors((run / "last.safetensors").read_bytes()),
                          read_tensors((whole / "last.safetensors").read_bytes())) <= 1e-6


CHILD = """
import sys, torch
from pathlib import Path
from types import SimpleNamespace
from torch import nn
from netbuilder.train import Reporter, train
run, epochs = Path(sys.argv[1]), int(sys.argv[2])
g = torch.Generator().manual_seed(0)
x, y = torch.randn(160, 2, generator=g), torch.randint(0, 2, (160,), generator=g)
data = SimpleNamespace(x_train=x[:128], y_train=y[:128], x_val=x[128:], y_val=y[128:],
                       x_test=x[:0], y_test=y[:0], task="classification", num_classes=2,
                       input_shape=(2,), augment=None, info={})
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 1024), nn.ReLU(), nn.Dropout(0.1), nn.Linear(1024, 1024),
                      nn.ReLU(), nn.Linear(1024, 2))  # 1.05M parameters: a commit takes a while
settings = {"optimizer": {"type": "Adam", "lr": 1e-3}, "batch_size": 32, "epochs": epochs}
class Started(Reporter):
    def on_start(self, info):
        print("started", flush=True)
resume = (run / "checkpoint.json").exists()
train(model, data, settings, Started(), out_dir=run, resume_from=run if resume else None)
print("finished", flush=True)
"""


def _child(run: Path, epochs: int) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(run), str(epochs)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_at_random_moments_then_resume_ends_with_the_uninterrupted_weights(tmp_path):
    from netbuilder.train.checkpoint import read_resume_state

    epochs, rng = 8, random.Random(1234)
    whole = _child(tmp_path / "whole", epochs)
    run, kills, complete = tmp_path / "run", 0, False
    while not complete:
        child = _child(run, epochs)
        assert child.stdout.readline().strip() == "started", child.stderr.read()
        if kills < 2:
            time.sleep(rng.uniform(0.0, 0.4))
            if child.poll() is None:
                child.kill()  # SIGKILL: no handler, no flush, no cleanup
                child.wait()
                kills += 1
                if (run / "checkpoint.json").exists():  # whatever the moment, the folder reads
                    # killed after its last commit (a fast machine): nothing is left to resume
                    complete = read_resume_state(run, epochs + 1)["epoch"] == epochs
                continue
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0 and "finished" in out, err
        break
    assert kills >= 1
    out, err = whole.communicate(timeout=300)
    assert whole.returncode == 0, err
    # the committed epoch: what a resume reads (the views may lag it after a kill)
    committed = rck.read_committed(run)
    history = committed["history"]
    assert [h["epoch"] for h in history] == list(range(1, epochs + 1))
    last = Path(committed["folder"]) / "model.safetensors"
    assert max_difference(read_tensors(last.read_bytes()),
                          read_tensors((tmp_path / "whole" / "last.safetensors").read_bytes())) <= 1e-6
    if not complete:  # finished normally: the views are published too
        history = json.loads((run / "state.json").read_text())["history"]
        assert [h["epoch"] for h in history] == list(range(1, epochs + 1))
        assert (run / "last.safetensors").read_bytes() == last.read_bytes()
