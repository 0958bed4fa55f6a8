"""The live dashboard: loss, metrics, learning rate, per-layer gradient norms, and a
gradient or weight histogram of one layer.

Nothing here listens to the trainer: a QTimer pulls the RunHistory at most REDRAW_HZ times a
second and redraws only when something new arrived, every plot with news at once, as often
as PAINT_BUDGET allows."""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from netbuilder.app.history import RunHistory
from ui import theme

from . import ranges, style

REDRAW_HZ = 20  # at most
# at most this share of wall time spent drawing and painting the plots. The GUI thread holds the
# GIL for most of it, and the training thread loses about as much: at 0.015 the draws of a
# fast MLP came every 1-1.5 s and cost it ~1.5%, which with the rest of the GUI's work
# (progress, the run's start and end) left it under 0.97 of the plain loop
PAINT_BUDGET = 0.01
MAX_INTERVAL_MS = 2000  # however slow a draw, every plot with news is redrawn this often
KEEP_DECADES = 0.3  # the gradient plot keeps its decades while the data spans this share


class TimedGraphics(pg.GraphicsLayoutWidget):
    """Measures its own paint time. Painting pyqtgraph holds the GIL (Python paint methods):
    ~16 ms a frame for these five plots, which at 20 Hz slowed a fast MLP's epochs 1.5-2x on
    2 cores. The dashboard lowers its rate so painting stays within PAINT_BUDGET."""

    def __init__(self):
        super().__init__()
        self.paint_total_s = 0.0  # all paints so far
        self.paints = 0  # counted for tests

    def paintEvent(self, event):
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_total_s += time.perf_counter() - start
        self.paints += 1


