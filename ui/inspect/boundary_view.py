"""The decision map: for two-feature inputs, the model's prediction over the input plane with
the training points on it, refreshed as training runs (TensorFlow Playground's picture)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from netbuilder.inspect.boundary import points_in_original_units, two_features
from ui.training import style

from . import jobs

MAX_POINTS = 600


def class_rgb(i: int) -> np.ndarray:
    c = QColor(style.series_color(i))
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def map_image(grid) -> np.ndarray:
    """RGB [rows, cols, 3]: each cell in its class's colour, paler where the model is unsure
    (for regression: the value through a colour map)."""
    if grid.classes is None:
        from .pictures import colored, unit
        return colored(unit(grid.confidence))
    colors = np.stack([class_rgb(i) for i in range(int(grid.classes.max()) + 1)])
    n = max(2, int(grid.classes.max()) + 1)
    sure = np.clip((grid.confidence - 1 / n) / (1 - 1 / n), 0, 1)[..., None]
    rgb = colors[grid.classes] * (0.25 + 0.6 * sure) + 255 * 0.15 * (1 - sure)
    return np.clip(rgb, 0, 255).astype(np.uint8)


class DecisionMap(QWidget):
    KIND = "boundary"

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.grid = None
        self.status = QLabel()
        self.status.setObjectName("dim")
        self.status.setWordWrap(True)
        self.plot_widget = pg.PlotWidget()
        self.plot = style.style_plot(self.plot_widget.getPlotItem(), "Decision map")
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#ffffff", width=1.2))  # seen on their own class
        self.plot.addItem(self.points)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.status)
        layout.addWidget(self.plot_widget, 1)
        controller.model_changed.connect(self.refresh)
        controller.result.connect(self._result)
        controller.failed.connect(self._failed)
        self._points_of = None

    def applies(self) -> bool:
        b = self.controller.bundle
        return b is not None and two_features(b) and self.controller.project is not None

    @Slot()
    def refresh(self) -> None:
        if not self.isVisible():
            return
        if not self.applies():
            self.status.setText("The decision map draws models with two input features (moons, "
                                "circles, spirals, XOR or a table of two columns).")
            self.image.clear()
            self.points.clear()
            return
        c = self.controller
        self.controller.compute(self.KIND, jobs.boundary, c.bundle, c.loss)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    @Slot(str, object)
    def _result(self, kind, grid) -> None:
        if kind != self.KIND:
            return
        self.grid = grid
        rgb = map_image(grid)
        self.image.setImage(np.transpose(rgb, (1, 0, 2)))  # ImageItem is x-major
        (x0, x1), (y0, y1) = grid.x_range, grid.y_range
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.plot.setLabel("bottom", grid.names[0])
        self.plot.setLabel("left", grid.names[1])
        self._draw_points()
        what = ("class and confidence" if grid.classes is not None else "predicted value")
        self.status.setText(f"The model's {what} over the input plane; dots are training "
                            f"samples. {self.controller.weights_text}.")

    def _draw_points(self) -> None:
        b = self.controller.bundle
        if self._points_of is b:
            return
        self._points_of = b
        x, y = b.x_train[:MAX_POINTS], b.y_train[:MAX_POINTS]
        pts = points_in_original_units(b, x)
        if b.task == "regression":
            brushes = [pg.mkBrush("#dddddd")] * len(pts)
        else:
            labels = y.reshape(len(y), -1)[:, 0].long().tolist()
            brushes = [pg.mkBrush(*(class_rgb(int(v)) * 0.75).astype(int)) for v in labels]
        self.points.setData(pos=pts, brush=brushes)
        self.plot.autoRange()

    @Slot(str, str)
    def _failed(self, kind, message) -> None:
        if kind == self.KIND:
            self.status.setText(f"Decision map failed: {message}")
