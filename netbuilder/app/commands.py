"""The edits of a document, as plain undo commands. Each changes the project only through its
mutators (`Project.add_node`, `move_node`, `set_param`, ...) and tells the document what it
changed, so that each view updates only what it shows."""

from __future__ import annotations

import copy

from netbuilder.freezing import set_frozen
from netbuilder.layout import ensure_positions
from netbuilder.spec import Edge, Node

from .document import Change, ProjectDocument
from .undo import Command

_MISSING = object()


def model_of(doc) -> ProjectDocument:
    """The model itself, or the one a GUI adapter (ui.document.Document) wraps."""
    return getattr(doc, "model", doc)


class Edit(Command):
    """An edit of the network it was made in: undo and redo show that network first."""

    def __init__(self, doc, text: str):
        self.doc = model_of(doc)
        self.text = text
        self.network = self.doc.project.active

    def redo(self):
        self.doc.show_network(self.network)
        self.doc.edited(self._redo())

    def undo(self):
        self.doc.show_network(self.network)
        self.doc.edited(self._undo())

    def _redo(self) -> Change:
        raise NotImplementedError

    def _undo(self) -> Change:
        raise NotImplementedError


class AddItems(Edit):
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
        return Change(nodes_added=tuple(n.id for n in self.nodes), edges_added=tuple(self.edges))

    def _undo(self):
        p = self.doc.project
        for e in reversed(self.edges):
            p.remove_edge(e)
        for n in reversed(self.nodes):
            p.remove_node(n.id)
        return Change(nodes_removed=tuple(n.id for n in self.nodes), edges_removed=tuple(self.edges))


class DeleteItems(Edit):
    """Delete edges and nodes (with their edges); undo puts everything back where it was."""

    def __init__(self, doc, node_ids: list[str], edges: list[Edge], text: str = "Delete"):
        super().__init__(doc, text)
        self.node_ids, self.edges = list(node_ids), list(edges)
        self._log: list[tuple] = []

    def _removed_edges(self) -> tuple:
        return tuple(e for entry in self._log for e in ([entry[2]] if entry[0] == "edge" else
                                                        [edge for _, edge in entry[3]]))

    def _redo(self):
        p = self.doc.project
        self._log = []
        for e in self.edges:
            if e in p.edges and e.source not in self.node_ids and e.target not in self.node_ids:
                self._log.append(("edge", p.remove_edge(e), e))
        for nid in self.node_ids:
            self._log.append(("node", *p.remove_node(nid)))
        return Change(nodes_removed=tuple(self.node_ids), edges_removed=self._removed_edges())

    def _undo(self):
        p = self.doc.project
        for entry in reversed(self._log):
            if entry[0] == "edge":
                p.add_edge(entry[2], entry[1])
            else:
                p.restore_node(*entry[1:])
        return Change(nodes_added=tuple(self.node_ids), edges_added=self._removed_edges())


class Connect(Edit):
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
        return Change(edges_added=(self.edge,), edges_removed=(self.replaced,) if self.replaced else ())

    def _undo(self):
        p = self.doc.project
        index = p.remove_edge(self.edge)
        if self.replaced is not None:
            p.add_edge(self.replaced, index)
        return Change(edges_removed=(self.edge,), edges_added=(self.replaced,) if self.replaced else ())


class MoveNodes(Edit):
    """One drag of one or more nodes: a single step."""

    def __init__(self, doc, moves: dict[str, tuple[tuple, tuple]]):
        super().__init__(doc, "Move" if len(moves) > 1 else f"Move {next(iter(moves))}")
        self.moves = moves

    def _apply(self, which: int) -> Change:
        for nid, pair in self.moves.items():
            self.doc.project.move_node(nid, pair[which])
        return Change(nodes_moved=tuple(self.moves))

    def _redo(self):
        return self._apply(1)

    def _undo(self):
        return self._apply(0)


