"""SetSection: replace the project's `training` or `data` section as one undoable edit.

Consecutive edits of the same field (typing in a spin box) merge into one undo step."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

MERGE_ID = 0x7E41


class SetSection(QUndoCommand):
    def __init__(self, doc, section: str, value: dict | None, field: str = ""):
        label = field.replace("_", " ") or section
        super().__init__(f"Set {section} {label}".strip())
        self.doc, self.section, self.field = doc, section, field
        self.old = copy.deepcopy(getattr(doc.project, section))
        self.new = copy.deepcopy(value)
        self._done = False  # the first redo is the edit itself, later ones are replays

    def id(self) -> int:
        return MERGE_ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetSection) or (other.section, other.field) != (
                self.section, self.field) or not self.field:
            return False
        self.new = other.new
        return True

    def redo(self):
        setattr(self.doc.project, self.section, copy.deepcopy(self.new))
        self.doc.edited()
        if self._done:
            self._replayed(undone=False)
        self._done = True

    def undo(self):
        setattr(self.doc.project, self.section, copy.deepcopy(self.old))
        self.doc.edited()
        self._replayed(undone=True)

    def _replayed(self, undone: bool) -> None:
        if hasattr(self.doc, "replayed"):
            self.doc.replayed.emit(self.section, self.field, undone)


def set_section(doc, section: str, value: dict | None, field: str = "") -> None:
    """Through the document's undo stack when it has one, else a plain update + changed."""
    if getattr(doc.project, section) == value:
        return
    if hasattr(doc, "push"):
        doc.push(SetSection(doc, section, value, field))
    else:
        setattr(doc.project, section, copy.deepcopy(value))
        if hasattr(doc, "changed"):
            doc.changed.emit()
