"""The Runs tab: every run folder of the project, sortable and filterable, with rename, note,
delete, open folder and restore; several selected runs overlay their curves (one plot per
metric), two selected runs show the settings that differ."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QSortFilterProxyModel, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from netbuilder.experiments import runs as R

from ..training import style

FIXED = ("Name", "Started", "Status", "Epochs", "Duration", "Optimizer", "LR", "Batch")
SETTING_OF = {"Optimizer": "training.optimizer.type", "LR": "training.optimizer.lr",
              "Batch": "training.batch_size"}
SORT_ROLE = Qt.UserRole + 1
CURVE_KEYS = ("train_loss", "val_loss")  # then every val_<metric> the runs have


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _item(text: str, sort_value=None, tip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(sort_value if sort_value is not None else text, SORT_ROLE)
    if tip:
        item.setToolTip(tip)
    return item


class RunsPanel(QWidget):
    restore_requested = Signal(object, str)  # Project, the run folder

    def __init__(self, runs_folder, parent=None):
        """`runs_folder()`: the folder to list (it follows the open project)."""
        super().__init__(parent)
        self.runs_folder = runs_folder
        self.runs: list[R.RunInfo] = []
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)  # every column
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs (name, status, settings, note…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self.open_folder)
        self.buttons = {}
        bar = QHBoxLayout()
        for key, text, slot, tip in (
                ("refresh", "Refresh", self.refresh, "List the run folders again"),
                ("rename", "Rename…", self.rename_selected, "Give the run a name (its folder keeps its own)"),
                ("note", "Note…", self.note_selected, "Write a note about the run"),
                ("delete", "Delete…", self.delete_selected, "Delete the selected run folders"),
                ("open", "Open Folder", self.open_folder, "Show the run folder in the file manager"),
                ("restore", "Restore Project", self.restore_selected,
                 "Bring back the graph and settings this run used (undoable)")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda checked=False, s=slot: s())
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("dim")
        self.status.setTextFormat(Qt.PlainText)
        bar.addWidget(self.status)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.table, 1)
        lay.addLayout(bar)
        self.curves = style.layout_widget()
        self.diff = QTableWidget(0, 3)
        self.diff.setHorizontalHeaderLabels(["Setting", "Run A", "Run B"])
        self.diff.verticalHeader().hide()
        self.diff.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.diff.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.curves, "Curves")
        self.views.addTab(self.diff, "Settings diff")
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.views)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(split)
        self.refresh()

    # ----- listing -----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        chosen = {r.dir for r in self.selected()}
        folder = self.runs_folder()
        self.runs = R.list_runs(folder) if folder else []
        metrics = list(dict.fromkeys(k for r in self.runs for k in r.metrics))
        headers = [*FIXED, *metrics, "Note"]
        self.model.clear()
        self.model.setHorizontalHeaderLabels(headers)
        for run in self.runs:
            took = run.duration_s
            row = [_item(run.label, tip=run.dir + (f"\n{run.problem}" if run.problem else "")),
                   _item((run.started or "").replace("T", " ")),
                   _item(run.status, tip=run.problem),
                   _item(str(run.epochs), run.epochs),
                   _item(f"{took:.1f} s" if took is not None else "", took if took is not None else -1)]
            for col in FIXED[5:]:
                value = run.settings.get(SETTING_OF[col])
                row.append(_item(_text(value), value if isinstance(value, (int, float)) else _text(value)))
            for key in metrics:
                value = run.metrics.get(key)
                row.append(_item(_text(value), value if value is not None else float("nan")))
            row.append(_item(run.note))
            row[0].setData(run.dir, Qt.UserRole)
            self.model.appendRow(row)
        self.status.setText(f"{len(self.runs)} run{'s' * (len(self.runs) != 1)} in {folder}"
                            if folder else "Save the project to keep its runs")
        selection = self.table.selectionModel()
        for i in range(self.proxy.rowCount()):
            if self.proxy.index(i, 0).data(Qt.UserRole) in chosen:
                selection.select(self.proxy.index(i, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
        self._selection_changed()

    def selected(self) -> list[R.RunInfo]:
        if not hasattr(self, "table"):
            return []
        by_dir = {r.dir: r for r in self.runs}
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        dirs = [self.proxy.index(row, 0).data(Qt.UserRole) for row in rows]
        return [by_dir[d] for d in dirs if d in by_dir]

    def select_dirs(self, dirs: list[str]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        for i in range(self.proxy.rowCount()):
            if self.proxy.index(i, 0).data(Qt.UserRole) in dirs:
                selection.select(self.proxy.index(i, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

    # ----- curves and diff ---------------------------------------------------------------------
    @Slot()
    def _selection_changed(self, *args) -> None:
        runs = self.selected()
        one = len(runs) == 1
        for key in ("rename", "note", "open", "restore"):
            self.buttons[key].setEnabled(one)
        self.buttons["delete"].setEnabled(bool(runs))
        self._draw_curves(runs)
        self._fill_diff(runs)

    def _draw_curves(self, runs: list[R.RunInfo]) -> None:
        self.curves.clear()
        histories = [(run, R.read_history(run.dir)) for run in runs]
        keys = list(CURVE_KEYS) + sorted({k for _, h in histories for row in h for k in row
                                          if k.startswith("val_") and k not in CURVE_KEYS
                                          and isinstance(row[k], float)})
        self.plots = {}
        for n, key in enumerate(k for k in keys if any(k in row for _, h in histories for row in h)):
            plot = style.style_plot(self.curves.addPlot(row=n // 2, col=n % 2), key, bottom="epoch")
            for i, (run, history) in enumerate(histories):
                points = [(row["epoch"], row[key]) for row in history
                          if isinstance(row.get(key), float) and isinstance(row.get("epoch"), int)]
                if points:
                    color = style.series_color(i)
                    xs, ys = zip(*points)
                    plot.plot(list(xs), list(ys), pen=pg.mkPen(color, width=2), symbol="o",
                              symbolSize=4, symbolBrush=color, symbolPen=None)
            self.plots[key] = plot
        self._mark_colors(runs)

    def _mark_colors(self, runs: list[R.RunInfo]) -> None:
        """Each plotted run's colour, as a swatch beside its name: the plots' legend."""
        colors = {run.dir: QColor(style.series_color(i)) for i, run in enumerate(runs)}
        for row in range(self.model.rowCount()):
            item = self.model.item(row, 0)
            item.setData(colors.get(item.data(Qt.UserRole)), Qt.DecorationRole)

    def _fill_diff(self, runs: list[R.RunInfo]) -> None:
        self.diff.setRowCount(0)
        if len(runs) != 2:
            self.diff.setHorizontalHeaderLabels(["Setting", "Run A", "Run B"])
            self.diff.setRowCount(1)
            self.diff.setItem(0, 0, QTableWidgetItem("Select two runs to compare their settings."))
            return
        a, b = runs
        self.diff.setHorizontalHeaderLabels(["Setting", a.label, b.label])
        rows = R.settings_diff(a, b) or [("(no difference)", "", "")]
        self.diff.setRowCount(len(rows))
        for i, (key, va, vb) in enumerate(rows):
            for j, value in enumerate((key, _text(va), _text(vb))):
                self.diff.setItem(i, j, QTableWidgetItem(value))

    # ----- actions -----------------------------------------------------------------------------
    def _one(self) -> R.RunInfo | None:
        runs = self.selected()
        return runs[0] if len(runs) == 1 else None

    @Slot()
    def rename_selected(self, name: str | None = None) -> None:
        run = self._one()
        if run is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename run", "Name:", text=run.name or run.folder)
            if not ok:
                return
        R.rename_run(run.dir, name)
        self.refresh()

    @Slot()
    def note_selected(self, note: str | None = None) -> None:
        run = self._one()
        if run is None:
            return
        if note is None:
            note, ok = QInputDialog.getMultiLineText(self, "Note", f"Note on {run.label}:", run.note)
            if not ok:
                return
        R.set_note(run.dir, note)
        self.refresh()

    @Slot()
    def delete_selected(self, confirm: bool = True) -> None:
        runs = self.selected()
        if not runs:
            return
        if confirm:
            names = ", ".join(r.label for r in runs[:5]) + (" …" if len(runs) > 5 else "")
            answer = QMessageBox.question(self, "Delete runs",
                                          f"Delete {len(runs)} run folder(s) and their weights?\n{names}")
            if answer != QMessageBox.Yes:
                return
        problems = []
        for run in runs:
            try:
                R.delete_run(run.dir)
            except (OSError, ValueError) as err:
                problems.append(str(err))
        self.refresh()
        if problems:
            QMessageBox.warning(self, "Delete runs", "\n".join(problems))

    @Slot()
    def open_folder(self, *args) -> None:
        run = self._one()
        if run is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(run.dir))))

    @Slot()
    def restore_selected(self) -> None:
        run = self._one()
        if run is None:
            return
        from netbuilder.errors import ProjectError

        try:
            project = R.read_run_project(run.dir)
        except ProjectError as err:
            QMessageBox.warning(self, "Restore project", err.message)
            return
        self.restore_requested.emit(project, run.dir)
