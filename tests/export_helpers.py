"""Projects and helpers shared by the export tests: every template plus a few graphs that cover the
layer families (residual merges, recurrent, attention, tokens, autoencoder, concat)."""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
from pathlib import Path

from netbuilder.shapes import analyze
from netbuilder.spec import Edge, Node, Project, parse_project
from netbuilder.templates import load_template, template_names


def _project(name, nodes, edges, data=None, training=None):
    doc = {"format": "netbuilder-project", "version": 1, "name": name,
           "graph": {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
                     "edges": [dict(source=s, target=t, **({"target_port": k} if k is not None else {}))
                               for s, t, k in edges]}}
    if data:
        doc["data"] = data
    if training:
        doc["training"] = training
    return parse_project(doc)


def chain(ids):
    return [(a, b, None) for a, b in itertools.pairwise(ids)]


def extra_projects() -> dict[str, Project]:
    resnet = _project(
        "Tiny ResNet",
        [("x", "Input", {"shape": [1, 8, 8]}), ("stem", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
         ("bn0", "BatchNorm2d", {}), ("relu0", "ReLU", {}),
         ("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}), ("bn1", "BatchNorm2d", {}),
         ("relu1", "ReLU", {}), ("conv2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
         ("bn2", "BatchNorm2d", {}), ("add", "Add", {}), ("relu2", "ReLU", {}), ("pool", "AdaptiveAvgPool2d", {}),
         ("flatten", "Flatten", {}), ("fc", "Linear", {"out_features": 10}), ("y", "Output", {})],
        chain(["x", "stem", "bn0", "relu0", "conv1", "bn1", "relu1", "conv2", "bn2", "add", "relu2", "pool",
               "flatten", "fc", "y"]) + [("relu0", "add", None)],
        data={"kind": "builtin", "name": "digits", "n": 300},
        training={"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
                  "batch_size": 32, "epochs": 3, "schedule": {"type": "CosineAnnealingLR"},
                  "early_stopping": {"patience": 2}})
    lstm = _project(
        "Sine forecaster",
        [("x", "Input", {"shape": [32, 1]}), ("lstm", "LSTM", {"hidden_size": 16, "num_layers": 2}),
         ("fc", "Linear", {"out_features": 1}), ("y", "Output", {})],
        chain(["x", "lstm", "fc", "y"]),
        data={"kind": "builtin", "name": "sine", "n": 200},
        training={"loss": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 32, "epochs": 2,
                  "metrics": ["mse", "mae"]})
    transformer = _project(
        "Token classifier",
        [("tokens", "Input", {"shape": [16], "dtype": "int64"}),
         ("embed", "Embedding", {"num_embeddings": 20, "embedding_dim": 16}),
         ("encoder", "TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 32}),
         ("attn", "MultiheadAttention", {"num_heads": 2}), ("gru", "GRU", {"hidden_size": 8, "return_sequence": True}),
         ("mean", "Mean", {"dim": 1}), ("fc", "Linear", {"out_features": 2}), ("y", "Output", {})],
        chain(["tokens", "embed", "encoder", "attn", "gru", "mean", "fc", "y"]),
        data={"kind": "builtin", "name": "tokens", "n": 300},
        training={"loss": "CrossEntropyLoss", "optimizer": {"type": "AdamW", "lr": 0.001}, "batch_size": 32,
                  "epochs": 2})
    autoencoder = _project(
        "Conv autoencoder",
        [("x", "Input", {"shape": [1, 8, 8]}), ("enc", "Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2,
                                                                  "padding": 1}),
         ("act", "ReLU", {}), ("dec", "ConvTranspose2d", {"out_channels": 1, "kernel_size": 2, "stride": 2}),
         ("up", "Upsample", {"scale_factor": 1.0}), ("sig", "Sigmoid", {}), ("y", "Output", {})],
        chain(["x", "enc", "act", "dec", "up", "sig", "y"]),
        data={"kind": "builtin", "name": "digits", "target": "input", "n": 200},
        training={"loss": "MSELoss", "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 16, "epochs": 2})
    mlp = _project(
        "Moons MLP",
        [("x", "Input", {"shape": [2]}), ("fc1", "Linear", {"out_features": 16}), ("a1", "Tanh", {}),
         ("fc2", "Linear", {"out_features": 16}), ("a2", "GELU", {}), ("cat", "Concat", {"dim": 1}),
         ("drop", "Dropout", {"p": 0.1}), ("ln", "LayerNorm", {}), ("gate", "Multiply", {}),
         ("fc3", "Linear", {"out_features": 1}), ("y", "Output", {})],
        chain(["x", "fc1", "a1", "fc2", "a2"]) + [("a1", "cat", 0), ("a2", "cat", 1)]
        + chain(["cat", "drop", "ln", "gate"]) + [("cat", "gate", None)] + chain(["gate", "fc3", "y"]),
        data={"kind": "builtin", "name": "moons", "n": 200},
        training={"loss": "BCEWithLogitsLoss", "optimizer": {"type": "RMSprop", "lr": 0.01}, "batch_size": 16,
                  "epochs": 2, "l1": 1e-5, "l2": 1e-4, "grad_clip": 1.0,
                  "schedule": {"type": "ReduceLROnPlateau"}})
    return {"x_resnet": resnet, "x_lstm": lstm, "x_transformer": transformer, "x_autoencoder": autoencoder,
            "x_mlp": mlp}


def all_projects() -> dict[str, Project]:
    out = {name: load_template(name) for name in template_names()}
    out.update(extra_projects())
    return out


# --- random valid graphs --------------------------------------------------------------------------

_VECTOR_LAYERS = [
    ("Linear", lambda r: {"out_features": r.randint(1, 12), "bias": r.random() < 0.8}),
    ("ReLU", lambda r: {}), ("Tanh", lambda r: {}), ("SiLU", lambda r: {}), ("Sigmoid", lambda r: {}),
    ("LeakyReLU", lambda r: {"negative_slope": 0.2}), ("ELU", lambda r: {}), ("GELU", lambda r: {}),
    ("BatchNorm1d", lambda r: {}), ("LayerNorm", lambda r: {}), ("Dropout", lambda r: {"p": 0.3}),
    ("Softmax", lambda r: {"dim": -1}),
]
_IMAGE_LAYERS = [
    ("Conv2d", lambda r: {"out_channels": r.randint(1, 6), "kernel_size": r.choice([1, 3]), "padding": 1}),
    ("BatchNorm2d", lambda r: {}), ("ReLU", lambda r: {}), ("MaxPool2d", lambda r: {"kernel_size": 2}),
    ("AvgPool2d", lambda r: {"kernel_size": 2}),
]


def random_project(seed: int) -> Project:
    """A random valid graph: an image or vector trunk, with residual Adds and Concats."""
    r = random.Random(seed)
    image = r.random() < 0.4
    nodes = [Node("x", "Input", {"shape": (2, 8, 8) if image else (r.randint(1, 8),)})]
    edges: list[Edge] = []
    project = Project(name=f"Random {seed}", nodes=nodes, edges=edges)
    last = "x"
    for i in range(r.randint(2, 9)):
        if image and i >= 3:
            image = False
            nid = f"flatten{i}"
            project.add_node(Node(nid, "Flatten"))
            project.add_edge(Edge(last, nid))
            last = nid
            continue
        pool = _IMAGE_LAYERS if image else _VECTOR_LAYERS
        kind = r.random()
        if kind < 0.2 and i > 0:  # a residual merge of the last two nodes when shapes agree
            merge = r.choice(["Add", "Multiply", "Concat"])
            nid = f"{merge.lower()}{i}"
            prev = project.incoming(last)[0].source if project.incoming(last) else "x"
            project.add_node(Node(nid, merge, {"dim": 1} if merge == "Concat" else {}))
            project.add_edge(Edge(prev, nid, 0))
            project.add_edge(Edge(last, nid, 1))
            if analyze(_with_output(project, nid)).errors:
                project.remove_node(nid)
                continue
            last = nid
            continue
        type_name, make = r.choice(pool)
        nid = f"n{i}_{type_name.lower()}"
        project.add_node(Node(nid, type_name, make(r)))
        project.add_edge(Edge(last, nid))
        if analyze(_with_output(project, nid)).errors:
            project.remove_node(nid)
            continue
        last = nid
    return _with_output(project, last)


def _with_output(project: Project, last: str) -> Project:
    p = project.copy()
    p.add_node(Node("out", "Output"))
    p.add_edge(Edge(last, "out"))
    return p


def import_file(path: Path, name: str):
    """Import a generated module from its file, as a user's `import model` would."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(name, None)
    spec.loader.exec_module(module)
    return module


def predict_three_ways(project_path: Path, base_dir: Path, weights: Path, new: Path, monkeypatch):
    """New raw rows predicted by `netbuilder predict`, by the app (predict_file) and by the
    exported predict.py run as a script (in this process: a second interpreter would import torch
    again), from another folder with nothing on sys.path for it, as under `python -I`. The three
    CSVs must be the same; returns that CSV's text and the app's result (its notes)."""
    import runpy

    from netbuilder.cli import main
    from netbuilder.data.predict import predict_file
    from netbuilder.spec import load_project

    out = Path(base_dir)
    assert main(["predict", str(project_path), "--weights", str(weights), "--data", str(new),
                 "-o", str(out / "cli.csv")]) == 0
    app = predict_file(load_project(project_path), base_dir, weights, new)
    app.save_csv(out / "app.csv")
    assert main(["export", str(project_path), "-o", str(out / "exp"), "--weights", str(weights)]) == 0
    monkeypatch.chdir(out)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".")])
    monkeypatch.delitem(sys.modules, "model", raising=False)
    monkeypatch.setattr(sys, "argv", ["predict.py", str(new), "-o", str(out / "py.csv")])
    runpy.run_path(str(out / "exp" / "predict.py"), run_name="__main__")
    sys.modules.pop("model", None)
    cli = (out / "cli.csv").read_text()
    assert cli == (out / "app.csv").read_text() == (out / "py.csv").read_text()
    return cli, app
