"""The main window: palette | canvas | inspector, a bottom tab area, menus, status bar, files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from netbuilder.app.problems import GRAPH
from netbuilder.errors import ProjectError
from netbuilder.spec import Node, Project
from netbuilder.templates import load_template

from . import settings as app_settings
from . import theme
from .canvas.view import NetView
from .clipboard import fragment, from_mime, pasteable, to_mime
from .commands import AddItems, MoveNodes
from .dialogs import TemplateGallery, shortcuts_html
from .document import Document
from .errors import error_text
from .export_dialog import ExportDialog
from .inspect.install import install as install_inspect
from .inspector import Inspector
from .layout import layered_positions
from .lazy import LazyTabs
from .palette import Palette
from .plain import escape
from .problems import ProblemsList
from .recovery import Recovery
from .training.install import install as install_training
from .transfer import install as install_transfer

FILTER = "NetBuilder projects (*.json);;All files (*)"


def blank_project() -> Project:
    return Project(name="Untitled", nodes=[Node("x", "Input", {}, (0.0, 0.0)), Node("out", "Output", {}, (0.0, 400.0))])


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None, path: str | None = None, autosave_ms: int | None = None):
        super().__init__()
        self.setObjectName("NetBuilderMain")
        self.document = Document(parent=self)
        self.canvas = NetView(self.document, self)
        from .canvas.network_tabs import with_network_tabs  # one tab per network (a GAN's two)

        central, self.network_tabs = with_network_tabs(self.document, self.canvas, self)
        self.setCentralWidget(central)
        self.canvas.message.connect(self.show_message)
        self.menus: dict[str, QMenu] = {}
        self._file_tail: QAction | None = None  # the separator above Quit
        self._build_docks()
        self._build_status()
        self._build_actions()
        self._install_panels()
        self.document.analyzed.connect(self._update_status)
        self.document.problems_changed.connect(lambda source: source != GRAPH and self._update_status())
        self.document.dirty_changed.connect(self._update_title)
        self.document.path_changed.connect(self._update_title)
        self.recovery = Recovery(self.document, self, **({"interval_ms": autosave_ms} if autosave_ms else {}))
        self.resize(1600, 1000)
        self._shown_once = False
        self._restore_layout()
        self.document.set_project(project or blank_project(), path)

    # --- layout --------------------------------------------------------------------------------
    def _dock(self, title: str, widget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.palette = Palette(self)
        self.palette.activated.connect(self._add_at_center)
        self.inspector = Inspector(self.document, self)
        self.problems = ProblemsList(self.document, self)
        self.problems.node_activated.connect(self.canvas.center_on_node)
        self.bottom_tabs = LazyTabs(self)  # pages are built when first shown (ui/lazy.py)
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.problems, "Problems")
        self.palette_dock = self._dock("Layers", self.palette, Qt.LeftDockWidgetArea, "palette")
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.RightDockWidgetArea, "inspector")
        self.bottom_dock = self._dock("Output", self.bottom_tabs, Qt.BottomDockWidgetArea, "bottom")
        self.bottom_dock.setTitleBarWidget(QLabel(""))
        self.resizeDocks([self.palette_dock, self.inspector_dock], [230, 320], Qt.Horizontal)
        self.resizeDocks([self.bottom_dock], [170], Qt.Vertical)

    def _install_panels(self) -> None:
        """The code view, training tabs and export: features built over the document."""
        self.add_bottom_tab(self._build_code_view, "Code")
        self.document.analyzed.connect(self._refresh_code)
        self.document.selection_changed.connect(self._highlight_code)
        self.training = install_training(self)
        from .training.samples_tab import install as install_samples  # a GAN's or VAE's samples
        self.samples_page = install_samples(self)
        self.inspect = install_inspect(self)
        from .experiments.install import install as install_experiments  # Runs, CV, Search tabs
        self.experiments = install_experiments(self)
        self.transfer = install_transfer(self)
        export = QAction("&Export…", self)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.setStatusTip("Write PyTorch code, ONNX or a torch.export program")
        export.triggered.connect(self.export_dialog)
        self.add_menu_action("File", export)
        self.addAction(export)
        self.training.runner.run_started.connect(self._make_room_for_plots)
        self.document.replayed.connect(self._show_replayed)
        self.bottom_tabs.currentChanged.connect(self._tab_chosen)
        self.training.data_panel.problem_changed.connect(self._data_problem)

    @Slot(str, str, bool)
    def _show_replayed(self, section: str, field: str, undone: bool) -> None:
        """Undo/Redo of a setting changes a field off the canvas: bring its tab up and name it."""
        tab = {"training": self.training, "data": self.training.data_panel}.get(section)
        if tab is None:
            return
        self.bottom_tabs.setCurrentWidget(tab)
        name = self.training.settings.label_of(field) if section == "training" and field else \
            (field.replace("_", " ") or section)
        where = self.bottom_tabs.tabText(self.bottom_tabs.indexOf(tab))
        self.show_message(f"Undo: {name} on the {where} tab is back to its earlier value." if undone else
                          f"Redo: {name} on the {where} tab is changed again.")

    @Slot(object)
    def _data_problem(self, problem) -> None:
        self.document.problems.set("data", [problem] if problem else [])

    @Slot(int)
    def _tab_chosen(self, index: int) -> None:
        if self.bottom_tabs.tabText(index) in ("Training", "Evaluation"):
            self._make_room_for_plots()  # the user came to look at plots

    @Slot(object)
    def _make_room_for_plots(self, info=None) -> None:
        """Live plots need height: grow the bottom area to 45% of the window when it is smaller."""
        wanted = int(self.height() * 0.45)
        if self.bottom_dock.height() < wanted:
            self.resizeDocks([self.bottom_dock], [wanted], Qt.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:  # dock sizes only take effect once the window is laid out
            self._shown_once = True
            if not self._layout_restored:
                self.resizeDocks([self.bottom_dock], [int(self.height() * 0.3)], Qt.Vertical)

    def _build_code_view(self):
        from .code_view import CodeView

        view = CodeView()
        view.set_project(self.document.project, self.document.analysis)
        ids = self.document.selection
        view.highlight_node(ids[0] if len(ids) == 1 else None)
        return view

    @property
    def code_view(self):
        return self.bottom_tab("Code")

    @Slot()
    def _refresh_code(self) -> None:
        if self.bottom_tabs.is_built("Code"):  # else it renders when first shown
            self.code_view.set_project(self.document.project, self.document.analysis)

    @Slot(list)
    def _highlight_code(self, ids: list) -> None:
        if self.bottom_tabs.is_built("Code"):
            self.code_view.highlight_node(ids[0] if len(ids) == 1 else None)

    @Slot()
    def export_dialog(self) -> None:
        """Export the project, with the weights of the last finished run when there is one."""
        path = self.document.path
        dialog = ExportDialog(self.document.project, base_dir=Path(path).parent if path else None,
                              weights=self.document.run.best_weights(), parent=self)
        dialog.exec()
        dialog.deleteLater()

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.nodes_label, self.params_label, self.valid_label = QLabel(), QLabel(), QLabel()
        for w in (self.nodes_label, self.params_label, self.valid_label):
            sb.addPermanentWidget(w)

    def add_bottom_tab(self, widget, title: str) -> int:
        """A tab in the bottom area: a widget, or a function that builds one when the tab is
        first shown (or `bottom_tab(title)` asks for it). Panels pass a function so that the
        window appears without building (and importing) what nobody looks at yet."""
        return self.bottom_tabs.add(widget, title)

    def bottom_tab(self, title: str):
        """The page of a bottom tab, built now if it was not yet (None: no such tab)."""
        return self.bottom_tabs.page(title)

    def add_menu_action(self, menu_name: str, action: QAction) -> None:
        menu = self.menus.get(menu_name)
        if menu is None:
            help_menu = self.menus.get("Help")
            menu = QMenu(menu_name, self)
            if help_menu is not None:
                self.menuBar().insertMenu(help_menu.menuAction(), menu)
            else:
                self.menuBar().addMenu(menu)
            self.menus[menu_name] = menu
        tail = self._file_tail if menu_name == "File" else None
        if tail is not None:
            menu.insertAction(tail, action)  # File ends with Quit
        else:
            menu.addAction(action)

    def _action(self, menu: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.add_menu_action(menu, a)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        K = QKeySequence
        for name in ("File", "Edit", "View", "Help"):
            m = self.menuBar().addMenu(name)
            self.menus[name] = m
        self._action("File", "&New…", self.new_project, K.New)
        self._action("File", "&Open…", self.open_dialog, K.Open)
        self.recent_menu = self.menus["File"].addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action("File", "&Save", self.save, K.Save)
        self._action("File", "Save &As…", self.save_as, K("Ctrl+Shift+S"))
        quit_action = self._action("File", "&Quit", self.close, K.Quit)
        self._file_tail = self.menus["File"].insertSeparator(quit_action)  # later File items go above it
        stack = self.document.undo_stack
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcut(K.Undo)
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([K("Ctrl+Shift+Z"), K("Ctrl+Y")])
        for a in (undo, redo):
            self.add_menu_action("Edit", a)
            self.addAction(a)
        self.menus["Edit"].addSeparator()
        self._action("Edit", "Cu&t", self.cut, K.Cut)
        self._action("Edit", "&Copy", self.copy, K.Copy)
        self._action("Edit", "&Paste", self.paste, K.Paste)
        self._action("Edit", "&Duplicate", self.duplicate, K("Ctrl+D"))
        self._action("Edit", "Select &All", self.select_all, K.SelectAll)
        self.menus["Edit"].addSeparator()
        self._action("Edit", "Add Layer…", lambda: self.canvas.open_quick_add(), None)
        self._action("View", "&Fit to Window", self.canvas.fit_all, None, "F on the canvas")
        self._action("View", "Zoom &In", lambda: self.canvas.zoom_by(1.25), K.ZoomIn)
        self._action("View", "Zoom &Out", lambda: self.canvas.zoom_by(0.8), K.ZoomOut)
        self._action("View", "Arrange &Layers Automatically", self.auto_layout, K("Ctrl+L"))
        self.menus["View"].addSeparator()
        group = QActionGroup(self)
        for name in ("dark", "light"):
            a = QAction(f"{name.title()} Theme", self, checkable=True)
            a.setChecked(theme.current().name == name)
            a.triggered.connect(lambda checked, n=name: self.set_theme(n))
            group.addAction(a)
            self.add_menu_action("View", a)
        self.menus["View"].addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.bottom_dock):
            self.add_menu_action("View", dock.toggleViewAction())
        self._action("Help", "&Keyboard Shortcuts", self.show_shortcuts, K.HelpContents)
        self._action("Help", "&About NetBuilder", self.about)

    # --- status --------------------------------------------------------------------------------
    @Slot()
    def _update_status(self) -> None:
        doc = self.document
        t = theme.current()
        self.nodes_label.setText(f"{len(doc.project.nodes)} layers")
        n = self.problems.count  # the graph's errors and those of its data
        # a broken graph only counts the layers above the error: no total rather than a wrong one
        graph_ok = not doc.analysis.errors
        frozen = f" ({doc.frozen_params:,} frozen)" if doc.frozen_params else ""
        self.params_label.setText(f"{doc.total_params:,} parameters{frozen}" if graph_ok else "? parameters")
        self.valid_label.setText(f"<span style='color:{t.ok}'>● valid</span>" if not n else
                                 f"<span style='color:{t.error}'>● {n} problem{'s' * (n > 1)}</span>")
        self.bottom_tabs.setTabText(self.bottom_tabs.indexOf(self.problems), f"Problems ({n})" if n else "Problems")

    @Slot()
    def _update_title(self, *args) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — NetBuilder")
        self.setWindowModified(self.document.dirty)

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    # --- files ---------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the user cancels."""
        if not self.document.dirty:
            return True
        answer = QMessageBox.question(self, "Unsaved changes",
                                      f"Save the changes to {self.document.title}?",
                                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        self._focus_back()
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    @Slot()
    def new_project(self) -> None:
        if not self.maybe_save():
            return
        dialog = TemplateGallery(self)
        try:
            if dialog.exec() != TemplateGallery.Accepted:
                return
            name = dialog.choice()
        finally:
            dialog.deleteLater()
            self._focus_back()
        self.document.set_project(load_template(name) if name else blank_project())

    @Slot()
    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.document.path.parent) if self.document.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, FILTER)
        self._focus_back()
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        """Open a project; on a bad file, say why and keep the current project untouched."""
        try:
            self.document.open(path)
        except ProjectError as exc:
            detail = error_text(exc)
            QMessageBox.warning(self, "Cannot open project",
                                escape(f"{Path(path).name} could not be opened.\n\n{detail}"))
            return False
        except Exception as exc:  # noqa: BLE001 - never a traceback for a hostile file
            QMessageBox.warning(self, "Cannot open project", escape(f"{Path(path).name} could not be opened:\n{exc}"))
            return False
        app_settings.add_recent(path)
        self.recovery.discard()
        return True

    @Slot()
    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in app_settings.recent_files():
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda checked=False, path=p: self.maybe_save() and self.open_file(path))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    @Slot()
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    @Slot()
    def save_as(self) -> bool:
        start = str(self.document.path or (Path.cwd() / f"{self.document.project.name}.json"))
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, FILTER)
        self._focus_back()
        return bool(path) and self._save_to(Path(path))

    def _focus_back(self) -> None:
        """After a dialog the window is active again with the canvas focused: a shortcut pressed
        right away (Ctrl+N after Save As, Ctrl+O after New) reaches the window, not nowhere."""
        self.activateWindow()
        self.raise_()
        self.canvas.setFocus()

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except (OSError, ProjectError) as exc:  # a full disk, or a text UTF-8 cannot hold
            QMessageBox.warning(self, "Cannot save", escape(f"Saving to {path} failed:\n{exc}"))
            return False
        app_settings.add_recent(str(path))
        self.recovery.discard()
        self.show_message(f"Saved {path}")
        return True

    def offer_recovery(self, pending) -> bool:
        """Ask whether to restore the work a window that did not close cleanly left (a
        `recovery.Pending`); restores it when yes. Either way its file is then this window's
        business: the restored work is autosaved here at once, the left file removed."""
        project, path = pending.project, pending.path
        what = f"changes to “{escape(Path(path).name)}”" if path else f"project “{escape(project.name)}”"
        answer = QMessageBox.question(self, "Recover unsaved work?",
                                      f"NetBuilder did not close cleanly last time. Restore the unsaved "
                                      f"{what} ({len(project.nodes)} layers)?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        restore = answer == QMessageBox.Yes
        if restore:
            self.document.set_project(project, path, dirty=True)
            self.recovery.autosave()
        pending.discard()
        return restore

    # --- clipboard -----------------------------------------------------------------------------
    @Slot()
    def copy(self) -> None:
        ids = self.canvas.net_scene.selected_node_ids()
        if ids:
            QApplication.clipboard().setMimeData(to_mime(fragment(self.document.project, ids)))
            self.show_message(f"Copied {len(ids)} layer{'s' * (len(ids) > 1)}")

    @Slot()
    def cut(self) -> None:
        self.copy()
        self.canvas.net_scene.delete_selection()

    def _paste_doc(self, doc: dict, text: str) -> None:
        try:
            nodes, edges = pasteable(doc, self.document.project, (40.0, 40.0))
        except ProjectError as exc:
            self.show_message(f"Cannot paste: {exc}")
            return
        self.document.push(AddItems(self.document, nodes, edges, f"{text} {len(nodes)} layer{'s' * (len(nodes) > 1)}"))
        self.document.set_selection([n.id for n in nodes])

    @Slot()
    def paste(self) -> None:
        doc = from_mime(QApplication.clipboard().mimeData())
        if doc is None:
            self.show_message("The clipboard holds no NetBuilder layers.")
            return
        self._paste_doc(doc, "Paste")

    @Slot()
    def duplicate(self) -> None:
        ids = self.canvas.net_scene.selected_node_ids()
        if ids:
            self._paste_doc(fragment(self.document.project, ids), "Duplicate")

    @Slot()
    def select_all(self) -> None:
        self.document.set_selection([n.id for n in self.document.project.nodes])

    # --- editing helpers -----------------------------------------------------------------------
    @Slot(str)
    def _add_at_center(self, type_name: str) -> None:
        center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        self.canvas.add_node(type_name, QPointF(center), None)

    @Slot()
    def auto_layout(self) -> None:
        project = self.document.project
        pos = layered_positions(project)
        moves = {n.id: (n.pos, pos[n.id]) for n in project.nodes if n.pos != pos[n.id]}
        if moves:
            self.document.push(MoveNodes(self.document, moves))
            self.canvas.fit_all()

    @Slot()
    def set_theme(self, name: str) -> None:
        theme.apply(QApplication.instance(), name)
        app_settings.settings().setValue("theme", name)
        self.canvas.net_scene.update()
        self.canvas.viewport().update()
        self.canvas.minimap.invalidate()
        self.problems.refresh()
        self.inspector._build()

    @Slot()
    def show_shortcuts(self) -> None:
        box = QMessageBox(QMessageBox.NoIcon, "Keyboard shortcuts", shortcuts_html(), QMessageBox.Ok, self)
        box.exec()
        box.deleteLater()

    @Slot()
    def about(self) -> None:
        from .about import AboutDialog

        dialog = AboutDialog(self)
        dialog.exec()
        dialog.deleteLater()

    # --- window state --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        s = app_settings.settings()
        geo, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        self._layout_restored = isinstance(state, QByteArray) and self.restoreState(state)

    def save_layout(self) -> None:
        s = app_settings.settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    def _stop_run_to_close(self) -> bool:
        """Closing during training says so and offers to stop the run and keep it; False: cancel."""
        runner = self.training.runner
        if not runner.busy:
            return True
        h = runner.history
        where = f" (epoch {min(h.finished_epochs + 1, h.info['epochs'])} of {h.info['epochs']})" \
            if h.info.get("epochs") else ""
        answer = QMessageBox.question(
            self, "Training in progress",
            f"A training run is in progress{where}. Stop it and keep it? It stops after the current "
            "batch; its checkpoints and the best epoch so far stay in its run folder.",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer != QMessageBox.Yes:
            return False
        runner.stop()  # now, as the user said: not only once the unsaved-changes question is answered
        return True

    def closeEvent(self, event) -> None:
        if not self._stop_run_to_close() or not self.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.recovery.close()
        event.accept()
