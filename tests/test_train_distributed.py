"""`netbuilder train --nproc-per-node 2` on CPU: the app's own run under torchrun (gloo), rank 0
writing the run folder. batch_size is the global batch, split equally across the processes, so
the run takes the same steps as a one-process run and (no dropout, no BatchNorm) follows it."""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from netbuilder.runtime.loop import Loop, batch_plan
from netbuilder.templates import template_path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = template_path("perceptron")


def _train(tmp_path, name, *extra):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "netbuilder.cli", "train", str(PROJECT), "--epochs", "2",
                           "--out", str(tmp_path / name), "--json", *extra], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout  # rank 0 alone prints the result
    return json.loads(lines[0]), proc.stderr


def test_nproc_per_node_2_trains_a_template_like_one_process(tmp_path):
    two, progress = _train(tmp_path, "two", "--nproc-per-node", "2")
    assert "training on 2 x cpu" in progress and progress.count("epoch 1:") == 1
    one, _ = _train(tmp_path, "one")
    assert two["status"] == "done" and two["epochs"] == 2
    state = {name: json.loads((tmp_path / name / "state.json").read_text()) for name in ("one", "two")}
    assert state["two"]["run"]["processes"] == 2
    assert state["two"]["run"]["steps_per_epoch"] == state["one"]["run"]["steps_per_epoch"]
    assert [h["step"] for h in state["two"]["history"]] == [h["step"] for h in state["one"]["history"]]
    for a, b in zip(state["two"]["history"], state["one"]["history"], strict=True):  # float noise only
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-4, abs=1e-6)
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-4, abs=1e-6)
    assert two["val_loss"] == pytest.approx(one["val_loss"], rel=1e-4, abs=1e-6)
    assert two["metrics"]["accuracy"] == pytest.approx(one["metrics"]["accuracy"], abs=1e-6)
    run = tmp_path / "two"
    assert json.loads((run / "checkpoint.json").read_text())["epoch"] == 2
    assert [h["epoch"] for h in state["two"]["history"]] == [1, 2]


def _rank_batches(n, batch_size, world, rank):
    """Loop.batches for one rank, without a process group (it reads only these fields)."""
    fields = types.SimpleNamespace(config={"batch_size": batch_size, "shuffle": True},
                                   gen=torch.Generator().manual_seed(3), device=torch.device("cpu"),
                                   world=world, rank=rank)
    return Loop.batches(fields, n)


@pytest.mark.parametrize("n, batch_size, world", [
    (800, 32, 2), (801, 32, 2), (803, 32, 3), (97, 10, 4), (5, 32, 4), (1, 8, 2), (10, 3, 2)])
def test_every_rank_takes_an_equal_share_of_each_global_batch(n, batch_size, world):
    size, padded, steps = batch_plan(n, batch_size, world)
    assert size % world == 0 and size <= max(batch_size, world) and padded % world == 0
    ranks = [_rank_batches(n, batch_size, world, r) for r in range(world)]
    assert [len(r) for r in ranks] == [steps] * world  # the same steps everywhere: no DDP hang
    drawn = torch.randperm(n, generator=torch.Generator().manual_seed(3))  # what every rank drew
    order = drawn[torch.arange(padded) % n]  # padded with its first samples
    taken = []
    for step in zip(*ranks, strict=True):
        assert len({len(share) for share in step}) == 1  # equal shares: DDP's mean is the batch's
        taken.extend(torch.stack(step, 1).flatten().tolist())  # rank r holds chunk[r::world]
    assert taken == order[:len(taken)].tolist()  # the global batches, in order
    assert len(taken) in (padded, padded - world)  # only a last batch of one per rank is left out


@pytest.mark.parametrize("n, batch_size, steps", [(33, 32, 1), (34, 32, 2), (64, 32, 2), (5, 32, 1), (1, 1, 1)])
def test_one_process_plan_is_todays(n, batch_size, steps):
    """One process: batches of batch_size, a last batch of one sample skipped."""
    assert batch_plan(n, batch_size) == (min(batch_size, n), n, steps)
    assert len(_rank_batches(n, batch_size, 1, 0)) == steps
