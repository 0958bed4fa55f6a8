"""Core engine speed: shape inference, validation, compile. Prints figures against the issue's budgets."""

from __future__ import annotations

import time
from itertools import pairwise

from netbuilder.compiler import build_model
from netbuilder.shapes import analyze
from netbuilder.spec import parse_project
from netbuilder.templates import load_template


def residual_cnn_doc(blocks: int) -> dict:
    """A deep residual CNN: per block conv, BatchNorm, ReLU, conv, BatchNorm, Add, ReLU (7 nodes)."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [3, 32, 32]}},
             {"id": "stem", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": 1}}]
    edges = [("x", "stem")]
    prev = "stem"
    conv = {"out_channels": 16, "kernel_size": 3, "padding": 1}
    for b in range(blocks):
        ids = [f"b{b}_{s}" for s in ("conv1", "bn1", "relu1", "conv2", "bn2", "add", "relu2")]
        types = ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "Add", "ReLU"]
        for i, t in zip(ids, types):
            nodes.append({"id": i, "type": t, **({"params": conv} if t == "Conv2d" else {})})
        edges += [(prev, ids[0])] + list(pairwise(ids[:6])) + [(prev, ids[5]), (ids[5], ids[6])]
        prev = ids[6]
    nodes += [{"id": "gap", "type": "AdaptiveAvgPool2d"}, {"id": "flat", "type": "Flatten"},
              {"id": "fc", "type": "Linear", "params": {"out_features": 10}}, {"id": "y", "type": "Output"}]
    edges += [(prev, "gap"), ("gap", "flat"), ("flat", "fc"), ("fc", "y")]
    return {"format": "netbuilder-project", "version": 1, "name": f"resnet{blocks}",
            "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in edges]}}


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    p500 = parse_project(residual_cnn_doc(71))  # 2 + 7*71 + 4 = 503 nodes
    p5000 = parse_project(residual_cnn_doc(714))  # 5,004 nodes
    lenet = load_template("lenet5")
    assert analyze(p500).valid and analyze(p5000).valid
    rows = [
        (f"shape inference, {len(p500.nodes)} nodes", best_of(lambda: analyze(p500), 20), 50),
        (f"parse + validate + shapes, {len(p5000.nodes)} nodes",
         best_of(lambda: analyze(parse_project(residual_cnn_doc(714))), 3), 1000),
        ("compile LeNet-5 to a module", best_of(lambda: build_model(lenet), 20), 50),
    ]
    for name, ms, budget in rows:
        print(f"{name:<42} {ms:8.1f} ms   budget {budget} ms   ({ms / budget:.2f} of budget)")


if __name__ == "__main__":
    main()
