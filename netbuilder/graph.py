"""Structural checks of the graph (networkx): each problem tied to the node(s) at fault."""

from __future__ import annotations

import networkx as nx

from . import limits
from .errors import ProjectError
from .layers.base import VARIADIC
from .spec import Project


def to_networkx(project: Project) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in project.nodes)
    g.add_edges_from((e.source, e.target) for e in project.edges)
    return g


def structure_errors(project: Project, g: nx.DiGraph | None = None) -> list[ProjectError]:
    g = to_networkx(project) if g is None else g
    errors: list[ProjectError] = []
    types = {n.id: n.type for n in project.nodes}
    for name in ("Input", "Output"):
        if name not in types.values():
            errors.append(ProjectError(f"The graph has no {name} node: every model needs at least one."))
    cycles = _cycles(g)
    errors += cycles
    in_cycle = {n for err in cycles for n in err.nodes}
    ports = _port_errors(project)
    errors += ports
    if not cycles:
        errors += _reach_errors(project, g, types, in_cycle | {e.node for e in ports})
    return errors


def _cycles(g: nx.DiGraph) -> list[ProjectError]:
    errors = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) == 1:
            (only,) = comp
            if not g.has_edge(only, only):
                continue
        loop = nx.find_cycle(g.subgraph(comp))
        path = " → ".join([a for a, _ in loop] + [loop[0][0]])
        errors.append(ProjectError(f"These nodes form a loop ({path}); data must flow one way, from Input to "
                                   "Output. Remove one of the edges.", node=loop[0][0], nodes=tuple(comp)))
    return errors


def _port_errors(project: Project) -> list[ProjectError]:
    errors = []
    incoming_of = project.incoming_by_node()
    outputs = {n.id for n in project.nodes if n.type == "Output"}
    for node in project.nodes:
        want = node.layer.inputs
        incoming = incoming_of[node.id]
        got = len(incoming)
        where = f"{node.type} '{node.id}'"
        if want == 0 and got:
            errors.append(ProjectError(f"{where} is a model input and cannot receive an edge.", node=node.id))
        elif want == VARIADIC and got > limits.FAN_IN:
            errors.append(ProjectError(f"{where} has {got:,} inputs; a merge takes at most {limits.FAN_IN}. "
                                       "Merge in stages.", node=node.id))
        elif want == VARIADIC and got < 2:
            errors.append(ProjectError(f"{where} merges two or more inputs but has {got}; connect more.",
                                       node=node.id))
        elif want > 0 and got != want:
            errors.append(ProjectError(f"{where} has no input: connect a layer into it." if got == 0 else
                                       f"{where} takes {want} input but has {got}; remove the extra edges.",
                                       node=node.id))
        ports = [e.target_port for e in incoming if e.target_port is not None]
        if len(ports) != len(set(ports)):
            errors.append(ProjectError(f"{where} has two edges into the same input port.", node=node.id))
    for source in sorted({e.source for e in project.edges} & outputs):
        errors.append(ProjectError(f"Output '{source}' is what the model returns and cannot feed another "
                                   "layer; connect the layer before it instead.", node=source))
    return errors


def _reach_errors(project, g, types, skip) -> list[ProjectError]:
    inputs = [n for n, t in types.items() if t == "Input"]
    outputs = [n for n, t in types.items() if t == "Output"]
    fed = set(inputs).union(*(nx.descendants(g, n) for n in inputs)) if inputs else set()
    used = set(outputs).union(*(nx.ancestors(g, n) for n in outputs)) if outputs else set()
    errors = []
    for node in project.nodes:
        if node.id in skip or not inputs or not outputs:
            continue
        if node.id not in fed:
            errors.append(ProjectError(f"{node.type} '{node.id}' is not reached from any Input.", node=node.id))
        elif node.id not in used and not any(s not in used for s in g.successors(node.id)) and \
                not any(s in skip for s in g.successors(node.id)):
            # only where the path ends: its upstream nodes are unused for the same reason
            errors.append(ProjectError(f"The output of {node.type} '{node.id}' is not used: it leads to no "
                                       "Output node.", node=node.id))
    return errors
