"""ProjectDocument: the open project, its file, undo stack, analysis, selection, problems and run."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from netbuilder.layout import ensure_positions
from netbuilder.param_counts import project_params
from netbuilder.shapes import DATA_NOT_LOADED, Analysis, analyze
from netbuilder.spec import Project, load_project, save_project

from .events import Events
from .problems import GRAPH, Problems
from .run import RunState
from .undo import UndoStack


@dataclass(frozen=True)
class Change:
    """What one edit changed, so that each view redoes only what it shows. Empty: unknown (all)."""

    nodes_added: tuple = ()
    nodes_removed: tuple = ()
    nodes_moved: tuple = ()
    params_changed: tuple = ()  # node ids whose params or frozen flag changed
    edges_added: tuple = ()
    edges_removed: tuple = ()
    sections: tuple = ()  # "training", "data"; "graph": all nodes and edges replaced at once

    @property
    def moves_only(self) -> bool:
        """Positions alone: nothing the analysis reads (shapes, codegen and checks ignore them)."""
        return bool(self.nodes_moved) and not any(getattr(self, f.name) for f in fields(self)
                                                  if f.name != "nodes_moved")


# Events, in the order an edit emits them. Each fine-grained one carries a list (ids, edges);
# `analyzed` follows every new analysis, `changed` every edit, undo, redo, load and network switch.
EVENTS = ("loaded", "network_changed", "nodes_removed", "edges_removed", "nodes_added", "edges_added",
          "nodes_moved", "params_changed", "section_changed", "analyzed", "changed", "selection_changed",
          "path_changed", "dirty_changed", "replayed")
_BY_CHANGE = ("nodes_removed", "edges_removed", "nodes_added", "edges_added", "nodes_moved", "params_changed")


class ProjectDocument:
    """Edits are `netbuilder.app.commands` pushed with `push`; they change `project` through its
    mutators and tell `edited` what they changed. Views listen to `events` (and to
    `problems.events.changed`, `run.events.changed`, `undo.events`)."""

    def __init__(self, project: Project | None = None):
        self.events = Events(*EVENTS)
        # replayed(section, field, undone): an undo or redo changed a field off the canvas
        self.undo = UndoStack()
        self.problems = Problems()
        self.run = RunState()
        self.project = project or Project()
        self.path: Path | None = None
        self.analysis: Analysis = Analysis()
        self.network_analyses: dict[str, Analysis] = {}  # by network, with several networks
        self.params: dict[str, int | None] = {}
        self.selection: list[str] = []
        self.revision = 0  # bumped by every edit: a view can tell whether it is up to date
        # the bound data's sample shape as last loaded (the Data tab says), for the Inputs that
        # leave theirs to the data; None: not loaded (yet, or it failed)
        self.data_shape: tuple[int, ...] | None = None
        self._restored = False
        self._was_dirty = False
        self.undo.events.clean_changed.connect(lambda clean: self._dirty_maybe_changed())
        self._reanalyze()

    # --- state -------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._restored or not self.undo.is_clean()

    @property
    def total_params(self) -> int:
        return sum(v for v in self.params.values() if v)

    @property
    def frozen_params(self) -> int:
        return sum(self.params.get(n.id) or 0 for n in self.project.nodes if n.frozen)

    @property
    def title(self) -> str:
        return self.path.name if self.path else f"{self.project.name} (unsaved)"

    def _reanalyze(self) -> bool:
        """A new analysis; True when the graph's problems changed (the caller says so after
        `analyzed`)."""
        data_shape = self._analysis_data_shape()
        if self.project.networks:  # every network's problems (the tabs count them)
            from netbuilder.networks import analyze_networks

            self.network_analyses = analyze_networks(self.project, data_shape)
            self.analysis = self.network_analyses[self.project.active]
        else:
            self.network_analyses = {}
            self.analysis = analyze(self.project, data_shape)
        self.params = project_params(self.project, self.analysis)
        self.revision += 1
        return self.problems.set(GRAPH, self.analysis.errors, notify=False)

    def _analysis_data_shape(self):
        """No data bound: an Input without a shape has the layer's default; bound: the data's
        shape once loaded. After a data edit the last shape stays until the new load says."""
        if not self.project.data:
            return None
        return self.data_shape if self.data_shape is not None else DATA_NOT_LOADED

    def set_data_shape(self, shape) -> None:
        """The bound data's sample shape as loaded (None: it did not load): the Inputs that
        leave their shape to the data take it, and the analysis follows."""
        shape = tuple(int(s) for s in shape) if shape is not None else None
        if shape == self.data_shape:
            return
        self.data_shape = shape
        if not self._leaves_shape_to_data():
            return  # every Input has its own shape: nothing the analysis reads changed
        self._analyzed(self._reanalyze())

    def _leaves_shape_to_data(self) -> bool:
        from netbuilder.shapes import leaves_shape_to_data

        graphs = self.project.graphs().values() if self.project.networks else (self.project,)
        return any(leaves_shape_to_data(n) for g in graphs for n in g.nodes)

    def _analyzed(self, problems_changed: bool) -> None:
        self.events.analyzed.emit()
        if problems_changed:
            self.problems.events.changed.emit(GRAPH)

    def _dirty_maybe_changed(self) -> None:
        if self.dirty != self._was_dirty:
            self._was_dirty = self.dirty
            self.events.dirty_changed.emit(self.dirty)

    # --- edits -------------------------------------------------------------------------------
    def push(self, command) -> None:
        self.undo.push(command)

    def edited(self, change: Change | None = None) -> None:
        """Called by every command after it changed the project."""
        change = change or Change()
        moved_only = change.moves_only
        if moved_only:
            self.revision += 1
        else:
            problems_changed = self._reanalyze()
        for name in _BY_CHANGE:
            ids = getattr(change, name)
            if ids:
                getattr(self.events, name).emit(list(ids))
        for section in change.sections:
            self.events.section_changed.emit(section)
        if not moved_only:
            self._analyzed(problems_changed)
        self.events.changed.emit()
        self._dirty_maybe_changed()

    def show_network(self, name: str | None) -> None:
        """Edit another network of the project: the canvas, inspector and code view follow."""
        if not self.project.networks or name is None or name == self.project.active:
            return
        self.project.activate(name)
        ensure_positions(self.project)
        self.selection = []
        problems_changed = self._reanalyze()
        self.events.network_changed.emit(name)
        self._analyzed(problems_changed)
        self.events.changed.emit()
        self.events.selection_changed.emit([])

    # --- whole documents ---------------------------------------------------------------------
    def set_project(self, project: Project, path: str | Path | None = None, dirty: bool = False) -> None:
        ensure_positions(project)
        self.project = project
        self.path = Path(path) if path else None
        self.undo.clear()
        self.data_shape = None  # another project's data: not loaded yet
        self._restored = dirty  # e.g. restored from a recovery file: unsaved until saved
        self.selection = []
        problems_changed = self._reanalyze()
        self.events.loaded.emit()
        self._analyzed(problems_changed)
        self.events.changed.emit()
        self.events.selection_changed.emit([])
        self.events.path_changed.emit(str(self.path or ""))
        self._dirty_maybe_changed()

    def open(self, path: str | Path) -> None:
        """Load a file; raises ProjectError (with a readable message) and leaves this document untouched."""
        self.set_project(load_project(path), path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no path to save to")
        save_project(self.project, target)
        self.path = target
        self._restored = False
        self.undo.set_clean()
        self.events.path_changed.emit(str(target))
        self._dirty_maybe_changed()
        return target

    # --- selection ---------------------------------------------------------------------------
    def set_selection(self, ids: list[str]) -> None:
        ids = [i for i in ids if self.project.has_node(i)]
        if ids != self.selection:
            self.selection = ids
            self.events.selection_changed.emit(list(ids))
