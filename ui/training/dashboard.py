"""The live dashboard: loss, metrics, learning rate, per-layer gradient norms, a histogram.

Nothing here listens to the trainer: a QTimer pulls the RunHistory at most REDRAW_HZ times a
second and redraws only when something new arrived."""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui import theme

from . import style
from .history import RunHistory

REDRAW_HZ = 20  # at most
PAINT_BUDGET = 0.05  # at most this share of wall time spent painting the plots
MAX_INTERVAL_MS = 1000


class TimedGraphics(pg.GraphicsLayoutWidget):
    """Measures its own paint time. Painting pyqtgraph holds the GIL (Python paint methods):
    ~16 ms a frame for these five plots, which at 20 Hz slowed a fast MLP's epochs 1.5-2x on
    2 cores. The dashboard lowers its rate so painting stays within PAINT_BUDGET."""

    def __init__(self):
        super().__init__()
        self.paint_ms = 0.0  # exponential average

    def paintEvent(self, event):
        start = time.perf_counter()
        super().paintEvent(event)
        took = (time.perf_counter() - start) * 1000
        self.paint_ms = took if not self.paint_ms else 0.7 * self.paint_ms + 0.3 * took


class Dashboard(QWidget):
    def __init__(self, history: RunHistory, parent=None):
        super().__init__(parent)
        self.history = history
        self.drawn_version = -1
        self.redraws = 0  # counted for tests and the bench
        self.graphics = style.layout_widget(TimedGraphics())
        g = self.graphics
        self.loss_plot = style.style_plot(g.addPlot(row=0, col=0), "Loss", bottom="step")
        self.metric_plot = style.style_plot(g.addPlot(row=0, col=1), "Validation metrics",
                                            bottom="epoch")
        self.lr_plot = style.style_plot(g.addPlot(row=0, col=2), "Learning rate", bottom="step")
        self.grad_plot = style.style_plot(g.addPlot(row=1, col=0, colspan=2),
                                          "Gradient norm per layer (log)", bottom="step")
        self.hist_plot = style.style_plot(g.addPlot(row=1, col=2), "Gradient histogram")
        self.grad_plot.setLogMode(y=True)
        self.lr_plot.getAxis("left").enableAutoSIPrefix(False)
        style.legend(self.loss_plot, columns=3)
        self.metric_legend = style.legend(self.metric_plot)
        self.grad_legend = style.legend(self.grad_plot, columns=4)
        self.step_curve = self.loss_plot.plot(pen=pg.mkPen(style.TRAIN + "90", width=1),
                                              name="steps")
        self.train_curve = self.loss_plot.plot(pen=pg.mkPen(style.TRAIN, width=2), symbol="o",
                                               symbolSize=5, symbolBrush=style.TRAIN,
                                               name="train")
        self.val_curve = self.loss_plot.plot(pen=pg.mkPen(style.VAL, width=2), symbol="o",
                                             symbolSize=5, symbolBrush=style.VAL, name="val")
        self.lr_curve = self.lr_plot.plot(pen=pg.mkPen(style.LR, width=2))
        self.metric_curves: dict[str, pg.PlotDataItem] = {}
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.hist_bars = pg.BarGraphItem(x=[], height=[], width=1, brush=style.TRAIN)
        self.hist_plot.addItem(self.hist_bars)

        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which layer's sampled gradients the histogram shows")
        self.layer_box.currentTextChanged.connect(self._layer_chosen)
        self.flag_label = QLabel()
        self.flag_label.setObjectName("error")
        self.flag_label.setWordWrap(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 0, 6, 0)
        bar.addWidget(self.flag_label, 1)
        bar.addWidget(QLabel("Histogram layer"))
        bar.addWidget(self.layer_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(g, 1)
        layout.addLayout(bar)

        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REDRAW_HZ)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    # ----- drawing -----------------------------------------------------------------------------
    @Slot()
    def refresh(self, force: bool = False) -> None:
        h = self.history
        if h.version == self.drawn_version and not force:
            return
        self.drawn_version = h.version
        self.redraws += 1
        self.step_curve.setData(h.steps, h.step_loss)
        ep_steps = [e.get("step", 0) for e in h.epochs]
        self.train_curve.setData(ep_steps, [e["train_loss"] for e in h.epochs])
        self.val_curve.setData(ep_steps, [_finite(e.get("val_loss")) for e in h.epochs])
        self.lr_curve.setData(h.steps, h.step_lr)
        if h.step_lr:  # a constant lr would otherwise sit in an arbitrary +-0.5 band
            self.lr_plot.setYRange(0, max(h.step_lr) * 1.15, padding=0)
        self._draw_metrics()
        self._draw_grads()
        self._draw_histogram()
        self._draw_flags()
        interval = max(1000 // REDRAW_HZ, self.graphics.paint_ms / PAINT_BUDGET)
        self.timer.setInterval(int(min(MAX_INTERVAL_MS, interval)))

    def clear(self) -> None:
        for curves, plot in ((self.metric_curves, self.metric_plot),
                             (self.grad_curves, self.grad_plot)):
            for curve in curves.values():
                plot.removeItem(curve)
            curves.clear()
        self.metric_legend.clear()
        self.grad_legend.clear()
        self.layer_box.clear()
        self.refresh(force=True)

    def _draw_metrics(self) -> None:
        h = self.history
        epochs = [e["epoch"] for e in h.epochs]
        for i, name in enumerate(h.metric_names()):
            curve = self.metric_curves.get(name)
            if curve is None:
                color = style.series_color(i + 2)
                curve = self.metric_plot.plot(pen=pg.mkPen(color, width=2), symbol="o",
                                              symbolSize=5, symbolBrush=color,
                                              name=name.removeprefix("val_"))
                self.metric_curves[name] = curve
            curve.setData(epochs, [_finite(e.get(name)) for e in h.epochs])

    def _draw_grads(self) -> None:
        h = self.history
        steps = np.asarray(h.grad_steps, dtype=float)
        for i, (name, norms) in enumerate(h.grad_norms.items()):
            curve = self.grad_curves.get(name)
            if curve is None:
                curve = self.grad_plot.plot(pen=pg.mkPen(style.series_color(i), width=1.5),
                                            name=name)
                self.grad_curves[name] = curve
                self.layer_box.addItem(name)
            values = np.asarray(norms, dtype=float)
            values[~(values > 0)] = np.nan  # log scale: zero and NaN are gaps, not errors
            curve.setData(steps, values, connect="finite")
            flagged = name in h.flags
            curve.setPen(pg.mkPen(theme.current().error if flagged else style.series_color(i),
                                  width=3 if flagged else 1.5))

    def _draw_histogram(self) -> None:
        name = self.layer_box.currentText()
        hist = self.history.histograms.get(name)
        if not hist:
            self.hist_bars.setOpts(x=[], height=[], width=1)
            return
        counts = hist["counts"]
        lo, hi = hist["min"], hist["max"]
        width = (hi - lo) / max(len(counts), 1)
        centers = [lo + width * (i + 0.5) for i in range(len(counts))]
        self.hist_bars.setOpts(x=centers, height=counts, width=width * 0.9)
        self.hist_plot.setTitle(f"Gradient histogram: {name}", color=theme.current().text,
                                size="10pt")

    def _draw_flags(self) -> None:
        flags = self.history.flags
        self.flag_label.setText("  ".join(
            f"⚠ {name}: {kind} gradient" for name, kind in flags.items()))

    @Slot(str)
    def _layer_chosen(self, name: str) -> None:
        self._draw_histogram()


def _finite(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else np.nan
