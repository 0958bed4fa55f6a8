"""A search trial's overhead: its wall time outside its epochs, as a share of the trial.

Each trial of `netbuilder search` samples its values, builds the model from the project
(codegen + exec), trains, and is recorded in the study's SQLite file. The epochs are what the
user asked for; the rest (Optuna's sampler and storage, the model build, the once-per-process
data load, our reporter) is overhead, which should stay under 10% of a short trial (a few
seconds). Both figures come from the same trials in one process: epoch time is the trainer's
own `epoch_time`, trial time Optuna's start/complete stamps.

Two trial lengths are measured, each in its own study: a very short trial (3 epochs, about
half a second here) and a short one of a few seconds (12 epochs), the size the target is
about. The overhead is mostly a fixed cost per trial (Optuna's storage writes and reads:
each suggest, each epoch's report, the trial's start and end), so its share falls as
trials grow; the per-trial milliseconds are printed so other lengths can be judged too.
Run: python bench/bench_trials.py [--trials N] [--epochs E,E] [--n SAMPLES]
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
    ap.add_argument("--epochs", default="3,12", help="epochs per trial, one study per value")
    ap.add_argument("--n", type=int, default=4000)
    args = ap.parse_args()
    for epochs in (int(e) for e in args.epochs.split(",")):
        measure(epochs, args.trials, args.n)


def measure(epochs: int, trials: int, n: int) -> None:
    epoch_time: dict[int, float] = {}

    def on_event(event):
        if event[0] == "epoch":
            epoch_time[event[1]] = epoch_time.get(event[1], 0.0) + event[3]["epoch_time"]

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = search(project(epochs, n), tmp, SPACE, trials, pruner="none",
                        storage=f"sqlite:///{Path(tmp) / 'bench.db'}", study="bench", seed=0,
                        on_event=on_event)
        total = time.perf_counter() - started
    rows = [t for t in result.trials if t["state"] == "complete"]
    shares, extra = [], []
    print(f"\n{epochs} epochs of {n} samples per trial")
    print(f"{'trial':>5} {'wall s':>8} {'epochs s':>9} {'overhead':>9}")
    for t in rows:
        wall, epochs_s = t["seconds"], epoch_time.get(t["trial"], 0.0)
        shares.append((wall - epochs_s) / wall)
        extra.append(wall - epochs_s)
        print(f"{t['trial']:>5} {wall:8.3f} {epochs_s:9.3f} {shares[-1]:9.1%}")
    # the first trial of a process also imports torchmetrics and torch._dynamo and loads the
    # data: a once-per-search cost, shown apart
    later, later_s = (shares[1:], extra[1:]) if len(shares) > 1 else (shares, extra)
    walls = [t["seconds"] for t in rows[1:]] or [t["seconds"] for t in rows]
    print(f"overhead share: first trial {shares[0]:.1%}, later trials median "
          f"{statistics.median(later):.1%} (max {max(later):.1%}), "
          f"{statistics.median(later_s) * 1000:.0f} ms of a median {statistics.median(walls):.2f} s "
          "trial; target < 10% of a short trial (a few seconds)")
    print(f"search of {len(rows)} trials: {total:.1f}s wall, {sum(t['seconds'] for t in rows):.1f}s in trials")

if __name__ == "__main__":
    main()