class SetParam(Edit):
    """Change one param (validated by the caller through Param.coerce)."""

    def __init__(self, doc, node_id: str, name: str, value):
        super().__init__(doc, f"Set {node_id}.{name}")
        self.node_id, self.name, self.value = node_id, name, value
        self.old = self.doc.project.node(node_id).params.get(name, _MISSING)

    def _redo(self):
        self.doc.project.set_param(self.node_id, self.name, self.value)
        return Change(params_changed=(self.node_id,))

    def _undo(self):
        if self.old is _MISSING:
            self.doc.project.unset_param(self.node_id, self.name)
        else:
            self.doc.project.set_param(self.node_id, self.name, self.old)
        return Change(params_changed=(self.node_id,))


class SetFrozen(Edit):
    """Freeze or unfreeze several nodes in one step (the inspector's toggle, "Freeze Up to Here")."""

    def __init__(self, doc, changes: dict[str, bool], text: str | None = None):
        ids = list(changes)
        super().__init__(doc, text or (f"{'Freeze' if all(changes.values()) else 'Unfreeze'} "
                                       f"{ids[0] if len(ids) == 1 else f'{len(ids)} layers'}"))
        self.changes = dict(changes)
        self.old = {i: self.doc.project.node(i).frozen for i in ids}

    def _redo(self):
        set_frozen(self.doc.project, self.changes)
        return Change(params_changed=tuple(self.changes))

    def _undo(self):
        set_frozen(self.doc.project, self.old)
        return Change(params_changed=tuple(self.changes))


SECTION_MERGE_ID = 0x7E41


class SetSection(Command):
    """Replace the project's `training` or `data` section as one edit. Consecutive edits of the
    same field (typing in a spin box) merge into one undo step."""

    merge_id = SECTION_MERGE_ID

    def __init__(self, doc, section: str, value: dict | None, field: str = ""):
        label = field.replace("_", " ") or section
        self.text = f"Set {section} {label}".strip()
        self.doc, self.section, self.field = model_of(doc), section, field
        self.old = copy.deepcopy(getattr(self.doc.project, section))
        self.new = copy.deepcopy(value)
        self._done = False  # the first redo is the edit itself, later ones are replays

    def merge(self, other) -> bool:
        if not isinstance(other, SetSection) or (other.section, other.field) != (
                self.section, self.field) or not self.field:
            return False
        self.new = other.new
        return True

    def _put(self, value) -> None:
        setattr(self.doc.project, self.section, copy.deepcopy(value))
        self.doc.edited(Change(sections=(self.section,)))

    def redo(self):
        self._put(self.new)
        if self._done:
            self.doc.events.replayed.emit(self.section, self.field, False)
        self._done = True

    def undo(self):
        self._put(self.old)
        self.doc.events.replayed.emit(self.section, self.field, True)


def set_section(doc, section: str, value: dict | None, field: str = "") -> None:
    """Change a section as one undo step (nothing when it already holds `value`)."""
    if getattr(doc.project, section) != value:
        doc.push(SetSection(doc, section, value, field))


CONTENT = ("nodes", "edges", "data", "training")


class ReplaceContent(Command):
    """Put another version of the project (a run's, or with a trial's values) into the document
    as one edit; the file, its name and its path stay."""

    def __init__(self, doc, project, text: str):
        self.doc, self.text = model_of(doc), text
        ensure_positions(project)
        self.new = {k: copy.deepcopy(getattr(project, k)) for k in CONTENT}
        self.old = {k: copy.deepcopy(getattr(self.doc.project, k)) for k in CONTENT}

    def _put(self, parts: dict) -> None:
        doc = self.doc
        was = {n.id: n.type for n in doc.project.nodes}
        for key, value in parts.items():
            setattr(doc.project, key, copy.deepcopy(value))
        doc.edited(Change(sections=("graph", "data", "training")))
        if any(was.get(n.id, n.type) != n.type for n in doc.project.nodes):
            doc.events.loaded.emit()  # a node id now of another type: the canvas draws it anew
        doc.set_selection(list(doc.selection))  # drops nodes that are gone

    def redo(self):
        self._put(self.new)

    def undo(self):
        self._put(self.old)
