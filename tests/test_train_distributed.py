"""`netbuilder train --nproc-per-node 2` on CPU: the app's own run under torchrun (gloo), rank 0
writing the run folder; its metrics match a one-process run within noise (each process takes
half of every epoch, so the steps differ)."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert abs(two["val_loss"] - one["val_loss"]) < 0.15 and two["metrics"]["accuracy"] > 0.9
    run = tmp_path / "two"
    assert json.loads((run / "checkpoint.json").read_text())["epoch"] == 2
    assert [h["epoch"] for h in json.loads((run / "state.json").read_text())["history"]] == [1, 2]
