"""The Cross-validation tab: k folds of the current project in the background, per-fold curves
as they train, then a table of each fold's scores and mean ± std per metric."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netbuilder.experiments import parallel
from netbuilder.experiments.cv import cross_validate
from ui.tasks import Tasks
from ui.training.threads import use_cores_in_this_thread

from ..training import style
from .eta import eta_text


def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    box.setToolTip(tip)
    return box


class CVPanel(QWidget):
    def __init__(self, document, base_dir, parent=None):
        """`base_dir()`: the folder the project's relative data paths start from."""
        super().__init__(parent)
        self.document, self.base_dir = document, base_dir
        self.task = Tasks(self, name="netbuilder-cv", prepare=use_cores_in_this_thread)
        self.task.event.connect(self._on_event)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.task.ended.connect(self._sync)
        self.result = None
        self.folds = _spin(2, 50, 5, "Number of folds: each sample is held out once")
        self.epochs = _spin(0, 100000, 0, "Epochs per fold (0: the project's)")
        self.epochs.setSpecialValueText("project's")
        self.workers = _spin(1, max(1, parallel.cores()), parallel.default_workers(5),
                             "Folds trained side by side, each in its own process")
        self.start_button = QPushButton("Cross-validate")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.task.stop)  # what it finished still shows
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.status = QLabel("Train the project k times, each time holding out another fold.")
        self.status.setObjectName("dim")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        bar = QHBoxLayout()
        for label, w in (("Folds", self.folds), ("Epochs", self.epochs), ("Workers", self.workers)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addWidget(self.start_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, 1)
        self.plots = style.layout_widget()
        self.loss_plot = style.style_plot(self.plots.addPlot(row=0, col=0), "val_loss per fold",
                                          bottom="epoch")
        self.metric_plot = style.style_plot(self.plots.addPlot(row=0, col=1), "metric per fold",
                                            bottom="epoch")
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.plots)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self.histories: dict[int, list[dict]] = {}
        self._sync()

    @Slot()
    def _sync(self) -> None:
        self.start_button.setEnabled(not self.task.busy)
        self.cancel_button.setEnabled(self.task.busy)

    @Slot()
    def start(self) -> bool:
        if self.task.busy:
            return False
        from netbuilder.session import Overrides
        from netbuilder.spec import parse_project

        project = parse_project(self.document.project.to_dict())  # a snapshot: edits go on
        folds, workers = self.folds.value(), self.workers.value()
        overrides = Overrides(epochs=self.epochs.value() or None)
        base = self.base_dir()
        self.histories, self.result = {}, None
        self.loss_plot.clear()
        self.metric_plot.clear()
        self.table.setRowCount(0)
        self.progress.setRange(0, 0)
        self.status.setText(f"Preparing {folds} folds…")
        self.task.start(lambda state: cross_validate(
            project, base, folds, overrides=overrides, workers=workers, on_event=state.emit,
            should_stop=state.should_stop))
        self._sync()
        return True

    @Slot(object)
    def _on_event(self, event) -> None:
        if event[0] == "epoch":
            _, fold, _epoch, logs = event
            self.histories.setdefault(fold, []).append(logs)
            self._draw()
        elif event[0] == "progress":
            _, done, total, eta = event
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(eta_text(done, total, eta, "epochs"))

    def _metric_key(self) -> str | None:
        for history in self.histories.values():
            for key in history[-1]:
                if key.startswith("val_") and key not in ("val_loss", "val_on_train"):
                    return key
        return None

    def _draw(self) -> None:
        metric = self._metric_key()
        for plot, key in ((self.loss_plot, "val_loss"), (self.metric_plot, metric)):
            plot.clear()
            series = []
            for fold, history in sorted(self.histories.items()):
                points = [(r["epoch"], r[key]) for r in history if isinstance(r.get(key), float)]
                if points:
                    color = style.series_color(fold - 1)
                    xs, ys = zip(*points)
                    plot.plot(list(xs), list(ys), pen=pg.mkPen(color, width=2), symbol="o",
                              symbolSize=4, symbolBrush=color, symbolPen=None)
                    series.append((f"fold {fold}", color, "━"))
            style.keyed_title(plot, f"{key or 'metric'} per fold", series)

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.result = result
        self.histories = {f["fold"]: f["history"] for f in result.folds}
        self._draw()
        keys = sorted(result.mean, key=lambda k: k.endswith("loss"))  # the metrics first
        self.table.setColumnCount(len(keys) + 1)
        self.table.setHorizontalHeaderLabels(["", *keys])
        rows = [(f"fold {f['fold']} ({f['n_val']} held out)", f["metrics"]) for f in result.folds]
        self.table.setRowCount(len(rows) + 1)
        for i, (name, metrics) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            for j, key in enumerate(keys):
                value = metrics.get(key)
                text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else ""
                self.table.setItem(i, j + 1, QTableWidgetItem(text))
        last = len(rows)
        head = QTableWidgetItem("mean ± std")
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        self.table.setItem(last, 0, head)
        for j, key in enumerate(keys):
            item = QTableWidgetItem(f"{result.mean[key]:.4g} ± {result.std[key]:.2g}")
            item.setFont(font)
            self.table.setItem(last, j + 1, item)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        word = "stopped" if result.status != "done" else "done"
        self.status.setText(f"{len(result.folds)} folds, {result.strategy}: {word}. "
                            + " ".join(result.notes))

    @Slot(object)
    def _on_failed(self, failure) -> None:
        message, details = failure.message, failure.details
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(f"Cross-validation failed: {message}")
        self.status.setToolTip(details)
