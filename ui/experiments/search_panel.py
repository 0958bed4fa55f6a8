"""The Search tab: the space (filled by right-clicking a field, "Search over this…"), an Optuna
study run in the background with a live trials table, the optimisation history, parameter
importances and parallel coordinates; "Apply best" is one undoable edit."""

from __future__ import annotations

import json
import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from netbuilder.experiments.paths import get_value
from netbuilder.experiments.search import SAMPLERS, apply_params, default_study_name, search
from netbuilder.experiments.space import SpaceError, check_space
from ui.tasks import Tasks
from ui.training.threads import use_cores_in_this_thread

from ..training import style
from .commands import ReplaceContent
from .eta import eta_text

KIND_NAMES = ("log_uniform", "uniform", "int", "choice")


def default_range(value, choices=None) -> tuple[str, str]:
    """(kind, range text) a search over a field starts with, around its current value."""
    if choices:
        return "choice", json.dumps(list(choices))
    if isinstance(value, bool):
        return "choice", "[true, false]"
    if isinstance(value, int):
        return "int", json.dumps([max(1, value // 4), max(value * 4, 2)])
    if isinstance(value, float) and value > 0:
        return "log_uniform", json.dumps([float(f"{value / 10:.3g}"), float(f"{value * 10:.3g}")])
    if isinstance(value, float):
        return "uniform", "[0.0, 1.0]"
    return "choice", json.dumps([value])


class SearchPanel(QWidget):
    busy_changed = Signal(bool)

    def __init__(self, document, base_dir, runs_folder, parent=None):
        super().__init__(parent)
        self.document, self.base_dir, self.runs_folder = document, base_dir, runs_folder
        self.task = Tasks(self, name="netbuilder-search", prepare=use_cores_in_this_thread)
        self.task.event.connect(self._on_event)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.ended.connect(self._sync)
        self.result = None
        self.rows: list[dict] = []
        self.log_axes: set[str] = set()
        self.space_table = QTableWidget(0, 3)
        self.space_table.setHorizontalHeaderLabels(["Setting", "Kind", "Range or values"])
        self.space_table.verticalHeader().hide()
        self.space_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        remove = QPushButton("Remove")
        remove.setToolTip("Remove the selected setting from the search")
        remove.clicked.connect(self.remove_selected)
        hint = QLabel("Right-click a field in the Inspector or the training settings and choose "
                      "“Search over this…” to add it.")
        hint.setObjectName("dim")
        hint.setWordWrap(True)
        self.trials = QSpinBox()
        self.trials.setRange(1, 100000)
        self.trials.setValue(20)
        self.trials.setToolTip("Trials to add to the study (it resumes when it exists)")
        self.sampler = QComboBox()
        self.sampler.addItems(SAMPLERS)
        self.score = QComboBox()
        self.score.addItems(["val_loss", "accuracy", "f1", "auroc", "mse", "mae", "r2"])
        self.score.setToolTip("What a trial is scored by (the best epoch's value)")
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setToolTip("Trials run side by side, each in its own process")
        self.study = QLineEdit()
        self.study.setPlaceholderText("study name (default: the project's)")
        self.start_button = QPushButton("Search")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.task.stop)  # what it finished still shows
        self.apply_button = QPushButton("Apply Best")
        self.apply_button.setToolTip("Write the best trial's values into the project (undoable)")
        self.apply_button.clicked.connect(self.apply_best)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("dim")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(hint)
        ll.addWidget(self.space_table, 1)
        row = QHBoxLayout()
        row.addWidget(remove)
        row.addStretch(1)
        ll.addLayout(row)
        for label, w in (("Trials", self.trials), ("Sampler", self.sampler), ("Score", self.score),
                         ("Workers", self.workers), ("Study", self.study)):
            line = QHBoxLayout()
            line.addWidget(QLabel(label))
            line.addWidget(w, 1)
            ll.addLayout(line)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.cancel_button, self.apply_button):
            buttons.addWidget(b)
        ll.addLayout(buttons)
        ll.addWidget(self.progress)
        ll.addWidget(self.status)
        self.trials_table = QTableWidget(0, 0)
        self.trials_table.verticalHeader().hide()
        self.trials_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.trials_table.setSortingEnabled(True)
        self.trials_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.history = style.layout_widget()
        self.history_plot = style.style_plot(self.history.addPlot(), "Optimisation history",
                                             bottom="trial")
        self.importance = style.layout_widget()
        self.importance_plot = style.style_plot(self.importance.addPlot(), "Parameter importances")
        self.parallel = style.layout_widget()
        self.parallel_plot = style.style_plot(self.parallel.addPlot(), "Parallel coordinates")
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        for w, name in ((self.trials_table, "Trials"), (self.history, "History"),
                        (self.importance, "Importances"), (self.parallel, "Parallel coordinates")):
            self.views.addTab(w, name)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.views)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)
        self._sync()

    # ----- the space ---------------------------------------------------------------------------
    def add_dimension(self, path: str, choices=None, value=None) -> None:
        """Add (or re-select) one setting, with a range around its current value (`value`, or
        the project's)."""
        for i in range(self.space_table.rowCount()):
            if self.space_table.item(i, 0).text() == path:
                self.space_table.selectRow(i)
                return
        if value is None:
            value = get_value(self.document.project, path)
        kind, text = default_range(value, choices)
        i = self.space_table.rowCount()
        self.space_table.insertRow(i)
        name = QTableWidgetItem(path)
        name.setFlags(name.flags() & ~Qt.ItemIsEditable)
        self.space_table.setItem(i, 0, name)
        combo = QComboBox()
        combo.addItems(KIND_NAMES)
        combo.setCurrentText(kind)
        self.space_table.setCellWidget(i, 1, combo)
        self.space_table.setItem(i, 2, QTableWidgetItem(text))
        self.space_table.selectRow(i)

    @Slot()
    def remove_selected(self) -> None:
        for i in sorted({ix.row() for ix in self.space_table.selectedIndexes()}, reverse=True):
            self.space_table.removeRow(i)

    def space(self) -> dict:
        """The table as SPACE.json; SpaceError naming the row that cannot be read."""
        out = {}
        for i in range(self.space_table.rowCount()):
            path = self.space_table.item(i, 0).text()
            kind = self.space_table.cellWidget(i, 1).currentText()
            try:
                values = json.loads(self.space_table.item(i, 2).text())
            except json.JSONDecodeError:
                raise SpaceError(f'"{path}": write the range as [low, high] or the values as '
                                 '[a, b, c].', field=path) from None
            out[path] = {kind: values}
        return check_space(out, self.document.project)

    # ----- running -----------------------------------------------------------------------------
    @Slot()
    def _sync(self) -> None:
        busy = self.task.busy
        self.start_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.apply_button.setEnabled(not busy and bool(self.result and self.result.best))
        self.busy_changed.emit(busy)

    def storage(self) -> str:
        folder = self.runs_folder()
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(folder / 'search.db').resolve()}"

    @Slot()
    def start(self) -> bool:
        if self.task.busy:
            return False
        try:
            space = self.space()
        except SpaceError as err:
            self.status.setText(err.message)
            return False
        from netbuilder.spec import parse_project

        project = parse_project(self.document.project.to_dict())
        args = {"storage": self.storage(),
                "study": self.study.text().strip() or default_study_name(project),
                "metric": self.score.currentText(), "sampler": self.sampler.currentText(),
                "workers": self.workers.value()}
        base, n = self.base_dir(), self.trials.value()
        self.log_axes = {k for k, v in space.items() if "log_uniform" in v}
        self.rows, self.result = [], None
        self.trials_table.setRowCount(0)
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.status.setText(f"Study {args['study']}: adding {n} trials…")
        self.task.start(lambda state: search(
            project, base, space, n, on_event=state.emit, should_stop=state.should_stop, **args))
        self._sync()
        return True

    @Slot(object)
    def _on_event(self, event) -> None:
        if event[0] == "trial":
            self.rows.append(event[1])
            self._fill_trials(self.rows)
            self._draw_history(self.rows)
        elif event[0] == "progress":
            _, done, total, eta = event
            self.progress.setValue(done)
            self.status.setText(eta_text(done, total, eta, "trials"))

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.result = result
        self.rows = list(result.trials)
        self._fill_trials(self.rows)
        self._draw_history(self.rows)
        self._draw_importances(result.importances)
        self._draw_parallel(self.rows)
        best = result.best
        counts = result.to_json()["states"]
        states = ", ".join(f"{n} {s}" for s, n in counts.items())
        cancelled = "Cancelled. " if self.task.latest.stop_requested else ""
        self.status.setText(f"{cancelled}Study {result.study}: {len(result.trials)} trials ({states})."
                            + (f" Best: trial {best['trial']}, {result.metric} {best['value']:.4g}."
                               if best else ""))
        self.progress.setValue(self.progress.maximum())
        self._sync()

    @Slot(object)
    def _on_failed(self, failure) -> None:
        message, details = failure.message, failure.details
        self.status.setText(f"The search failed: {message}")
        self.status.setToolTip(details)

    @Slot()
    def apply_best(self) -> bool:
        if not (self.result and self.result.best):
            return False
        best = self.result.best
        try:
            project = apply_params(self.document.project, best["params"])
        except SpaceError as err:
            self.status.setText(f"The best trial's values no longer fit the project: {err.message}")
            return False
        self.document.push(ReplaceContent(self.document, project, f"Apply best trial {best['trial']}"))
        self.status.setText(f"Applied trial {best['trial']}: " + ", ".join(
            f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in best["params"].items()))
        return True

    # ----- views -------------------------------------------------------------------------------
    def _fill_trials(self, rows: list[dict]) -> None:
        params = list(dict.fromkeys(k for r in rows for k in r["params"]))
        headers = ["Trial", "State", "Value", "Epochs", "Seconds", *params]
        table = self.trials_table
        table.setSortingEnabled(False)
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = [r["trial"], r["state"], r["value"], r["epochs"], r["seconds"],
                      *[r["params"].get(p) for p in params]]
            for j, v in enumerate(values):
                item = QTableWidgetItem()
                item.setData(Qt.DisplayRole, round(v, 6) if isinstance(v, float) else
                             ("" if v is None else v))
                if j == 1 and r["error"]:
                    item.setToolTip(r["error"])
                table.setItem(i, j, item)
        table.setSortingEnabled(True)

    def _draw_history(self, rows: list[dict]) -> None:
        plot = self.history_plot
        plot.clear()
        done = sorted((r["trial"], r["value"]) for r in rows
                      if r["state"] == "complete" and isinstance(r["value"], float))
        if not done:
            return
        xs, ys = zip(*done)
        plot.plot(list(xs), list(ys), pen=None, symbol="o", symbolSize=7,
                  symbolBrush=style.TRAIN, symbolPen=None)
        maximize = self.score.currentText() not in ("val_loss", "mse", "mae")
        best, line = None, []
        for y in ys:
            best = y if best is None else (max(best, y) if maximize else min(best, y))
            line.append(best)
        plot.plot(list(xs), line, pen=pg.mkPen(style.VAL, width=2), stepMode=None)
        style.keyed_title(plot, "Optimisation history", [("trial", style.TRAIN, "●"),
                                                         ("best so far", style.VAL, "━")])

    def _draw_importances(self, importances: dict) -> None:
        plot = self.importance_plot
        plot.clear()
        if not importances:
            plot.setTitle("Parameter importances (need two or more different finished trials)")
            return
        names = list(importances)[::-1]
        values = [importances[n] for n in names]
        plot.addItem(pg.BarGraphItem(x0=0, y=list(range(len(names))), height=0.6, width=values,
                                     brush=style.TRAIN))
        plot.getAxis("left").setTicks([list(enumerate(names))])
        style.style_plot(plot, "Parameter importances")

    def _draw_parallel(self, rows: list[dict]) -> None:
        plot = self.parallel_plot
        plot.clear()
        done = [r for r in rows if r["state"] == "complete" and isinstance(r["value"], float)]
        params = list(dict.fromkeys(k for r in done for k in r["params"]))
        if not done or not params:
            return
        axes = [*params, "value"]
        columns = {a: [r["params"].get(a) if a != "value" else r["value"] for r in done] for a in axes}
        scaled = {a: _unit(v, log=a in self.log_axes) for a, v in columns.items()}
        values = columns["value"]
        lo, hi = min(values), max(values)
        maximize = self.score.currentText() not in ("val_loss", "mse", "mae")
        for i in range(len(done)):
            good = (values[i] - lo) / (hi - lo) if hi > lo else 1.0
            good = good if maximize else 1.0 - good
            color = pg.mkColor(style.VAL if good > 0.8 else style.TRAIN)
            color.setAlphaF(0.5 + 0.5 * good)
            plot.plot(list(range(len(axes))), [scaled[a][i] for a in axes],
                      pen=pg.mkPen(color, width=1 + 2 * good))
        plot.getAxis("bottom").setTicks([list(enumerate(axes))])
        plot.getAxis("left").setTicks([[(0, "low"), (1, "high")]])
        plot.setXRange(-0.4, len(axes) - 0.6, padding=0)  # room for the first and last names


def _unit(values: list, log: bool = False) -> list[float]:
    """Values mapped to [0, 1] for one parallel-coordinates axis (choices by their order)."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        order = list(dict.fromkeys(map(str, values)))
        return [order.index(str(v)) / max(1, len(order) - 1) for v in values]
    xs = [math.log10(v) if log and v > 0 else float(v) for v in values]
    lo, hi = min(xs), max(xs)
    return [(x - lo) / (hi - lo) if hi > lo else 0.5 for x in xs]
