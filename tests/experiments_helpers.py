"""Tiny projects for the experiments tests: a two-moons MLP and a known CSV table."""

from __future__ import annotations

import json

import numpy as np

from netbuilder.spec import parse_project


def mlp_doc(epochs: int = 1, n: int = 80, width: int = 8, lr: float = 0.05) -> dict:
    return {
        "format": "netbuilder-project", "version": 1, "name": "tiny mlp",
        "graph": {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [2]}},
                            {"id": "fc1", "type": "Linear", "params": {"out_features": width}},
                            {"id": "r", "type": "ReLU"},
                            {"id": "fc2", "type": "Linear", "params": {"out_features": 2}},
                            {"id": "y", "type": "Output"}],
                  "edges": [{"source": a, "target": b} for a, b in
                            (("x", "fc1"), ("fc1", "r"), ("r", "fc2"), ("fc2", "y"))]},
        "data": {"kind": "builtin", "name": "moons", "n": n, "noise": 0.1},
        "training": {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": lr},
                     "batch_size": 32, "epochs": epochs, "metrics": ["accuracy"]},
    }


def write_project(tmp_path, doc: dict, name: str = "p.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def known_table(tmp_path, n: int = 150, seed: int = 3):
    """Two classes from a noisy linear rule over three features of very different scales."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) * np.array([1.0, 100.0, 0.01]) + np.array([0.0, 500.0, 1.0])
    z = (x[:, 0] + (x[:, 1] - 500) / 100 - (x[:, 2] - 1) / 0.01 + rng.normal(0, 0.7, n))
    label = (z > 0).astype(int)
    path = tmp_path / "table.csv"
    lines = ["a,b,c,label"] + [f"{a:.6f},{b:.6f},{c:.6f},{y}" for (a, b, c), y in zip(x, label)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, x, label


def linear_project(csv_name: str, epochs: int = 40):
    return parse_project({
        "format": "netbuilder-project", "version": 1, "name": "linear",
        "graph": {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [3]}},
                            {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
                            {"id": "y", "type": "Output"}],
                  "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "y"}]},
        "data": {"kind": "csv", "path": csv_name, "target": "label"},
        "training": {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.5},
                     "batch_size": 1000, "epochs": epochs, "metrics": ["accuracy"]},
    })


def square_with_events(i: int) -> int:
    """A task for parallel.run_tasks tests: light enough to spawn quickly (no torch)."""
    from netbuilder.experiments import parallel

    parallel.emit("done", i)
    return i * i