class Dashboard(QWidget):
    def __init__(self, history: RunHistory, parent=None):
        super().__init__(parent)
        self.history = history
        self.drawn_version = -1
        self.redraws = 0  # counted for tests and the bench
        # (steps, epochs, gradient readings) drawn; a reading brings its histograms, and a
        # reset history (each start) is no news: an empty run drew nothing but cost a paint
        self._seen = (-1, -1, -1)
        self._ranges: dict[pg.PlotItem, list] = {}  # view ranges set by _set_range
        self._zoomed: set[pg.PlotItem] = set()  # plots whose range the user took over
        self._hist_title = None
        self._epoch_ticks = 0  # tick spacing on the metric plot's epoch axis
        self._epochs_drawn = None  # (the epochs list, its length) the train/val curves show
        self._dirty: set[str] = set()  # sections with data not drawn yet
        self._draw_s = 0.0  # the last tick's drawing
        self._painted_s = 0.0  # paint_total_s after it: the paints since are that draw's
        self._cost_s = 0.0  # the last tick's drawing and paints
        self.graphics = style.layout_widget(TimedGraphics())
        g = self.graphics
        self.loss_plot = style.style_plot(g.addPlot(row=0, col=0), "Loss", bottom="step")
        # a table's regression target is standardised (docs/data.md): the loss is on that
        # scale, the metrics in the target's units
        self.loss_plot.setToolTip("The loss function's value. A regression target read from a "
                                  "table is standardised on the training rows, so its loss is "
                                  "in that scale; MAE and RMSE are in the target's own units.")
        self.metric_plot = style.style_plot(g.addPlot(row=0, col=1), "Validation metrics",
                                            bottom="epoch")
        self.lr_plot = style.style_plot(g.addPlot(row=0, col=2), "Learning rate", bottom="step")
        self.grad_plot = style.style_plot(g.addPlot(row=1, col=0, colspan=2),
                                          "Gradient norm per layer (log)", bottom="step")
        self.hist_plot = style.style_plot(g.addPlot(row=1, col=2), "Histogram")
        style.keyed_title(self.hist_plot, "Histogram", [])
        self.grad_plot.setLogMode(y=True)
        self.lr_plot.getAxis("left").enableAutoSIPrefix(False)
        style.keyed_title(self.loss_plot, "Loss", [("steps", style.TRAIN, "─"),
                                                   ("train", style.TRAIN, "━"),
                                                   ("val", style.VAL, "━")])
        self.step_curve = self._curve(self.loss_plot, pen=pg.mkPen(style.TRAIN + "90", width=1),
                                      name="steps")
        self.train_curve = self._curve(self.loss_plot, pen=pg.mkPen(style.TRAIN, width=2),
                                       symbol="o", symbolSize=5, symbolBrush=style.TRAIN,
                                       name="train")
        self.val_curve = self._curve(self.loss_plot, pen=pg.mkPen(style.VAL, width=2), symbol="o",
                                     symbolSize=5, symbolBrush=style.VAL, name="val")
        self.lr_curve = self._curve(self.lr_plot, pen=pg.mkPen(style.LR, width=2))
        self.metric_curves: dict[str, pg.PlotDataItem] = {}
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.hist_bars = pg.BarGraphItem(x=[], height=[], width=1, brush=style.TRAIN)
        self.hist_plot.addItem(self.hist_bars)
        for plot in self._plots():
            for name in ("left", "bottom"):
                # an unchanged axis (tick labels, grid) is a pixmap blit instead of a replay
                # of its text; with the sticky ranges (ranges.py) axes rarely change
                plot.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            # a left axis only widens (pyqtgraph also narrows it when its labels get 10 px
            # shorter), from room for "0.0000" on: each change of width re-lays out and
            # repaints all five plots, ~35-50 ms of GIL on the GUI thread, which happened on
            # most loss and lr draws, and at the first draws of each run
            left = plot.getAxis("left")
            left.setStyle(autoReduceTextSpace=False)
            left.textWidth = QFontMetrics(left.font()).horizontalAdvance("0.0000")  # no setter
            left._updateWidth()
            plot.getViewBox().sigRangeChangedManually.connect(
                lambda *_, p=plot: self._user_zoom(p, True))

        self.hist_kind = QComboBox()
        self.hist_kind.addItem("Gradients", "gradients")
        self.hist_kind.addItem("Weights", "weights")
        self.hist_kind.setToolTip("Histogram of the layer's gradients (how strongly it learns) "
                                  "or of its weights (what it has learned so far)")
        self.hist_kind.currentIndexChanged.connect(self._layer_chosen)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which layer's sampled values the histogram shows")
        self.layer_box.currentTextChanged.connect(self._layer_chosen)
        self.flag_label = QLabel()
        self.flag_label.setObjectName("error")
        self.flag_label.setWordWrap(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 0, 6, 0)
        bar.addWidget(self.flag_label, 1)
        bar.addWidget(QLabel("Histogram of"))
        bar.addWidget(self.hist_kind)
        bar.addWidget(QLabel("in layer"))
        bar.addWidget(self.layer_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(g, 1)
        layout.addLayout(bar)

        self._empty_axes()

        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REDRAW_HZ)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    # ----- drawing -----------------------------------------------------------------------------
    @Slot()
    def _tick(self) -> None:
        """Every plot with news at once, painted in one pass; then the next tick comes when
        this one's cost (its drawing and the paints that followed it) is PAINT_BUDGET of the
        wait. One plot per tick in turn kept each plot's paint short, but each plot then
        showed news every 3-5 s, and a paint pass costs ~1 ms however little it paints. A
        hidden tab draws nothing until shown."""
        if not self.isVisible():
            return
        self._note_changes()
        if not self._dirty:
            return
        painted = self.graphics.paint_total_s
        if self._painted_s is None:  # a new run's first draw: the last run's cost counts
            if len(self.history.steps) < 2:
                return  # until the loss has a line to show, the ticks stay quick
        else:
            self._cost_s = self._draw_s + painted - self._painted_s
        interval = max(1000 // REDRAW_HZ, self._cost_s * 1000 / PAINT_BUDGET)
        self.timer.setInterval(int(min(MAX_INTERVAL_MS, interval)))
        start = time.perf_counter()
        self._draw_dirty()
        self._draw_s, self._painted_s = time.perf_counter() - start, painted

    @Slot()
    def refresh(self, force: bool = False) -> None:
        """Everything now (the run's end, an explicit call)."""
        if self.history.version == self.drawn_version and not self._dirty and not force:
            return
        self._note_changes(force)
        self._draw_dirty()

    def _draw_dirty(self) -> None:
        for section in self.SECTIONS:
            if section in self._dirty:
                self._draw(section)
        # the views' new ranges into their transforms now: pyqtgraph defers that to the
        # paint, whose transform changes then mark the moved plots dirty again, and a second
        # paint pass followed each draw (~2.5 ms of GIL)
        self.graphics.scene().prepareForPaint()

    SECTIONS = ("loss", "grads", "lr", "hist", "metrics")

    def _note_changes(self, force: bool = False) -> None:
        h = self.history
        if h.version == self.drawn_version and not force:
            return
        self.drawn_version = h.version
        seen = (len(h.steps), len(h.epochs), len(h.grad_steps))
        old = self._seen if not force else (-1, -1, -1)
        self._seen = seen
        if seen[0] != old[0]:
            self._dirty |= {"loss", "lr", "grads"}  # the step axis they share may grow
        if seen[1] != old[1]:
            self._dirty |= {"loss", "metrics"}
        if seen[2] != old[2]:
            self._dirty |= {"grads", "hist"}

    def _draw(self, section: str) -> None:
        self._dirty.discard(section)
        self.redraws += 1
        h = self.history
        if section == "loss":
            self.step_curve.setData(h.steps, h.step_loss)
            if self._epochs_drawn != (id(h.epochs), len(h.epochs)):  # a step is no news here:
                self._epochs_drawn = (id(h.epochs), len(h.epochs))  # their symbols cost ~3 ms
                ep_steps = [e.get("step", 0) for e in h.epochs]
                self.train_curve.setData(ep_steps, [e["train_loss"] for e in h.epochs])
                self.val_curve.setData(ep_steps, [_finite(e.get("val_loss")) for e in h.epochs])
            self._range_steps(self.loss_plot)
        elif section == "lr":
            self.lr_curve.setData(h.steps, h.step_lr)
            self._range_steps(self.lr_plot)
        elif section == "metrics":
            self._draw_metrics()
        elif section == "grads":
            self._draw_grads()
            self._range_steps(self.grad_plot)
            self._draw_flags()
        else:
            self._draw_histogram()

    def _set_range(self, plot: pg.PlotItem, x=None, y=None) -> None:
        """Set a managed view range, unless the user has zoomed or panned this plot (its
        range is then no longer the one set here); the plot's "A" button hands it back."""
        vb = plot.getViewBox()
        last = self._ranges.get(plot)
        if self._taken_over(plot):
            self._user_zoom(plot, True)
            return
        current = vb.viewRange() if last is not None else [None, None]
        x, y = x or current[0], y or current[1]
        if x is None or y is None:
            x, y = x or [0, 1], y or [0, 1]
        if last is not None and _same([x, y], last) and not any(vb.state["autoRange"]):
            return
        vb.setRange(xRange=x, yRange=y, padding=0)
        self._ranges[plot] = [list(r) for r in vb.viewRange()]

    def _taken_over(self, plot: pg.PlotItem) -> bool:
        """Whether the user moved this plot's view from the range last set here (a zoom or a
        pan; the plot's "A" button, auto range, hands it back)."""
        last, vb = self._ranges.get(plot), plot.getViewBox()
        return last is not None and not any(vb.state["autoRange"]) and not _same(vb.viewRange(), last)

    def _forget_ranges(self) -> None:
        self._ranges.clear()
        for plot in list(self._zoomed):
            self._user_zoom(plot, False)

    def _curve(self, plot: pg.PlotItem, **opts) -> pg.PlotDataItem:
        """A curve without pyqtgraph's dynamic range limit while the plot's range is ours: a
        managed range holds all the data, so the limit never clips, but it re-plotted every
        curve (symbols included, ~1 ms each) at each change of y range."""
        return plot.plot(dynamicRangeLimit=1e6 if plot in self._zoomed else None, **opts)

    def _user_zoom(self, plot: pg.PlotItem, zoomed: bool) -> None:
        """A plot the user zoomed may show a sliver of far larger values: pyqtgraph's limit
        (it clips what lies 1e6 view heights away) is back on for its curves."""
        if zoomed == (plot in self._zoomed):
            return
        (self._zoomed.add if zoomed else self._zoomed.discard)(plot)
        for item in plot.listDataItems():
            if isinstance(item, pg.PlotDataItem):
                item.setDynamicRangeLimit(1e6 if zoomed else None)

    def _shrinks(self, epochs: int = 1) -> bool:
        """Whether a managed range may narrow to the data: once the run has `epochs` epochs
        (the metrics' first epoch is one point); before, a range kept from the last run only
        widens, or goes when it is far larger than the data (ranges.sticky)."""
        return len(self.history.epochs) >= epochs

    def _old(self, plot: pg.PlotItem, axis: int):
        last = self._ranges.get(plot)
        vb = plot.getViewBox()
        if last is None or any(vb.state["autoRange"]):
            return None
        return tuple(last[axis])

    def _range_steps(self, plot: pg.PlotItem) -> None:
        """x (and for loss and lr, y) of a plot over steps."""
        h = self.history
        ep_steps = [e.get("step", 0) for e in h.epochs]
        last = max(h.steps[-1] if h.steps else 0, max(ep_steps, default=0))
        if last <= 0:
            return
        lo = min(h.steps[0] if h.steps else last, min(ep_steps, default=last))
        start = max(0, (int(h.info.get("start_epoch", 1)) - 1)
                    * int(h.info.get("steps_per_epoch", 0)))
        lo = start if lo >= start else 0
        # the whole run from its start (3% room so that the last epoch's symbols are not cut
        # at the edge): the step axes stay put during the run; a growing range re-drew three
        # axes and their plots at each of its ~6 jumps
        cap = h.total_steps * 1.03
        x = ((lo, cap) if cap > lo and last <= cap
             else ranges.growing(self._old(plot, 0), last, cap=cap, lo=lo))
        if x is not None and self._old(plot, 0) == x:
            x = None
        y = None
        if plot is self.loss_plot:
            y = ranges.sticky(self._old(plot, 1), *ranges.bounds(
                h.step_loss, [e.get("train_loss") for e in h.epochs],
                [e.get("val_loss") for e in h.epochs]), floor=0.0, shrink=self._shrinks())
        elif plot is self.lr_plot:  # a constant lr would otherwise sit in a +-0.5 band
            _, top = ranges.bounds(h.step_lr)
            y = (ranges.sticky(self._old(plot, 1), 0.0, top, floor=0.0, shrink=self._shrinks())
                 if top > 0 else None)
        if x or y:
            self._set_range(plot, x, y)

    def clear(self, keep_layout: bool = False) -> None:
        """Back to empty plots: call once the history was reset for a new run or project.

        keep_layout (a new run of the same project: the Train button): the curve items, their
        keys, the layer chooser and the managed axis ranges stay, only their data goes; the new
        run's data then moves an axis only where it leaves the last run's range, and a curve
        goes only when the new run has no such series (expect() at its start, or its data).
        Re-keying, resetting the axes to 0..1 and re-creating the gradient curves re-laid out
        and re-rendered all ten axes twice per run (at the clear and at the first data), and
        the first gradient draw made its curves anew: ~100-250 ms of GUI thread holding the
        GIL per run, 2-3% of a few-second run (bench_training_gui --gui-only)."""
        if not keep_layout:
            for curves, plot in ((self.metric_curves, self.metric_plot),
                                 (self.grad_curves, self.grad_plot)):
                for curve in curves.values():
                    plot.removeItem(curve)
                curves.clear()
            self._key_titles()
            self.layer_box.clear()
            self._hist_title = None
            style.keyed_title(self.hist_plot, "Histogram", [])
            self._forget_ranges()
            self.refresh(force=True)  # the (empty) history: every curve loses its points
            self._empty_axes()
            return
        for plot in self._plots():  # a plot the user zoomed is managed again from this run
            if self._taken_over(plot):
                del self._ranges[plot]
                self._user_zoom(plot, False)
        for curve in (self.step_curve, self.train_curve, self.val_curve, self.lr_curve,
                      *self.metric_curves.values(), *self.grad_curves.values()):
            curve.setData([], [])
        # the new run's first data is drawn at the next tick, not after the last run's last
        # wait (up to MAX_INTERVAL_MS); the budget sets the waits after that draw
        self.timer.setInterval(1000 // REDRAW_HZ)
        self._draw_s, self._painted_s = 0.0, None
        self.hist_bars.setOpts(x=[], height=[], width=1)
        self.flag_label.setText("")
        self._epochs_drawn = None
        self._dirty.clear()
        h = self.history
        self.drawn_version = h.version
        self._seen = (len(h.steps), len(h.epochs), len(h.grad_steps))

    def expect(self, metrics: list[str] | None = None, layers: list[str] | None = None) -> None:
        """The series the starting run will have (its metric names, its layers): curves of
        others, kept by clear(keep_layout=True), go now, before its first data."""
        if metrics is not None:
            self._drop_stale(self.metric_curves, self.metric_plot,
                             {f"val_{name}" for name in metrics})
        if layers is not None:
            self._drop_stale(self.grad_curves, self.grad_plot, set(layers))
            if list(self.grad_curves) != [n for n in layers if n in self.grad_curves]:
                self._order_grad_curves(layers)

    def _empty_axes(self) -> None:
        """Plain axes for plots without data, instead of the last run's ranges; the log plot
        shows whole decades, as it does with data (its default minor labels overlap)."""
        for plot in self._plots():
            plot.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.grad_plot.getViewBox().setRange(yRange=_decades_view(-3, 0), padding=0)
        self._decade_ticks(-3, 0)

    def _decade_ticks(self, lo: int, hi: int) -> None:
        """Decade labels only: pyqtgraph labels minor log ticks too, and on a short plot they
        overlap; fixed ticks also keep the axis cached."""
        major = [(k, f"{10.0 ** k:g}") for k in range(lo, hi + 1)]
        minor = [(k + math.log10(m), "") for k in range(lo, hi) for m in range(2, 10)]
        self.grad_plot.getAxis("left").setTicks([major, minor])

    def rescale(self) -> None:
        """Forget the managed view ranges: the next draw fits them to the data again."""
        self._forget_ranges()
        for plot in self._plots():
            plot.enableAutoRange()
        self.refresh(force=True)

    def _key_titles(self) -> None:
        """Metric and gradient plot titles name their curves (a new curve re-lays out the
        plot once; this runs only when one is added)."""
        style.keyed_title(self.metric_plot, "Validation metrics", [
            (name.removeprefix("val_"), style.series_color(i + 2), "━")
            for i, name in enumerate(self.metric_curves)])
        style.keyed_title(self.grad_plot, "Gradient norm per layer (log)", [
            (name, style.series_color(i), "━") for i, name in enumerate(self.grad_curves)])

    def _plots(self) -> tuple[pg.PlotItem, ...]:
        return (self.loss_plot, self.metric_plot, self.lr_plot, self.grad_plot, self.hist_plot)

    def _drop_stale(self, curves: dict, plot: pg.PlotItem, current) -> None:
        """Curves of names the current run does not have (an earlier run's) go, with their keys."""
        stale = [name for name in curves if name not in current]
        for name in stale:
            plot.removeItem(curves.pop(name))
            if curves is self.grad_curves:
                self.layer_box.removeItem(self.layer_box.findText(name))
        if stale:
            self._key_titles()

    def _draw_metrics(self) -> None:
        h = self.history
        epochs = [e["epoch"] for e in h.epochs]
        names = h.metric_names()
        if epochs:  # no epoch yet: the curves kept from the last run (clear) wait, empty
            self._drop_stale(self.metric_curves, self.metric_plot, names)
        added = False
        for i, name in enumerate(names):
            curve = self.metric_curves.get(name)
            if curve is None:
                color = style.series_color(i + 2)
                curve = self._curve(self.metric_plot, pen=pg.mkPen(color, width=2), symbol="o",
                                    symbolSize=5, symbolBrush=color,
                                    name=name.removeprefix("val_"))
                self.metric_curves[name] = curve
                added = True
            color = style.series_color(i + 2)  # a kept curve takes this run's colour
            if getattr(curve, "_nb_color", color) != color:
                curve.setPen(pg.mkPen(color, width=2))
                curve.setSymbolBrush(color)
            curve._nb_color = color
            curve.setData(epochs, [_finite(e.get(name)) for e in h.epochs])
        if list(self.metric_curves) != names and set(self.metric_curves) == set(names):
            self.metric_curves = {name: self.metric_curves[name] for name in names}
            added = True
        if added:  # one re-key (a re-layout of the plot) for all the new curves
            self._key_titles()
        if epochs:
            last = max(max(epochs), int(h.info.get("epochs", 0)))
            x = (min(epochs) - 0.5, last + 0.5)
            spacing = max(1, int(ranges.nice_ceil((last - min(epochs) + 1) / 8)))
            if spacing != self._epoch_ticks:  # whole epochs only: no "1.5"
                self._epoch_ticks = spacing
                self.metric_plot.getAxis("bottom").setTickSpacing(spacing, spacing)
            y = ranges.sticky(self._old(self.metric_plot, 1), *ranges.bounds(
                *([e.get(name) for e in h.epochs] for name in h.metric_names())),
                shrink=self._shrinks(epochs=2))
            self._set_range(self.metric_plot, x, y)

    def _draw_grads(self) -> None:
        h = self.history
        steps = np.asarray(h.grad_steps, dtype=float)
        if h.grad_norms:  # no reading yet: the curves kept from the last run (clear) wait
            self._drop_stale(self.grad_curves, self.grad_plot, h.grad_norms)
        added = []
        for i, (name, norms) in enumerate(h.grad_norms.items()):
            curve = self.grad_curves.get(name)
            if curve is None:
                curve = self._curve(self.grad_plot, pen=pg.mkPen(style.series_color(i), width=1.5),
                                    name=name)
                self.grad_curves[name] = curve
                added.append(name)
            values = np.asarray(norms, dtype=float)
            values[~(values > 0)] = np.nan  # log scale: zero and NaN are gaps, not errors
            curve.setData(steps, values, connect="finite")
            flagged = name in h.flags
            pen = (theme.current().error, 3) if flagged else (style.series_color(i), 1.5)
            if getattr(curve, "_nb_pen", None) != pen:
                curve.setPen(pg.mkPen(pen[0], width=pen[1]))
                curve._nb_pen = pen
            dot = len(steps) == 1  # one reading (a short run) is no line: a dot shows it
            if getattr(curve, "_nb_dot", None) != (dot, pen):
                curve.setSymbol("o" if dot else None)
                curve.setSymbolSize(6)
                curve.setSymbolPen(None)
                curve.setSymbolBrush(pen[0])
                curve._nb_dot = (dot, pen)
        if added or list(self.grad_curves) != list(h.grad_norms):
            self._order_grad_curves(list(h.grad_norms))  # one re-key for all the new curves
        lo, hi = ranges.bounds(*([v for v in norms if v > 0] for norms in h.grad_norms.values()))
        if hi > 0:  # log scale: the view's y is in decades
            lo, hi = math.floor(math.log10(lo) - 0.05), math.ceil(math.log10(hi) + 0.05)
            old = self._old(self.grad_plot, 1)
            if old is None or not (old[0] <= lo and hi <= old[1]
                                   and hi - lo >= KEEP_DECADES * (old[1] - old[0])):
                self._set_range(self.grad_plot, None, _decades_view(lo, hi))
                self._decade_ticks(lo, hi)

    def _order_grad_curves(self, names: list[str]) -> None:
        """The gradient curves, their key and the layer chooser in the run's layer order
        (the order their colours follow), after curves were added or kept from a run with
        other layers; the chosen layer stays chosen where it still exists."""
        order = [n for n in names if n in self.grad_curves]
        order += [n for n in self.grad_curves if n not in order]
        self.grad_curves = {n: self.grad_curves[n] for n in order}
        items = [self.layer_box.itemText(i) for i in range(self.layer_box.count())]
        if items != order:
            chosen = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(order)
            if chosen in order:
                self.layer_box.setCurrentText(chosen)
            self.layer_box.blockSignals(False)
            if self.layer_box.currentText() != chosen:
                self._layer_chosen()
        self._key_titles()

    def _draw_histogram(self) -> None:
        name, kind = self.layer_box.currentText(), self.hist_kind.currentData()
        hist = self.history.histograms.get(kind, {}).get(name)
        if not hist:
            self.hist_bars.setOpts(x=[], height=[], width=1)
            return
        counts = hist["counts"]
        lo, hi = hist["min"], hist["max"]
        width = (hi - lo) / max(len(counts), 1)
        centers = [lo + width * (i + 0.5) for i in range(len(counts))]
        self.hist_bars.setOpts(x=centers, height=counts, width=width * 0.9)
        x = ranges.sticky(self._old(self.hist_plot, 0), lo, hi, pad=0.02, shrink=self._shrinks())
        y = ranges.sticky(self._old(self.hist_plot, 1), 0.0, max(counts, default=0) or 1.0,
                          floor=0.0, shrink=self._shrinks())
        if x or y:
            self._set_range(self.hist_plot, x, y)
        title = f"{self.hist_kind.currentText().removesuffix('s')} histogram: {name}"
        if title != self._hist_title:  # setTitle re-lays out the plot: only when it changes
            self._hist_title = title
            style.keyed_title(self.hist_plot, title, [])  # the title never widens its column

    def _draw_flags(self) -> None:
        flags = self.history.flags
        self.flag_label.setText("  ".join(
            f"⚠ {name}: {kind} gradient" for name, kind in flags.items()))

    @Slot()
    def _layer_chosen(self, *_) -> None:
        self._draw_histogram()


def _decades_view(lo: int, hi: int) -> tuple[float, float]:
    """The log plot's view of decades lo..hi, with room for the end labels (pyqtgraph drops a
    label that would stick out of its axis, and the end decades sit right on the edges)."""
    pad = 0.1 * (hi - lo) + 0.1
    return lo - pad, hi + pad


def _same(a, b) -> bool:
    return all(math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12)
               for ra, rb in zip(a, b) for u, v in zip(ra, rb))


def _finite(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else np.nan
