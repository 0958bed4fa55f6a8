"""The layer preview: the selected node's output for one sample, live while training runs;
edge tooltips with each tensor's statistics."""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ui.lazy import BuildOnShow
from ui.training import style

from . import jobs
from .pictures import colored, gray, mosaic, picture_label, pixmap, unit

PICTURE_W = 300


def stats_text(stats: dict) -> str:
    if "mean" not in stats:
        return f"shape {stats['shape']}: no finite values"
    text = (f"mean {stats['mean']:.3g} · std {stats['std']:.3g} · min {stats['min']:.3g} · "
            f"max {stats['max']:.3g} · zeros {stats['zeros']:.0%}")
    if stats.get("nonfinite"):
        text += f" · {stats['nonfinite']} NaN/inf"
    return text


def edge_tooltip(source: str, stats: dict) -> str:
    return f"{source} → {stats['shape']}\n{stats_text(stats)}"


class LayerPreview(QWidget):
    KIND = "preview"

    def __init__(self, controller, canvas=None, parent=None):
        super().__init__(parent)
        self.controller, self.canvas = controller, canvas
        self.node_id: str | None = None
        self.last = None  # the latest Preview shown
        self.paint_s = 0.0  # GUI-thread time spent turning results into pictures (the bench)
        self.title = QLabel("Select a layer to see its output.")
        self.title.setWordWrap(True)
        self.sample = QSpinBox()
        self.sample.setPrefix("sample ")
        self.sample.setToolTip("Which validation sample goes through the network")
        self.sample_label = QLabel()
        self.sample_label.setObjectName("dim")
        self.picture = picture_label(60)
        self.hist = BuildOnShow(self._build_hist)  # a plot: built with the first histogram
        self.hist.setFixedHeight(100)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.source = QLabel()
        self.source.setObjectName("dim")
        row = QHBoxLayout()
        row.addWidget(self.sample)
        row.addWidget(self.sample_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.hist)
        layout.addWidget(self.stats)
        layout.addWidget(self.source)
        self.hist.hide()
        controller.document.selection_changed.connect(self._selected)
        controller.model_changed.connect(self.refresh)
        controller.result.connect(self._result)
        controller.failed.connect(self._failed)
        self.sample.valueChanged.connect(self.refresh)
        self._sync_samples()

    def _build_hist(self):
        import pyqtgraph as pg

        plot = pg.PlotWidget()
        style.style_plot(plot.getPlotItem(), "", left="count", bottom="value")
        self.bars = pg.BarGraphItem(x=[], height=[], width=1, brush=style.TRAIN)
        plot.addItem(self.bars)
        return plot

    def _sync_samples(self) -> None:
        b = self.controller.bundle
        if self.controller.latent is not None:  # a generator / decoder: codes from the noise
            self.sample.setMaximum(9999)
            self.sample_label.setText(f"code {self.sample.value()}: {self.controller.noise} noise with seed "
                                      f"{self.sample.value()}")
            return
        if b is None:
            self.sample.setRange(0, 0)
            self.sample_label.setText("no data loaded")
            return
        split, x, y = jobs.eval_split(b)
        self.sample.setMaximum(len(x) - 1)
        i = self.sample.value()
        label = ""
        if b.class_names and y.ndim == 1 and not y.dtype.is_floating_point:
            label = f", class {b.class_names[int(y[i])]}"
        self.sample_label.setText(f"{split} sample {i} of {len(x)}{label}")

    @Slot(list)
    def _selected(self, ids: list) -> None:
        self.node_id = ids[0] if len(ids) == 1 else None
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        c = self.controller
        self._sync_samples()
        if c.project is None or (c.bundle is None and c.latent is None):
            self.title.setText("The preview needs a valid graph and loaded data.")
            return
        if not self.isVisible():
            return
        node = self.node_id if self.node_id and c.project.has_node(self.node_id) else None
        if node is None:
            self.title.setText("Select a layer to see its output." if not self.node_id else
                               f"'{self.node_id}' is not in the model the preview runs "
                               "(edited during the run?).")
        if c.latent is None:
            from netbuilder.session import input_mismatch

            mismatch = input_mismatch(c.project, c.bundle)
            if mismatch is not None:  # the problem's own words, not torch's "mat1 and mat2"
                self.title.setText("The preview needs data that fits the Input.")
                self._failed(self.KIND, str(mismatch))
                return
        x = c.preview_batch(self.sample.value())
        c.compute(self.KIND, jobs.node_preview, c.project, x, node, c.weights_text)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.last is not None:
            self._draw(self.last)  # the pictures follow the dock's size

    # ----- results ---------------------------------------------------------------------------
    @Slot(str, object)
    def _result(self, kind, value) -> None:
        if kind != self.KIND:
            return
        started = time.perf_counter()
        try:
            self._show(*value)
        finally:
            self.paint_s += time.perf_counter() - started

    def _show(self, p, stats, weights) -> None:
        project = self.controller.project
        if project is None or (p is not None and not project.has_node(p.node)):
            return  # computed for a model that is gone since (the graph broke, the window closes)
        self._set_edge_tips(stats)
        self.source.setText(weights)
        if p is None:
            self.picture.clear()
            self.hist.hide()
            self.stats.setText("")
            return
        self.last = p
        node_type = self.controller.project.node(p.node).type
        self.title.setText(f"<b>{p.node}</b> · {node_type} · output {p.shape}")
        heads = (f"attention weights of {len(p.attention)} heads (row = query, column = key); "
                 if p.attention is not None else "")
        self.stats.setText(heads + stats_text(p.stats) + "".join(f" · {n}" for n in p.notes)
                           + (f"<br>dead ReLUs: {p.dead_share:.0%} of units are zero for "
                              "every sample shown" if p.dead_share is not None else ""))
        self._draw(p)

    @Slot(str, str)
    def _failed(self, kind, message) -> None:
        if kind == self.KIND:
            self.last = None  # the pictures of an earlier result are not this graph's
            self.picture.clear()
            self.hist.hide()
            self.stats.setText(f"Preview failed: {message}")

    def _draw(self, p) -> None:
        width = max(120, min(self.picture.width(), 520))
        rgb = None
        if p.kind == "feature_maps":
            rgb = colored(mosaic(p.maps))
        elif p.kind == "image":
            img = p.maps
            rgb = gray(unit(img[0])) if img.shape[0] == 1 else (
                np.moveaxis(unit(img), 0, 2) * 255).astype(np.uint8)
        elif p.kind == "attention":
            rgb = colored(mosaic(p.attention, cols=math.ceil(math.sqrt(len(p.attention))), pad=1))
        elif p.kind == "dense":
            n = len(p.values)
            cols = max(1, math.ceil(math.sqrt(n * 4)))
            strip = np.full(math.ceil(n / cols) * cols, np.nan)
            strip[:n] = unit(p.values)
            rgb = colored(strip.reshape(-1, cols))
        elif p.values is not None and p.values.ndim == 2:
            rgb = colored(unit(p.values))
        if rgb is not None:
            self.picture.setPixmap(pixmap(rgb, width, max(80, self.picture.height())))
            self.picture.setToolTip({"feature_maps": "one map per channel (each scaled to its own range)",
                                     "attention": "attention weights per head: row = query, column = key",
                                     "dense": "each unit's value, row by row (scaled to the layer's range)"
                                     }.get(p.kind, ""))
        else:
            self.picture.clear()
        if p.histogram is not None:
            counts, edges = p.histogram
            centres = (edges[:-1] + edges[1:]) / 2
            self.hist.content()
            self.bars.setOpts(x=centres, height=counts, width=float(edges[1] - edges[0]) * 0.9,
                              brush=style.TRAIN)
            self.hist.show()
        else:
            self.hist.hide()

    def _set_edge_tips(self, stats: dict) -> None:
        if self.canvas is None:
            return
        for item in self.canvas.net_scene.edges.values():
            s = stats.get(item.edge.source)
            item.setToolTip(edge_tooltip(item.edge.source, s) if s else "")
