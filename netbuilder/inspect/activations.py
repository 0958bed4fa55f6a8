"""Each node's output for given inputs, read with forward hooks on the compiled model.

The compiled model names its layers after the node ids (trained code = exported code), so a
layer node's output is its module's output. Nodes that are expressions in forward() rather than
modules (Add, Mean, ...) are read where they go in: the input of the module they feed, or the
model's output."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from ..errors import ProjectError
from ..spec import Project
from .predict import first_output


class InspectError(ProjectError):
    """A request the model cannot answer (unknown node, data of the wrong shape...)."""


def _outputs_order(project: Project) -> list[str]:
    """Output nodes in the order forward() returns them (the graph's order, as codegen)."""
    return [n.id for n in project.nodes if n.type == "Output"]


def _tap(project: Project, modules: dict, node_id: str):
    """How to read `node_id`: ("module", name) | ("input_of", name) | ("output", index) |
    ("input", None)."""
    if not project.has_node(node_id):
        known = ", ".join(n.id for n in project.nodes)
        raise InspectError(f"There is no node '{node_id}' in the project (nodes: {known}).",
                           node=node_id)
    node = project.node(node_id)
    if node.type == "Input":
        return "input", None
    if node.type == "Output":
        incoming = project.incoming(node_id)
        if not incoming:
            raise InspectError(f"Output '{node_id}' has no incoming edge.", node=node_id)
        return _tap(project, modules, incoming[0].source)
    if node_id in modules:
        return "module", node_id
    incoming = project.incoming_by_node()
    for edge in (e for e in project.edges if e.source == node_id):
        target = project.node(edge.target)
        if target.type == "Output":
            return "output", _outputs_order(project).index(target.id)
        if edge.target in modules and len(incoming[edge.target]) == 1:
            return "input_of", edge.target
    raise InspectError(f"The output of '{node_id}' ({node.type}) cannot be read: it is neither "
                       "a layer nor the single input of one.", node=node_id)


@torch.no_grad()
def node_outputs(model: torch.nn.Module, project: Project, x: torch.Tensor,
                 node_ids: Iterable[str]) -> dict[str, torch.Tensor]:
    """{node id: its output for every sample of x, [N, ...], detached on the CPU}.
    One forward pass in eval mode; the model's mode is restored after."""
    node_ids = list(dict.fromkeys(node_ids))
    modules = dict(model.named_children())
    taps = {nid: _tap(project, modules, nid) for nid in node_ids}
    got: dict[tuple, torch.Tensor] = {}
    handles = []

    def keep_output(name):
        def hook(module, args, output):
            got["module", name] = first_output(output).detach().cpu()
        return hook

    def keep_input(name):
        def hook(module, args):
            got["input_of", name] = args[0].detach().cpu()
        return hook

    for kind, name in set(taps.values()):
        if kind == "module":
            handles.append(modules[name].register_forward_hook(keep_output(name)))
        elif kind == "input_of":
            handles.append(modules[name].register_forward_pre_hook(keep_input(name)))
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        out = model(x.to(device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    result = {}
    for nid, (kind, name) in taps.items():
        if kind == "input":
            result[nid] = x.detach().cpu()
        elif kind == "output":
            result[nid] = outs[name].detach().cpu()
        else:
            result[nid] = got[kind, name]
    return result
