"""The Evaluation tab: validation metrics live during training, full evaluation after it.

Classifiers: accuracy, precision, recall, F1, AUC, ROC curves and a confusion-matrix heatmap.
Regressors: MSE, RMSE, MAE, R² and predicted-vs-actual. Numbers come from netbuilder.metrics
(through the TrainResult), never recomputed here."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui import theme

from . import style

LABELS = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1",
          "auroc": "AUC", "mse": "MSE", "rmse": "RMSE", "mae": "MAE", "r2": "R²"}
CLASSIFIER = ("accuracy", "precision", "recall", "f1", "auroc")
REGRESSION = ("mse", "rmse", "mae", "r2")

IDLE_TEXT = "Train a model to see its evaluation on the validation split."


class MetricCard(QLabel):
    def __init__(self, name: str):
        super().__init__()
        self.name = name
        t = theme.current()
        self.setStyleSheet(f"background: {t.panel}; border: 1px solid {t.border}; "
                           f"border-radius: 6px; padding: 6px 12px;")
        self.setAlignment(Qt.AlignCenter)
        self.set_value(None)

    def set_value(self, value) -> None:
        t = theme.current()
        text = "—" if value is None or not math.isfinite(value) else f"{value:.4f}"
        self.setText(f"<div style='color:{t.dim_text}; font-size:11px'>{LABELS[self.name]}"
                     f"</div><div style='font-size:20px; font-weight:600'>{text}</div>")


class EvaluationPanel(QWidget):
    cell_clicked = Signal(int, int)  # a confusion-matrix cell: true class (row), predicted (column)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values: dict[str, float] = {}
        self.status = QLabel(IDLE_TEXT)
        self.status.setObjectName("dim")
        self.cards = {name: MetricCard(name) for name in CLASSIFIER + REGRESSION}
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)
        cards.addStretch(1)
        self.graphics = style.layout_widget()
        self.roc_plot = style.style_plot(self.graphics.addPlot(row=0, col=0), "ROC curve",
                                         left="true positive rate",
                                         bottom="false positive rate")
        self.cm_plot = style.style_plot(self.graphics.addPlot(row=0, col=1), "Confusion matrix",
                                        left="actual", bottom="predicted")
        self.scatter_plot = style.style_plot(self.graphics.addPlot(row=0, col=2),
                                             "Predicted vs actual", left="predicted",
                                             bottom="actual")
        self.roc_plot.setRange(xRange=(0, 1), yRange=(0, 1))
        self.cm_plot.invertY(True)
        self.cm_plot.setAspectLocked(True)
        self.cm_image = pg.ImageItem()
        self.cm_plot.addItem(self.cm_image)
        self.cm_texts: list[pg.TextItem] = []
        self.roc_legend = style.legend(self.roc_plot)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.cm_plot.setToolTip("Click a cell to see its samples in the Failures tab")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.status)
        layout.addLayout(cards)
        layout.addWidget(self.graphics, 1)
        self.set_task(None)

    def idle(self) -> None:
        self.status.setText(IDLE_TEXT)

    def _clicked(self, event) -> None:
        if self.cm_plot.isVisible() and self.cm_plot.sceneBoundingRect().contains(event.scenePos()):
            point = self.cm_plot.vb.mapSceneToView(event.scenePos())
            self.cell_clicked.emit(math.floor(point.y()), math.floor(point.x()))

    def set_task(self, task: str | None) -> None:
        regression = task == "regression"
        for name, card in self.cards.items():
            card.setVisible(task is not None and (name in REGRESSION) == regression)
        self.roc_plot.setVisible(not regression)
        self.cm_plot.setVisible(not regression)
        self.scatter_plot.setVisible(regression)

    def clear(self) -> None:
        self.values = {}
        for card in self.cards.values():
            card.set_value(None)
        self.roc_plot.clear()
        self.roc_legend.clear()
        self._clear_cm()
        self.scatter_plot.clear()
        self.status.setText("Training…")

    # ----- live, from epoch logs ---------------------------------------------------------------
    @Slot(int, object)
    def on_epoch(self, epoch: int, logs: dict) -> None:
        for key, value in logs.items():
            name = key.removeprefix("val_")
            if key.startswith("val_") and name in self.cards:
                self.values[name] = value
                self.cards[name].set_value(value)
        where = "training data" if logs.get("val_on_train") else "validation split"
        self.status.setText(f"Epoch {epoch}: metrics on the {where}, updated each epoch; "
                            "curves appear when training ends.")

    # ----- after the run -----------------------------------------------------------------------
    def show_result(self, result, task: str, class_names=None) -> None:
        self.set_task(task)
        self.values = dict(result.metrics)
        for name, value in result.metrics.items():
            if name in self.cards:
                self.cards[name].set_value(value)
        ev = result.evaluation or {}
        if task == "regression":
            self._draw_scatter(ev.get("predicted") or [], ev.get("actual") or [])
        else:
            self._draw_roc(ev.get("roc_curve") or [], class_names)
            self._draw_confusion(ev.get("confusion_matrix"), class_names)
        best = f" (weights of the best epoch, {result.best_epoch})" if result.best_epoch else ""
        test = getattr(result, "test_metrics", None) or {}
        scores = ", ".join(f"{LABELS.get(k, k)} {v:.4f}" for k, v in test.items()
                           if isinstance(v, float) and math.isfinite(v))
        held_out = f" Test split (held out, never used to choose the epoch): {scores}." if scores else ""
        self.status.setText(f"Evaluation on the validation split{best}.{held_out}")

    def _draw_roc(self, curves: list[dict], names) -> None:
        self.roc_plot.clear()
        self.roc_legend.clear()
        t = theme.current()
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen(t.dim_text, style=Qt.DashLine))
        binary = len(curves) == 1
        self.roc_legend.setColumnCount(1 if len(curves) <= 4 else 2)
        for i, c in enumerate(curves[:10]):  # more classes would be an unreadable tangle
            label = "ROC" if binary else (names[i] if names and i < len(names) else str(i))
            self.roc_plot.plot(c["fpr"], c["tpr"], pen=pg.mkPen(style.series_color(i), width=2),
                               name=label)
        auc = self.values.get("auroc")
        if auc is not None and math.isfinite(auc):
            self.roc_plot.setTitle(f"ROC curve  (AUC {auc:.3f})", color=t.text, size="10pt")

    def _clear_cm(self) -> None:
        for item in self.cm_texts:
            self.cm_plot.removeItem(item)
        self.cm_texts = []
        self.cm_image.clear()

    def _draw_confusion(self, matrix, names) -> None:
        self._clear_cm()
        if not matrix:
            return
        cm = np.asarray(matrix, dtype=float)
        n = len(cm)
        rows = cm.sum(axis=1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)  # recall per cell
        self.cm_image.setImage(share.T, levels=(0, 1))  # ImageItem is x-major: column = x
        self.cm_image.setColorMap(pg.colormap.get("viridis"))
        self.cm_image.setRect(0, 0, n, n)
        if n <= 12:
            for r in range(n):
                for c in range(n):
                    text = pg.TextItem(f"{int(cm[r, c])}", anchor=(0.5, 0.5),
                                       color="#000000" if share[r, c] > 0.6 else "#ffffff")
                    text.setPos(c + 0.5, r + 0.5)
                    self.cm_plot.addItem(text)
                    self.cm_texts.append(text)
        labels = names if names and len(names) == n else [str(i) for i in range(n)]
        ticks = [[(i + 0.5, str(labels[i])) for i in range(n)]] if n <= 20 else None
        self.cm_plot.getAxis("bottom").setTicks(ticks)
        self.cm_plot.getAxis("left").setTicks(ticks)
        self.cm_plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def _draw_scatter(self, predicted, actual) -> None:
        self.scatter_plot.clear()
        if not predicted:
            return
        t = theme.current()
        lo, hi = min(min(actual), min(predicted)), max(max(actual), max(predicted))
        self.scatter_plot.plot([lo, hi], [lo, hi], pen=pg.mkPen(t.dim_text, style=Qt.DashLine))
        self.scatter_plot.plot(actual, predicted, pen=None, symbol="o", symbolSize=4,
                               symbolPen=None, symbolBrush=style.TRAIN + "90")
