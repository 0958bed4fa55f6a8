"""What both importers (torch.fx and ONNX) build: nodes with readable unique ids, edges, the
weights keyed like the project, and a final check that the project computes what the source did."""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field

import torch

from ..errors import ProjectError
from ..layers.registry import LAYERS
from ..layout import ensure_positions
from ..spec import RESERVED_IDS, Edge, Node, Project
from ..weights import path_to_id

# Layers people reach for that NetBuilder has not, and the layer that comes closest.
NEAREST = {"Dropout1d": "Dropout", "Dropout2d": "Dropout", "Dropout3d": "Dropout", "AlphaDropout": "Dropout",
           "Conv3d": "Conv2d", "ConvTranspose1d": "ConvTranspose2d", "MaxPool3d": "MaxPool2d",
           "AvgPool1d": "AvgPool2d", "AdaptiveMaxPool2d": "AdaptiveAvgPool2d", "AdaptiveAvgPool1d": "Mean",
           "BatchNorm3d": "BatchNorm2d", "GroupNorm": "BatchNorm2d", "InstanceNorm2d": "BatchNorm2d",
           "PReLU": "LeakyReLU", "ReLU6": "ReLU", "Hardswish": "SiLU", "Mish": "SiLU", "Softplus": "ReLU",
           "Hardtanh": "Tanh", "LogSigmoid": "Sigmoid", "Bilinear": "Linear", "LazyLinear": "Linear",
           "EmbeddingBag": "Embedding", "LSTMCell": "LSTM", "GRUCell": "GRU", "Transformer": "TransformerEncoderLayer",
           "TransformerEncoder": "TransformerEncoderLayer"}


class ImportRefused(ProjectError):
    """Something in the source NetBuilder cannot represent; the message names where and what."""


def nearest_layer(name: str) -> str:
    if name in NEAREST:
        return NEAREST[name]
    close = difflib.get_close_matches(name, [n for n in LAYERS if n not in ("Input", "Output")], n=1, cutoff=0.0)
    return close[0] if close else "Linear"


def refuse_unsupported(where: str, kind: str) -> ImportRefused:
    return ImportRefused(f"{where} is a {kind}, which NetBuilder has no layer for; the nearest supported layer "
                         f"is {nearest_layer(kind)}. Replace it in the source (or in the graph after importing "
                         "the rest) and import again.")


def readable_id(name: str) -> str:
    """A valid, readable node id from a module path or a graph's own name."""
    ident = path_to_id(name).strip("_") or "node"
    ident = re.sub(r"_+", "_", ident)
    if ident[0].isdigit():
        ident = f"m_{ident}"
    if keyword.iskeyword(ident) or ident in RESERVED_IDS:
        ident = f"{ident}_layer"
    return ident


@dataclass
class GraphBuilder:
    name: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    weights: dict[str, torch.Tensor] = field(default_factory=dict)

    def add(self, wanted_id: str, type_name: str, params: dict | None = None, inputs: list[str] = (),
            weights: dict[str, torch.Tensor] | None = None, frozen: bool = False) -> str:
        """Add a node after its inputs; params at the layer's default are left out of the file, except
        those torch has no default for or that the code always writes (out_channels, kernel_size ...)."""
        node_id = self._unique(readable_id(wanted_id))
        layer = LAYERS[type_name]
        keep = {*layer.positional, *layer.always, *layer.summary_keys} - {"return_sequence"}
        clean = {}
        for key, value in (params or {}).items():
            p = layer.param(key)
            try:
                value = p.coerce(value)
            except ValueError as exc:
                raise ImportRefused(f"{type_name} '{wanted_id}': {key} {exc}.", node=node_id, field=key) from None
            if value != p.default or (key in keep and value is not None):
                clean[key] = value
        self.nodes.append(Node(node_id, type_name, clean, frozen=frozen))
        for port, src in enumerate(inputs):
            self.edges.append(Edge(src, node_id, port if len(inputs) > 1 else None))
        for key, tensor in (weights or {}).items():
            self.weights[f"{node_id}.{key}"] = tensor.detach().to("cpu", copy=True).contiguous()
        return node_id

    def _unique(self, ident: str) -> str:
        taken = {n.id for n in self.nodes}
        if ident not in taken:
            return ident
        i = 2
        while f"{ident}_{i}" in taken:
            i += 1
        return f"{ident}_{i}"

    def project(self, description: str, weights_file: str | None = None) -> Project:
        project = Project(name=self.name, nodes=self.nodes, edges=self.edges, description=description,
                          training={"init_weights": weights_file} if weights_file else None)
        ensure_positions(project)
        return project


def check_project(project: Project, weights: dict[str, torch.Tensor]) -> None:
    """The imported graph must be valid and its module must hold exactly the imported tensors."""
    from ..compiler import build_model
    from ..shapes import analyze

    analysis = analyze(project)
    if analysis.errors:
        first = analysis.errors[0]
        raise ImportRefused(f"The imported graph is not valid: {first.message}", node=first.node)
    model = build_model(project, analysis, device="meta")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in weights.items()}
    if expected != got:
        diff = sorted(set(expected.items()) ^ set(got.items()))[:3]
        raise ImportRefused(f"The imported weights do not fit the graph (this is a NetBuilder bug; please report "
                            f"it with the source): {diff}")
