"""Shape inference without compute: every node's output tensor, and the args that follow from it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import limits
from .errors import ProjectError, ShapeError
from .graph import Graph, structure_errors
from .layers.base import Tensor
from .spec import Project


@dataclass
class Analysis:
    """What the checks found: errors tied to nodes, each node's output tensor, and inferred args."""

    errors: list[ProjectError] = field(default_factory=list)
    tensors: dict[str, Tensor] = field(default_factory=dict)
    inferred: dict[str, dict] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    # Input nodes that leave their shape to the data: the data's sample shape, None while unknown
    from_data: dict[str, tuple | None] = field(default_factory=dict)
    # (project, its nodes' parameter counts), made by param_counts.project_params when first
    # asked (the size check asks, and then everyone that shows counts): counted once per analysis
    param_counts: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not self.errors

    def errors_by_node(self) -> dict[str | None, list[str]]:
        out: dict[str | None, list[str]] = {}
        for e in self.errors:
            for n in e.nodes or (None,):
                out.setdefault(n, []).append(e.message)
        return out


DATA_NOT_LOADED = type("DataNotLoaded", (), {"__repr__": lambda self: "DATA_NOT_LOADED"})()


def leaves_shape_to_data(node) -> bool:
    """An Input without a shape takes the bound data's sample shape (CONTRACT.md)."""
    return node.type == "Input" and "shape" not in node.params


def analyze(project: Project, data_shape=None) -> Analysis:
    """Check the structure, then propagate shapes in topological order (stopping below any error).
    In a project with several networks: the active network's, with the problems across networks.

    `data_shape`: what an Input that leaves its shape to the data takes: the bound data's sample
    shape, or DATA_NOT_LOADED while it is unknown (then that Input is a problem and nothing below
    it is checked, rather than checked against a made-up shape). None: the layer's default, for
    callers that filled the data's shape in already (session.fit_to_data) or have no data.

    One analysis per edit and per run start is shared by everything that needs it (pass it on
    rather than analysing again): `analyze.calls` counts them, for the tests that check so."""
    analyze.calls += 1
    if project.networks:
        from .networks import analyze_networks

        return analyze_networks(project, data_shape)[project.active]
    g = Graph.of(project)
    result = Analysis(errors=structure_errors(project, g))
    if g.order is None:  # a loop: structure_errors said where
        return result
    by_id = {n.id: n for n in project.nodes}
    incoming = project.incoming_by_node()
    blocked = {n for err in result.errors for n in err.nodes}
    result.order = g.order
    for node_id in result.order:
        node = by_id[node_id]
        sources = [e.source for e in incoming[node_id]]
        if node_id in blocked or any(s not in result.tensors for s in sources):
            continue
        ins = [result.tensors[s] for s in sources]
        params = node.resolved()
        if data_shape is not None and leaves_shape_to_data(node):
            if data_shape is DATA_NOT_LOADED:
                result.from_data[node_id] = None
                result.errors.append(ProjectError(
                    f"Input '{node_id}' takes its shape from the data, which is not loaded: load "
                    "the data (Data tab) or set the shape.", node=node_id, field="shape"))
                continue
            params["shape"] = result.from_data[node_id] = tuple(int(s) for s in data_shape)
        try:
            tensor = node.layer.shape(ins, params)
            _check_size(tensor)
            result.tensors[node_id] = tensor
            result.inferred[node_id] = node.layer.inferred(ins, params) if ins else {}
        except ShapeError as exc:
            order = f" (inputs in order: {', '.join(repr(s) for s in sources)})" if len(sources) > 1 else ""
            result.errors.append(ProjectError(f"{node.type} '{node_id}': {exc}{order}", node=node_id))
    if result.valid:
        result.errors += _parameter_errors(project, result)
    return result


analyze.calls = 0


def _check_size(tensor: Tensor) -> None:
    count = math.prod(tensor.shape)
    if count > limits.ELEMENTS:
        raise ShapeError(f"its output {tensor} holds {count:,} values per sample; at most {limits.ELEMENTS:,} "
                         "are allowed. Use smaller sizes.")


def _parameter_errors(project: Project, analysis: Analysis) -> list[ProjectError]:
    """A model too large to build: counted per node on the meta device, before any memory is taken."""
    from .param_counts import project_params

    counts = {k: v for k, v in project_params(project, analysis).items() if v}
    total = sum(counts.values())
    if total <= limits.PARAMETERS:
        return []
    biggest = max(counts, key=counts.get)
    return [ProjectError(f"The model has {total:,} parameters; at most {limits.PARAMETERS:,} are allowed. "
                         f"The largest layer is '{biggest}' with {counts[biggest]:,}.", node=biggest)]
