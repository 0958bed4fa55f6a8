"""Filters: the first convolution's kernels as images, and each layer's weight histogram over
time (an image of readings × bins, newest at the bottom), gathered from the trainer's reports."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from netbuilder.inspect import histogram_image

from . import jobs
from .pictures import colored, mosaic, picture_label, pixmap

MAX_READINGS = 400


class FiltersView(QWidget):
    KIND = "filters"

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.readings: dict[str, list[dict]] = {}  # layer -> weight histograms, oldest first
        self._seen_version = None
        self.filters_title = QLabel("First convolution")
        self.filters = picture_label()
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose weight distribution is drawn over time")
        self.hist_image = picture_label()
        self.hist_caption = QLabel()
        self.hist_caption.setObjectName("dim")
        self.hist_caption.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(self.filters_title)
        left.addWidget(self.filters, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Weight histogram over time"))
        right.addWidget(self.layer)
        right.addWidget(self.hist_image, 1)
        right.addWidget(self.hist_caption)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        controller.model_changed.connect(self.refresh)
        controller.result.connect(self._result)
        runner = controller.runner
        runner.grads_updated.connect(self._grads)
        runner.run_started.connect(self._run_started)
        self.layer.currentTextChanged.connect(self._draw_histograms)

    @Slot(object)
    def _run_started(self, info) -> None:
        self.readings = {}
        self.layer.clear()

    @Slot()
    def _grads(self) -> None:
        weights = (self.controller.runner.history.histograms or {}).get("weights") or {}
        for name, hist in weights.items():
            series = self.readings.setdefault(name, [])
            series.append(hist)
            del series[:-MAX_READINGS]
            if self.layer.findText(name) < 0:
                self.layer.addItem(name)
        if self.isVisible():
            self._draw_histograms()

    @Slot()
    def refresh(self) -> None:
        c = self.controller
        if self.isVisible() and c.project is not None:
            c.compute(self.KIND, jobs.filters, c.project)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()
        self._draw_histograms()

    @Slot(str, object)
    def _result(self, kind, value) -> None:
        if kind != self.KIND:
            return
        if value is None:
            self.filters_title.setText("First convolution: the graph has no Conv2d layer.")
            self.filters.clear()
            return
        node, kernels = value
        if kernels.ndim == 4:  # RGB kernels [out, 3, h, w]: a colour picture each
            maps = kernels.mean(axis=1)
        else:
            maps = kernels
        self.filters.setPixmap(pixmap(colored(mosaic(maps, pad=1), cmap="inferno"),
                                      self.filters.width(), self.filters.height()))
        self.filters_title.setText(f"First convolution '{node}': {len(kernels)} filters of "
                                   f"{kernels.shape[-2]}×{kernels.shape[-1]} "
                                   f"({self.controller.weights_text})")

    @Slot()
    def _draw_histograms(self, *args) -> None:
        name = self.layer.currentText()
        readings = self.readings.get(name) or []
        if not readings:
            self.hist_caption.setText("Weight histograms appear here while a run trains.")
            self.hist_image.clear()
            return
        image, lo, hi = histogram_image(readings)
        rgb = colored(np.sqrt(image), cmap="inferno")  # sqrt: thin tails still show
        self.hist_image.setPixmap(pixmap(rgb).scaled(self.hist_image.size()))
        self.hist_caption.setText(f"'{name}': {len(readings)} readings, oldest at the top; "
                                  f"weights from {lo:.3g} (left) to {hi:.3g} (right).")
