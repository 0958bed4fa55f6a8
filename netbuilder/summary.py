"""Per-node summary: output shape, parameter count and multiply-adds (counted on the meta device)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from .codegen import forward_inputs
from .compiler import build_model
from .errors import ProjectError
from .shapes import Analysis, analyze
from .spec import InvalidProject, Project


@dataclass
class NodeSummary:
    id: str
    type: str
    output_shape: list[int]
    params: int
    trainable_params: int
    macs: int
    network: str | None = None  # in a project with several networks


@dataclass
class Summary:
    nodes: list[NodeSummary]

    @property
    def total_params(self) -> int:
        return sum(n.params for n in self.nodes)

    @property
    def trainable_params(self) -> int:
        return sum(n.trainable_params for n in self.nodes)

    @property
    def total_macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    def to_dict(self) -> dict:
        return {"total_params": self.total_params, "trainable_params": self.trainable_params,
                "frozen_params": self.total_params - self.trainable_params,
                "total_macs": self.total_macs,
                "nodes": [{"id": n.id, "type": n.type, "output_shape": n.output_shape, "params": n.params,
                           "trainable_params": n.trainable_params, "macs": n.macs,
                           **({"network": n.network} if n.network else {})} for n in self.nodes]}


def example_inputs(project: Project, analysis: Analysis, batch: int = 1, device="meta") -> list[torch.Tensor]:
    """One tensor per Input node, in forward() order, of the shape and dtype it declares."""
    out = []
    for node_id in forward_inputs(project, analysis):
        t = analysis.tensors[node_id]
        dtype = torch.int64 if t.dtype == "int64" else torch.float32
        out.append(torch.zeros((batch, *t.shape), dtype=dtype, device=device))
    return out


def summarize(project: Project) -> Summary:
    """Every node's row; with several networks, each network's rows in turn (tagged with it)."""
    if project.networks:
        from .networks import analyze_networks

        errors = [e for a in analyze_networks(project).values() for e in a.errors]
        if errors:
            raise InvalidProject(errors)
        nodes = []
        for name, graph in project.graphs().items():
            for row in summarize(graph).nodes:
                row.network = name
                nodes.append(row)
        return Summary(nodes)
    analysis = analyze(project)
    if analysis.errors:
        raise InvalidProject(analysis.errors)
    model = build_model(project, analysis, device="meta").eval()  # BatchNorm1d on a batch of 1
    with FlopCounterMode(display=False) as counter:
        try:
            model(*example_inputs(project, analysis))
        except Exception as exc:  # a shape rule disagreeing with torch is our bug: say where
            raise ProjectError(f"The model could not run on a sample input: {exc}") from exc
    flops = counter.get_flop_counts()
    nodes = []
    for node_id in analysis.order:
        node = project.node(node_id)
        module = getattr(model, node_id, None)
        params = list(module.parameters()) if module is not None else []
        node_flops = sum(flops.get(f"Model.{node_id}", {}).values())
        nodes.append(NodeSummary(node_id, node.type, list(analysis.tensors[node_id].shape),
                                 sum(p.numel() for p in params),
                                 sum(p.numel() for p in params if p.requires_grad), node_flops // 2))
    return Summary(nodes)
