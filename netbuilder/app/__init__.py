"""The application model: the open project and everything the app knows about it, without Qt.

`ProjectDocument` holds the project, its file, undo stack, latest analysis, selection, problems
and run state, and emits fine-grained events (`events.py`). The GUI's `ui/document.py` re-emits
them as Qt signals; views only listen and paint. Edits are `commands.py` objects pushed on the
document's `undo.UndoStack`, and they change the project only through its mutators."""

from .document import ProjectDocument

__all__ = ["ProjectDocument"]
