"""Undo commands: each edit of the document is one QUndoCommand that calls the core mutators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from netbuilder.freezing import set_frozen
from netbuilder.spec import Edge, Node

if TYPE_CHECKING:
    from .document import Document

_MISSING = object()


class _Command(QUndoCommand):
    """An edit of the network it was made in: undo and redo show that network first."""

    def __init__(self, doc: Document, text: str):
        super().__init__(text)
        self.doc = doc
        self.network = doc.project.active

    def redo(self):
        self.doc.show_network(self.network)
        self._redo()
        self.doc.edited()

    def undo(self):
        self.doc.show_network(self.network)
        self._undo()
        self.doc.edited()


class AddItems(_Command):
    """Add nodes and edges at once: one node from the palette, a paste, a duplicate."""

    def __init__(self, doc, nodes: list[Node], edges: list[Edge], text: str = "Add"):
        super().__init__(doc, text)
        self.nodes, self.edges = nodes, edges

    def _redo(self):
        p = self.doc.project
        for n in self.nodes:
            p.add_node(n)
        for e in self.edges:
            p.add_edge(e)

    def _undo(self):
        p = self.doc.project
        for e in reversed(self.edges):
            p.remove_edge(e)
        for n in reversed(self.nodes):
            p.remove_node(n.id)


class DeleteItems(_Command):
    """Delete edges and nodes (with their edges); undo puts everything back where it was."""

    def __init__(self, doc, node_ids: list[str], edges: list[Edge], text: str = "Delete"):
        super().__init__(doc, text)
        self.node_ids, self.edges = list(node_ids), list(edges)
        self._log: list[tuple] = []

    def _redo(self):
        p = self.doc.project
        self._log = []
        for e in self.edges:
            if e in p.edges and e.source not in self.node_ids and e.target not in self.node_ids:
                self._log.append(("edge", p.remove_edge(e), e))
        for nid in self.node_ids:
            self._log.append(("node", *p.remove_node(nid)))

    def _undo(self):
        p = self.doc.project
        for entry in reversed(self._log):
            if entry[0] == "edge":
                p.add_edge(entry[2], entry[1])
            else:
                p.restore_node(*entry[1:])


class Connect(_Command):
    """Add an edge; when it lands on an occupied port, it replaces the edge there."""

    def __init__(self, doc, edge: Edge, replaced: Edge | None = None):
        super().__init__(doc, f"Connect {edge.source} → {edge.target}")
        self.edge, self.replaced = edge, replaced
        self._index = None

    def _redo(self):
        p = self.doc.project
        if self.replaced is not None:
            self._index = p.remove_edge(self.replaced)
            p.add_edge(self.edge, self._index)
        else:
            p.add_edge(self.edge)

    def _undo(self):
        p = self.doc.project
        index = p.remove_edge(self.edge)
        if self.replaced is not None:
            p.add_edge(self.replaced, index)


class MoveNodes(_Command):
    """One drag of one or more nodes: a single step."""

    def __init__(self, doc, moves: dict[str, tuple[tuple, tuple]]):
        super().__init__(doc, "Move" if len(moves) > 1 else f"Move {next(iter(moves))}")
        self.moves = moves

    def _apply(self, which):
        p = self.doc.project
        for nid, pair in self.moves.items():
            p.node(nid).pos = pair[which]

    def _redo(self):
        self._apply(1)

    def _undo(self):
        self._apply(0)


class SetParam(_Command):
    """Change one param (validated by the caller through Param.coerce)."""

    def __init__(self, doc, node_id: str, name: str, value):
        super().__init__(doc, f"Set {node_id}.{name}")
        self.node_id, self.name, self.value = node_id, name, value
        self.old = doc.project.node(node_id).params.get(name, _MISSING)

    def _redo(self):
        self.doc.project.set_param(self.node_id, self.name, self.value)

    def _undo(self):
        params = self.doc.project.node(self.node_id).params
        if self.old is _MISSING:
            params.pop(self.name, None)
        else:
            params[self.name] = self.old


class SetFrozen(_Command):
    """Freeze or unfreeze several nodes in one step (the inspector's toggle, "Freeze Up to Here")."""

    def __init__(self, doc, changes: dict[str, bool], text: str | None = None):
        ids = list(changes)
        super().__init__(doc, text or (f"{'Freeze' if all(changes.values()) else 'Unfreeze'} "
                                       f"{ids[0] if len(ids) == 1 else f'{len(ids)} layers'}"))
        self.changes = dict(changes)
        self.old = {i: doc.project.node(i).frozen for i in ids}

    def _redo(self):
        set_frozen(self.doc.project, self.changes)

    def _undo(self):
        set_frozen(self.doc.project, self.old)
