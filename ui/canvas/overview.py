"""Far-away drawing: below OVERVIEW_ZOOM the view paints the whole graph itself in a few batched calls.

Thousands of nodes are then a few pixels each; asking every item to paint itself costs a Python call
per item and dominates the frame. Instead the geometry (node rectangles by colour, edges as straight
polylines) is collected once per scene revision into numpy arrays and drawn with drawRects /
drawLines straight from them (batch.py)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from .. import theme
from ..layout import NODE_H, NODE_W
from .batch import draw_lines, draw_rects, floats
from .edge_item import BEND

OVERVIEW_ZOOM = 0.3  # the node / edge items switch to plain blocks and lines below this zoom too


class Overview:
    def __init__(self, scene):
        self.scene = scene
        self._revision = -1
        self._theme = None

    def _collect(self) -> None:
        t = theme.current()
        chosen = set(self.scene.selectedItems())
        nodes = [item for item in self.scene.nodes.values() if item.isVisible()]
        rects = _rects([item.corner for item in nodes])
        colors: dict[str, list[int]] = {}  # by colour, in the order the nodes first show it
        errors, selected, flagged = [], [], []
        for i, item in enumerate(nodes):
            colors.setdefault(item.color_name, []).append(i)
            if item.errors:
                errors.append(i)
            elif item in chosen:
                selected.append(i)
            if item.flag:
                flagged.append(i)
        lines = {t.edge: [], t.error: [], t.accent: []}  # drawn in this order
        plain, bad, accent = lines[t.edge], lines[t.error], lines[t.accent]
        for e in self.scene.edges.values():
            if e.ends is not None and e.isVisible():
                (accent if e in chosen else bad if e.bad else plain).append(e)
        self._fills = {color: np.ascontiguousarray(rects[index]) for color, index in colors.items()}
        self._lines = {color: _segments(edges) for color, edges in lines.items()}
        grown = rects[flagged] + (-4.0, -4.0, 8.0, 8.0)
        self._outlines = [(t.error, np.ascontiguousarray(rects[errors])),
                          (t.accent, np.ascontiguousarray(rects[selected])), (t.warning, floats(grown))]
        self._revision, self._theme = self.scene.revision, t

    def paint(self, painter: QPainter, zoom: float) -> None:
        if self._revision != self.scene.revision or self._theme is not theme.current():
            self._collect()
        painter.setRenderHint(QPainter.Antialiasing, False)
        for color, lines in self._lines.items():
            if len(lines):
                painter.setPen(QPen(QColor(color), 0))
                draw_lines(painter, lines)
        painter.setPen(Qt.NoPen)
        for color, rects in self._fills.items():
            painter.setBrush(QColor(color))
            draw_rects(painter, rects)
        painter.setBrush(Qt.NoBrush)
        width = max(2.0, 3.0 / max(zoom, 1e-6) ** 0.5)  # stays visible however far out
        for color, rects in self._outlines:
            if len(rects):
                painter.setPen(QPen(QColor(color), width))
                draw_rects(painter, rects)


def _rects(corners: list[tuple[float, float]]) -> np.ndarray:
    """(x, y, NODE_W, NODE_H) per node corner."""
    out = np.empty((len(corners), 4))
    out[:, :2] = floats(corners, 2)
    out[:, 2], out[:, 3] = NODE_W, NODE_H
    return out


def _segments(edges: list) -> np.ndarray:
    """The edges' coarse outlines (EdgeItem.polyline) as line rows (x1, y1, x2, y2): a plain edge's
    one, a lane's three legs (a zero-length leg left out)."""
    ends = floats([e.ends for e in edges])
    lane = np.array([np.nan if e.lane is None else e.lane for e in edges], dtype=np.float64)
    ax, ay, bx, by = ends.T
    plain = np.isnan(lane)
    legs = [ends[plain]]
    r = ~plain
    if r.any():
        x, y1, y2 = lane[r], ay[r] + BEND, by[r] - BEND
        for leg in (np.c_[ax[r], ay[r], x, y1], np.c_[x, y1, x, y2], np.c_[x, y2, bx[r], by[r]]):
            legs.append(leg[(leg[:, 0] != leg[:, 2]) | (leg[:, 1] != leg[:, 3])])
    return floats(np.concatenate(legs))
