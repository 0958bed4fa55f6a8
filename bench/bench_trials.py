"""A search trial's overhead: its wall time outside its epochs, as a share of the trial.

Each trial of `netbuilder search` samples its values, builds the model from the project
(codegen + exec), trains, and is recorded in the study's SQLite file. The epochs are what the
user asked for; the rest (Optuna's sampler and storage, the model build, the once-per-process
data load, our reporter) is overhead, which should stay under 10% of a short trial (a few
seconds). Both figures come from the same trials in one process: epoch time is the trainer's
own `epoch_time`, trial time Optuna's start/complete stamps.
Run: python bench/bench_trials.py [--trials N] [--epochs E] [--n SAMPLES]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netbuilder.experiments.search import search
from netbuilder.spec import parse_project

SPACE = {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]}, "fc1.out_features": {"int": [32, 128]}}


def project(epochs: int, n: int):
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [2]}},
             {"id": "fc1", "type": "Linear", "params": {"out_features": 64}}, {"id": "r1", "type": "ReLU"},
             {"id": "fc2", "type": "Linear", "params": {"out_features": 64}}, {"id": "r2", "type": "ReLU"},
             {"id": "fc3", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}]
    ids = [n_["id"] for n_ in nodes]
    return parse_project({
        "format": "netbuilder-project", "version": 1, "name": "bench",
        "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]},
        "data": {"kind": "builtin", "name": "moons", "n": n, "noise": 0.2},
        "training": {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01},
                     "batch_size": 32, "epochs": epochs, "metrics": ["accuracy"]}})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n", type=int, default=4000)
    args = ap.parse_args()
    epoch_time: dict[int, float] = {}

    def on_event(event):
        if event[0] == "epoch":
            epoch_time[event[1]] = epoch_time.get(event[1], 0.0) + event[3]["epoch_time"]

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = search(project(args.epochs, args.n), tmp, SPACE, args.trials, pruner="none",
                        storage=f"sqlite:///{Path(tmp) / 'bench.db'}", study="bench", seed=0,
                        on_event=on_event)
        total = time.perf_counter() - started
    rows = [t for t in result.trials if t["state"] == "complete"]
    shares = []
    print(f"{'trial':>5} {'wall s':>8} {'epochs s':>9} {'overhead':>9}")
    for t in rows:
        wall, epochs = t["seconds"], epoch_time.get(t["trial"], 0.0)
        share = (wall - epochs) / wall
        shares.append(share)
        print(f"{t['trial']:>5} {wall:8.3f} {epochs:9.3f} {share:9.1%}")
    later = shares[1:] or shares  # the first trial also loads the data and warms up torch
    print(f"overhead share: first trial {shares[0]:.1%}, later trials median "
          f"{statistics.median(later):.1%} (max {max(later):.1%}); target < 10%")
    print(f"search of {len(rows)} trials: {total:.1f}s wall, {sum(t['seconds'] for t in rows):.1f}s in trials")


if __name__ == "__main__":
    main()
