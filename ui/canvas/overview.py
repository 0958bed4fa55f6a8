"""Far-away drawing: below OVERVIEW_ZOOM the view paints the whole graph itself in a few batched calls.

Thousands of nodes are then a few pixels each; asking every item to paint itself costs a Python call
per item and dominates the frame. Instead the geometry (node rectangles by colour, edges as straight
polylines) is collected once per scene revision and drawn with drawRects / drawLines."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from .. import theme
from ..layout import NODE_H, NODE_W

OVERVIEW_ZOOM = 0.3  # the node / edge items switch to plain blocks and lines below this zoom too


class Overview:
    def __init__(self, scene):
        self.scene = scene
        self._revision = -1
        self._theme = None

    def _collect(self) -> None:
        t = theme.current()
        fills: dict[str, list[QRectF]] = {}
        errors, selected, flagged = [], [], []
        for item in self.scene.nodes.values():
            if not item.isVisible():
                continue
            x, y = item.corner
            r = QRectF(x, y, NODE_W, NODE_H)
            fills.setdefault(item.color_name, []).append(r)
            if item.errors:
                errors.append(r)
            elif item.isSelected():
                selected.append(r)
            if item.flag:
                flagged.append(r.adjusted(-4, -4, 4, 4))
        lines = {t.edge: [], t.error: [], t.accent: []}
        for e in self.scene.edges.values():
            if e.isVisible():
                key = t.accent if e.isSelected() else (t.error if e.bad else t.edge)
                # made here one after another, from the edges' floats: drawLines converts every
                # line from Python on each frame, and lines made scattered over the heap (as each
                # edge made its own) took twice as long to read; made from floats, the first
                # collect (on the first paint of a fitted 5,000-node project) takes half as long
                lines[key] += [QLineF(*s) for s in e.segments()]
        self._fills, self._lines = fills, lines
        self._outlines = [(t.error, errors), (t.accent, selected), (t.warning, flagged)]
        self._revision, self._theme = self.scene.revision, t

    def paint(self, painter: QPainter, zoom: float) -> None:
        if self._revision != self.scene.revision or self._theme is not theme.current():
            self._collect()
        painter.setRenderHint(QPainter.Antialiasing, False)
        for color, lines in self._lines.items():
            if lines:
                painter.setPen(QPen(QColor(color), 0))
                painter.drawLines(lines)
        painter.setPen(Qt.NoPen)
        for color, rects in self._fills.items():
            painter.setBrush(QColor(color))
            painter.drawRects(rects)
        painter.setBrush(Qt.NoBrush)
        width = max(2.0, 3.0 / max(zoom, 1e-6) ** 0.5)  # stays visible however far out
        for color, rects in self._outlines:
            if rects:
                painter.setPen(QPen(QColor(color), width))
                painter.drawRects(rects)
