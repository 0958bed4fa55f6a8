"""ReplaceContent: put another version of the project (a run's, or with a trial's values) into
the document as one undoable edit; the file, its name and its path stay."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from ..layout import ensure_positions

PARTS = ("nodes", "edges", "data", "training")


class ReplaceContent(QUndoCommand):
    def __init__(self, doc, project, text: str):
        super().__init__(text)
        self.doc = doc
        ensure_positions(project)
        self.new = {k: copy.deepcopy(getattr(project, k)) for k in PARTS}
        self.old = {k: copy.deepcopy(getattr(doc.project, k)) for k in PARTS}

    def _put(self, parts: dict) -> None:
        was = {n.id: n.type for n in self.doc.project.nodes}
        for key, value in parts.items():
            setattr(self.doc.project, key, copy.deepcopy(value))
        self.doc.edited()
        if any(was.get(n.id, n.type) != n.type for n in self.doc.project.nodes):
            self.doc.loaded.emit()  # a node id now of another type: the canvas draws it anew
        self.doc.set_selection(list(self.doc.selection))  # drops nodes that are gone

    def redo(self):
        self._put(self.new)

    def undo(self):
        self._put(self.old)
