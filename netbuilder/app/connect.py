"""Which connections the editor allows, and what an edge dropped on a port replaces."""

from __future__ import annotations

from netbuilder.graph import Graph
from netbuilder.layers.base import VARIADIC
from netbuilder.spec import Edge, Project


def plan_connection(project: Project, source: str, target: str, port: int,
                    ignore: Edge | None = None) -> tuple[Edge | None, Edge | None, str]:
    """(new edge, edge it replaces, reason it is refused). `ignore`: an edge being moved away."""
    if source == target:
        return None, None, "A layer cannot feed itself."
    src, dst = project.node(source), project.node(target)
    if src.type == "Output":
        return None, None, "Output nodes have no output port."
    if dst.layer.inputs == 0:
        return None, None, f"{dst.type} '{target}' is a model input and takes no edges."
    if source in Graph.of(project).reachable([target]):
        return None, None, f"Connecting {source} → {target} would make a loop."
    incoming = [e for e in project.incoming(target) if e is not ignore]
    if dst.layer.inputs == VARIADIC:
        if port < len(incoming):
            old = incoming[port]
            if old.source == source:
                return None, None, "Already connected."
            return Edge(source, target, old.target_port), old, ""
        numbered = any(e.target_port is not None for e in incoming)
        next_port = (max((e.target_port or 0) for e in incoming) + 1) if numbered else None
        return Edge(source, target, next_port), None, ""
    if incoming:
        old = incoming[0]
        if old.source == source:
            return None, None, "Already connected."
        return Edge(source, target, old.target_port), old, ""
    return Edge(source, target), None, ""
