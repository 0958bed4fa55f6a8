"""A small overview in the canvas corner: every node as a dot, the visible area as a frame; click to go there.

It shows only while part of the graph is out of view: over a graph that is all visible it
would only hide nodes."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from netbuilder.app.problems import GRAPH
from netbuilder.limits import clamp_position

from .. import theme
from ..layout import NODE_H, NODE_W


@functools.cache
def _argb(color: str) -> int:
    return QColor(color).rgba()  # opaque: premultiplied or not, the same


def _pixel(np, coords, last: int):
    """Pixel indices of the coordinates, within 0..last (a position no float can map is put at 0)."""
    return np.clip(np.nan_to_num(np.rint(coords), nan=0.0), 0, last).astype(int)


class Minimap(QWidget):
    def __init__(self, view):
        super().__init__(view.viewport())
        self.view = view
        self.resize(200, 140)
        self._pixmap: QPixmap | None = None
        self._world = QRectF()
        self._bounds: QRectF | None = None
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        view.document.analyzed.connect(self.invalidate)
        view.document.nodes_moved.connect(self.invalidate)
        view.document.problems_changed.connect(lambda source: source != GRAPH and self.invalidate())

    @Slot()
    def invalidate(self) -> None:
        self._pixmap = None
        self._bounds = None
        self.sync()

    def _nodes_rect(self) -> QRectF:
        """Where the nodes are (cached until an edit or a move: sync runs on every scroll)."""
        if self._bounds is None:
            spots = [clamp_position(*n.pos) for n in self.view.document.project.nodes if n.pos]  # as placed
            self._bounds = QRectF()
            if spots:
                xs, ys = zip(*spots)
                self._bounds = QRectF(min(xs), min(ys), max(xs) - min(xs) + NODE_W,
                                      max(ys) - min(ys) + NODE_H)
        return self._bounds

    def sync(self) -> None:
        """Show (and repaint) when some node lies outside the view, else hide."""
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        world = self._nodes_rect()
        needed = not world.isEmpty() and not visible.contains(world)
        if needed != self.isVisible():
            self.setVisible(needed)
        if needed:
            self.update()

    def _mapping(self):
        w = self._world
        s = min((self.width() - 12) / max(w.width(), 1), (self.height() - 12) / max(w.height(), 1))
        ox = 6 + (self.width() - 12 - w.width() * s) / 2 - w.left() * s
        oy = 6 + (self.height() - 12 - w.height() * s) / 2 - w.top() * s
        return s, ox, oy

    def prepare(self) -> None:
        """Render the dots now if they are not, also while hidden: the view does it in idle time
        (prepare.py), as the first frame that showed the minimap rendered them (~7 ms at 5,000 nodes)."""
        if self._pixmap is None or self._pixmap.size() != self.size():
            self._render()

    def _render(self) -> None:
        import numpy as np  # imported when the overview is first drawn, not at start-up

        t = theme.current()
        bounds = self._nodes_rect()
        if bounds.isEmpty():
            bounds = QRectF(0, 0, NODE_W, NODE_H)
        self._world = bounds.adjusted(-40, -40, 40, 40)
        s, ox, oy = self._mapping()
        # the dots are set in a pixel array, a block per node, all nodes at once: a rect per node
        # made in Python took 28 ms at 5,000 nodes, in the first frame that shows the overview
        # and in the first after each edit
        items = list(self.view.net_scene.nodes.values())
        w, h = max(round(NODE_W * s), 2), max(round(NODE_H * s), 2)
        pixels = np.zeros((self.height(), self.width()), np.uint32)
        if items:
            corners = np.array([item.corner for item in items], dtype=float)
            xs = _pixel(np, ox + corners[:, 0] * s, self.width() - w)
            ys = _pixel(np, oy + corners[:, 1] * s, self.height() - h)
            argb = np.array([_argb(t.error if item.errors else item.color_name) for item in items], np.uint32)
            for dy in range(h):
                for dx in range(w):
                    pixels[ys + dy, xs + dx] = argb
        image = QImage(pixels.data, self.width(), self.height(), QImage.Format_ARGB32_Premultiplied)
        self._pixmap = QPixmap.fromImage(image)  # a copy: the array is freed when this returns

    def paintEvent(self, event):
        t = theme.current()
        p = QPainter(self)
        bg = QColor(t.panel)
        bg.setAlpha(235)
        p.setPen(QPen(QColor(t.border), 1))
        p.setBrush(bg)
        p.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        self.prepare()
        p.drawPixmap(0, 0, self._pixmap)
        s, ox, oy = self._mapping()
        r = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(ox + r.left() * s, oy + r.top() * s, r.width() * s, r.height() * s)
        frame = frame.intersected(QRectF(1, 1, self.width() - 2, self.height() - 2))
        p.setPen(QPen(QColor(t.accent), 1.5))
        fill = QColor(t.accent)
        fill.setAlpha(30)
        p.setBrush(fill)
        p.drawRect(frame)
        p.end()

    def _go(self, pos: QPointF) -> None:
        s, ox, oy = self._mapping()
        self.view.centerOn(QPointF((pos.x() - ox) / s, (pos.y() - oy) / s))

    def mousePressEvent(self, event):
        self._go(event.position())

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.LeftButton:
            self._go(event.position())
