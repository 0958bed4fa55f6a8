"""Which nodes a freeze touches: "Freeze up to here" freezes the chosen nodes and all that feed them."""

from __future__ import annotations

from .graph import Graph
from .spec import Project


def upstream(project: Project, ids) -> list[str]:
    """The given nodes and every node with a path to one of them, in file order."""
    chosen = Graph.of(project).reachable(ids, upstream=True)
    return [n.id for n in project.nodes if n.id in chosen]


def freeze_up_to(project: Project, ids) -> dict[str, bool]:
    """The changes (node id -> True) that freeze the layers among `ids` and all before them (inputs and
    merges hold nothing to freeze, so they are left as they are)."""
    return {i: True for i in upstream(project, ids)
            if project.node(i).layer.has_module and not project.node(i).frozen}


def set_frozen(project: Project, changes: dict[str, bool]) -> None:
    for node_id, frozen in changes.items():
        project.node(node_id).frozen = bool(frozen)
