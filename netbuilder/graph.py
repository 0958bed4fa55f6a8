"""Structural checks of the graph: each problem tied to the node(s) at fault.

Every analysis walks the graph, so the walks it needs (a topological order, reachability) are
the few lines of `Graph` below; networkx (a third of a second to import, longer than the whole
analysis) is imported only to describe loops, in a graph that has one."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from functools import cached_property

from . import limits
from .errors import ProjectError
from .layers.base import VARIADIC
from .spec import Project


class Graph:
    """A project's nodes and edges as adjacency lists (nodes in file order)."""

    def __init__(self, nodes: Iterable[str], edges: Iterable[tuple[str, str]]):
        self.succ: dict[str, list[str]] = {n: [] for n in nodes}
        self.pred: dict[str, list[str]] = {n: [] for n in self.succ}
        for s, t in edges:
            for end in (s, t):  # an edge names its nodes, as networkx adds them
                self.succ.setdefault(end, [])
                self.pred.setdefault(end, [])
            self.succ[s].append(t)
            self.pred[t].append(s)

    @classmethod
    def of(cls, project: Project) -> Graph:
        return cls((n.id for n in project.nodes), ((e.source, e.target) for e in project.edges))

    def __contains__(self, node: str) -> bool:
        return node in self.succ

    @cached_property
    def order(self) -> list[str] | None:
        """A topological order: each node after all that feed it, ties in file order (so
        generated code reads stably); None when the graph has a loop."""
        rank = {n: i for i, n in enumerate(self.succ)}
        waiting = {n: len(p) for n, p in self.pred.items()}
        ready = [rank[n] for n, k in waiting.items() if k == 0]  # a heap of ranks
        nodes = list(self.succ)
        order = []
        while ready:
            n = nodes[heapq.heappop(ready)]
            order.append(n)
            for t in self.succ[n]:
                waiting[t] -= 1
                if not waiting[t]:
                    heapq.heappush(ready, rank[t])
        return order if len(order) == len(nodes) else None

    def reachable(self, starts: Iterable[str], upstream: bool = False) -> set[str]:
        """The nodes with a path from one of `starts` (to one, when `upstream`), `starts` included."""
        step = self.pred if upstream else self.succ
        seen = {n for n in starts if n in step}
        todo = list(seen)
        while todo:
            for m in step[todo.pop()]:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen


def to_networkx(project: Project):
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in project.nodes)
    g.add_edges_from((e.source, e.target) for e in project.edges)
    return g


def structure_errors(project: Project, g: Graph | None = None) -> list[ProjectError]:
    g = Graph.of(project) if g is None else g
    errors: list[ProjectError] = []
    types = {n.id: n.type for n in project.nodes}
    for name in ("Input", "Output"):
        if name not in types.values():
            errors.append(ProjectError(f"The graph has no {name} node: every model needs at least one."))
    cycles = [] if g.order is not None else _cycles(to_networkx(project))
    errors += cycles
    in_cycle = {n for err in cycles for n in err.nodes}
    ports = _port_errors(project)
    errors += ports
    if not cycles:
        errors += _reach_errors(project, g, types, in_cycle | {e.node for e in ports})
    return errors


def _cycles(g) -> list[ProjectError]:
    import networkx as nx

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
    fed = g.reachable(inputs)
    used = g.reachable(outputs, upstream=True)
    errors = []
    for node in project.nodes:
        if node.id in skip or not inputs or not outputs:
            continue
        if node.id not in fed:
            errors.append(ProjectError(f"{node.type} '{node.id}' is not reached from any Input.", node=node.id))
        elif node.id not in used and not any(s not in used for s in g.succ[node.id]) and \
                not any(s in skip for s in g.succ[node.id]):
            # only where the path ends: its upstream nodes are unused for the same reason
            errors.append(ProjectError(f"The output of {node.type} '{node.id}' is not used: it leads to no "
                                       "Output node.", node=node.id))
    return errors
