"""The open project, its file, its undo stack and its latest analysis: what every view listens to."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from netbuilder.param_counts import project_params
from netbuilder.shapes import Analysis, analyze
from netbuilder.spec import Project, load_project, save_project

from .layout import ensure_positions


class Document(QObject):
    """Holds the current Project. Every edit is a QUndoCommand (ui.commands) pushed with `push`."""

    changed = Signal()                 # after every edit, undo, redo and load
    selection_changed = Signal(list)   # selected node ids
    loaded = Signal()                  # a different project was put in (new/open/restore)
    path_changed = Signal(str)
    # an undo (True) or redo (False) changed a field of a section off the canvas ("training",
    # "lr"): the view that shows it says so, as the change is not where the user looks
    replayed = Signal(str, str, bool)
    network_changed = Signal(str)      # another network of the project is shown (its name)

    def __init__(self, project: Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.project = project or Project()
        self.path: Path | None = None
        self.analysis: Analysis = Analysis()
        self.network_analyses: dict[str, Analysis] = {}  # by network, with several networks
        self.params: dict[str, int | None] = {}
        self.selection: list[str] = []
        self.revision = 0
        self._restored = False
        self._reanalyze()

    # --- state ---------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._restored or not self.undo_stack.isClean()

    @property
    def total_params(self) -> int:
        return sum(v for v in self.params.values() if v)

    @property
    def frozen_params(self) -> int:
        return sum(self.params.get(n.id) or 0 for n in self.project.nodes if n.frozen)

    def _reanalyze(self) -> None:
        if self.project.networks:  # every network's problems (the tabs count them)
            from netbuilder.networks import analyze_networks

            self.network_analyses = analyze_networks(self.project)
            self.analysis = self.network_analyses[self.project.active]
        else:
            self.network_analyses = {}
            self.analysis = analyze(self.project)
        self.params = project_params(self.project, self.analysis)
        self.revision += 1

    def edited(self) -> None:
        """Called by every command after it changed the project."""
        self._reanalyze()
        self.changed.emit()

    def push(self, command) -> None:
        self.undo_stack.push(command)

    def show_network(self, name: str | None) -> None:
        """Edit another network of the project: the canvas, inspector and code view follow."""
        if not self.project.networks or name is None or name == self.project.active:
            return
        self.project.activate(name)
        ensure_positions(self.project)
        self.selection = []
        self._reanalyze()
        self.network_changed.emit(name)
        self.changed.emit()
        self.selection_changed.emit([])

    # --- whole documents -----------------------------------------------------------------------
    def set_project(self, project: Project, path: str | Path | None = None, dirty: bool = False) -> None:
        ensure_positions(project)
        self.project = project
        self.path = Path(path) if path else None
        self.undo_stack.clear()
        self._restored = dirty  # e.g. restored from a recovery file: unsaved until saved
        self.selection = []
        self._reanalyze()
        self.loaded.emit()
        self.changed.emit()
        self.selection_changed.emit([])
        self.path_changed.emit(str(self.path or ""))

    def open(self, path: str | Path) -> None:
        """Load a file; raises ProjectError (with a readable message) and leaves this document untouched."""
        project = load_project(path)
        self.set_project(project, path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no path to save to")
        save_project(self.project, target)
        self.path = target
        self.undo_stack.setClean()
        self._restored = False
        self.path_changed.emit(str(target))
        return target

    @property
    def title(self) -> str:
        return self.path.name if self.path else f"{self.project.name} (unsaved)"

    # --- selection -----------------------------------------------------------------------------
    def set_selection(self, ids: list[str]) -> None:
        ids = [i for i in ids if self.project.has_node(i)]
        if ids != self.selection:
            self.selection = ids
            self.selection_changed.emit(list(ids))
