"""The Qt face of the application model (netbuilder.app): its events as Qt signals, its undo stack
as a QUndoStack look-alike with Undo/Redo actions. The state itself lives in the model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from netbuilder.app import ProjectDocument
from netbuilder.app.undo import UndoStack as _ModelUndoStack
from netbuilder.spec import Project


class UndoStack(QObject):
    """The model's undo stack with QUndoStack's names and signals (for actions and tests)."""

    cleanChanged = Signal(bool)
    indexChanged = Signal(int)

    def __init__(self, stack: _ModelUndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = stack
        stack.events.clean_changed.connect(self.cleanChanged.emit)
        stack.events.index_changed.connect(self.indexChanged.emit)

    def push(self, command) -> None:
        self.stack.push(command)

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def count(self) -> int:
        return self.stack.count()

    def index(self) -> int:
        return self.stack.index

    def canUndo(self) -> bool:
        return self.stack.can_undo()

    def canRedo(self) -> bool:
        return self.stack.can_redo()

    def undoText(self) -> str:
        return self.stack.undo_text()

    def redoText(self) -> str:
        return self.stack.redo_text()

    def isClean(self) -> bool:
        return self.stack.is_clean()

    def setClean(self) -> None:
        self.stack.set_clean()

    def clear(self) -> None:
        self.stack.clear()

    def beginMacro(self, text: str) -> None:
        self.stack.begin_macro(text)

    def endMacro(self) -> None:
        self.stack.end_macro()

    def createUndoAction(self, parent: QObject, prefix: str = "") -> QAction:
        return self._action(parent, prefix or "Undo", self.undo, self.canUndo, self.undoText)

    def createRedoAction(self, parent: QObject, prefix: str = "") -> QAction:
        return self._action(parent, prefix or "Redo", self.redo, self.canRedo, self.redoText)

    def _action(self, parent, prefix: str, slot, enabled, text) -> QAction:
        """As QUndoStack's: "Undo Move x", enabled while there is something to undo."""
        action = QAction(prefix, parent)

        def update(*_):
            action.setEnabled(enabled())
            action.setText(f"{prefix} {text()}".strip())

        action.triggered.connect(slot)
        self.indexChanged.connect(update)
        update()
        return action


class Document(QObject):
    """Holds the model of the open project (`model`) and re-emits its events as Qt signals.

    Views listen to the fine-grained signals and update only what an edit touched; `changed`
    still follows every edit for the listeners that redo everything."""

    changed = Signal()                 # after every edit, undo, redo and load
    analyzed = Signal()                # a new analysis: shapes, errors and parameter counts
    nodes_added = Signal(list)         # node ids
    nodes_removed = Signal(list)
    nodes_moved = Signal(list)         # positions only: nothing else changed
    params_changed = Signal(list)      # node ids whose params or frozen flag changed
    edges_added = Signal(list)         # Edge objects
    edges_removed = Signal(list)
    section_changed = Signal(str)      # "training" or "data"
    selection_changed = Signal(list)   # selected node ids
    # the problems of one source changed (netbuilder.app.problems): "graph" right after an
    # `analyzed` (views that follow `analyzed` already show them), or e.g. "data"
    problems_changed = Signal(str)
    run_changed = Signal()             # netbuilder.app.run: a run started or finished
    loaded = Signal()                  # a different project was put in (new/open/restore)
    path_changed = Signal(str)
    dirty_changed = Signal(bool)
    # an undo (True) or redo (False) changed a field of a section off the canvas ("training",
    # "lr"): the view that shows it says so, as the change is not where the user looks
    replayed = Signal(str, str, bool)
    network_changed = Signal(str)      # another network of the project is shown (its name)

    def __init__(self, project: Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.model = ProjectDocument(project)
        for event in self.model.events:
            event.connect(getattr(self, event.name).emit)
        self.model.problems.events.changed.connect(self.problems_changed.emit)
        self.model.run.events.changed.connect(self.run_changed.emit)
        self.undo_stack = UndoStack(self.model.undo, self)

    # --- the model's state -------------------------------------------------------------------
    project = property(lambda self: self.model.project)
    path = property(lambda self: self.model.path, lambda self, value: setattr(self.model, "path", value))
    analysis = property(lambda self: self.model.analysis)
    network_analyses = property(lambda self: self.model.network_analyses)
    params = property(lambda self: self.model.params)
    selection = property(lambda self: self.model.selection)
    revision = property(lambda self: self.model.revision)
    problems = property(lambda self: self.model.problems)
    run = property(lambda self: self.model.run)
    dirty = property(lambda self: self.model.dirty)
    # restored from a recovery file and not saved since (the tests' teardown resets it)
    _restored = property(lambda self: self.model._restored,
                         lambda self, value: setattr(self.model, "_restored", value))
    total_params = property(lambda self: self.model.total_params)
    frozen_params = property(lambda self: self.model.frozen_params)
    title = property(lambda self: self.model.title)
    data_shape = property(lambda self: self.model.data_shape)

    # --- the model's calls -------------------------------------------------------------------
    def push(self, command) -> None:
        self.model.push(command)

    def edited(self, change=None) -> None:
        self.model.edited(change)

    def show_network(self, name: str | None) -> None:
        self.model.show_network(name)

    def set_project(self, project: Project, path: str | Path | None = None, dirty: bool = False) -> None:
        self.model.set_project(project, path, dirty)

    def open(self, path: str | Path) -> None:
        """Load a file; raises ProjectError (with a readable message) and leaves this document untouched."""
        self.model.open(path)

    def save(self, path: str | Path | None = None) -> Path:
        return self.model.save(path)

    def set_selection(self, ids: list[str]) -> None:
        self.model.set_selection(ids)

    def set_data_shape(self, shape) -> None:
        self.model.set_data_shape(shape)
