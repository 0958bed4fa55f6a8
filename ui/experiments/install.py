"""install(window): the Runs, Cross-validation and Search tabs, an Experiments menu, and
"Search over this…" in the context menu of the Inspector's and the training settings' fields.

Each tab's panel is built when the tab is first shown or the panel is first used (ui/lazy.py):
the window starts without Optuna, pyqtgraph or the run index."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFrame, QLineEdit, QMenu, QScrollArea, QWidget

from netbuilder.train.settings import LOSSES, OPTIMIZERS

from .commands import ReplaceContent

TITLES = {"runs": "Runs", "cv": "Cross-validation", "search": "Search"}  # the tabs, in order

# the training settings form's fields, by the SPACE.json path they edit (choices where fixed)
SETTING_PATHS = {"lr": ("training.optimizer.lr", None), "momentum": ("training.optimizer.momentum", None),
                 "optimizer": ("training.optimizer.type", OPTIMIZERS),
                 "batch_size": ("training.batch_size", None), "epochs": ("training.epochs", None),
                 "l1": ("training.l1", None), "l2": ("training.l2", None),
                 "grad_clip": ("training.grad_clip", None), "loss": ("training.loss", LOSSES),
                 "patience": ("training.early_stopping.patience", None)}


def _current(widget):
    for name in ("value", "isChecked", "currentText"):
        if hasattr(widget, name):
            return getattr(widget, name)()
    return None


class SearchOverThis(QObject):
    """Adds "Search over this…" to the context menu of the fields it watches."""

    def __init__(self, window, search):
        """`search()`: the Search panel (built when first asked for)."""
        super().__init__(window)
        self.window, self.search = window, search
        self.paths: dict[QWidget, tuple] = {}  # widget -> (path, choices, value widget)

    def watch(self, widget: QWidget, path: str, choices=None) -> None:
        targets = [widget]
        if hasattr(widget, "lineEdit") and widget.lineEdit() is not None:
            targets.append(widget.lineEdit())
        for target in targets:
            if target not in self.paths:
                target.installEventFilter(self)
            self.paths[target] = (path, choices, widget)

    @Slot()
    def watch_inspector(self) -> None:
        inspector = self.window.inspector
        self.paths = {w: v for w, v in self.paths.items() if _alive(w)}
        if inspector.node_id is None:
            return
        node = self.window.document.project.node(inspector.node_id)
        for name, widget in inspector.fields.items():
            choices = node.layer.param(name).choices or None
            self.watch(widget, f"{node.id}.{name}", list(choices) if choices else None)

    def menu_for(self, target: QWidget) -> QMenu:
        path, choices, widget = self.paths[target]
        menu = (target.createStandardContextMenu() if isinstance(target, QLineEdit) else QMenu(target))
        menu.addSeparator()
        action = menu.addAction(f"Search over this… ({path})")
        action.setObjectName("search-over-this")
        value = _current(widget) if path.startswith("training.") else None
        action.triggered.connect(lambda: self.add(path, choices, value))
        return menu

    def add(self, path: str, choices, value) -> None:
        panel = self.search()
        panel.add_dimension(path, choices, value)
        self.window.experiments.show(panel)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.ContextMenu and obj in self.paths:
            menu = self.menu_for(obj)
            self.exec_menu(menu, event.globalPos())
            menu.deleteLater()
            return True
        return False

    def exec_menu(self, menu: QMenu, pos) -> None:
        menu.exec(pos)


def _alive(widget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:  # its C++ object is gone (the Inspector rebuilt its form)
        return False
    return True


class Experiments(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        training = window.training
        from ..training.data_panel import base_dir_of

        doc = window.document
        self.base_dir = lambda: base_dir_of(doc)
        self.panels: dict[str, QWidget] = {}  # "runs", "cv", "search": those built so far
        self.tabs = {}  # panel -> its scroll area in the bottom tabs
        for name, title in TITLES.items():
            window.add_bottom_tab(lambda name=name: self._build(name), title)
        training.runner.thread_ended.connect(self._refresh_runs)
        doc.path_changed.connect(self._refresh_runs)
        self.fields = SearchOverThis(window, lambda: self.search)
        form = training.settings  # the training settings form
        for key, widget in (getattr(form, "fields", None) or {}).items():
            if key in SETTING_PATHS:
                self.fields.watch(widget, *SETTING_PATHS[key])
        doc.selection_changed.connect(self.fields.watch_inspector)
        doc.analyzed.connect(self.fields.watch_inspector)
        doc.loaded.connect(self.fields.watch_inspector)
        self.actions = {}
        for key, text, slot, tip in (
                ("runs", "&Runs", lambda: self.show(self.runs), "Every run of this project"),
                ("cv", "&Cross-validate", self.cross_validate, "k-fold cross-validation of the project"),
                ("search", "&Search…", lambda: self.show(self.search), "Hyper-parameter search (Optuna)"),
                ("apply", "&Apply Best Trial", lambda: self.search.apply_best(),
                 "Write the search's best values into the project (undoable)")):
            action = QAction(text, window)
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            window.add_menu_action("Experiments", action)
            self.actions[key] = action
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        # closing the window joins our tasks too (ui/tasks.shutdown_all, from the close guard)

    def _build(self, name: str) -> QWidget:
        window, doc, training = self.window, self.window.document, self.window.training
        if name == "runs":
            from .runs_panel import RunsPanel

            panel = RunsPanel(training.runs_folder, window)
            panel.restore_requested.connect(self.restore)
            panel.refresh()
        elif name == "cv":
            from .cv_panel import CVPanel

            panel = CVPanel(doc, self.base_dir, window)
        else:
            from .search_panel import SearchPanel

            panel = SearchPanel(doc, self.base_dir, training.runs_folder, window)
            panel.task.ended.connect(self._refresh_runs)
        # scrolled: the panels' minimum heights must not push the bottom area up
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        panel.setMinimumHeight(260)
        self.panels[name] = panel
        self.tabs[panel] = scroll
        return scroll

    def _panel(self, name: str):
        if name not in self.panels:
            self.window.bottom_tab(TITLES[name])
        return self.panels[name]

    @property
    def runs(self):
        return self._panel("runs")

    @property
    def cv(self):
        return self._panel("cv")

    @property
    def search(self):
        return self._panel("search")

    @Slot()
    def _refresh_runs(self) -> None:
        if "runs" in self.panels:  # else it lists the runs when it is built
            self.panels["runs"].refresh()

    def show(self, panel) -> None:
        self.window.bottom_tabs.setCurrentWidget(self.tabs[panel])
        if panel is self.panels.get("runs"):
            panel.refresh()

    @Slot()
    def cross_validate(self) -> None:
        self.show(self.cv)
        self.cv.start()

    def current_panel(self):
        """The experiments panel whose tab is showing, else None."""
        current = self.window.bottom_tabs.currentWidget()
        return next((p for p, tab in self.tabs.items() if tab is current), None)

    def restore(self, project, run_dir: str) -> None:
        from pathlib import Path

        self.window.document.push(ReplaceContent(self.window.document, project,
                                                 f"Restore the project of run {Path(run_dir).name}"))

    @Slot()
    def shutdown(self) -> None:
        for name in ("cv", "search"):
            if name in self.panels:
                self.panels[name].task.shutdown()


def install(window) -> Experiments:
    return Experiments(window)
