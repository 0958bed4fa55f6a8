"""An edge: a curve from an output port to an input port, labelled with the tensor shape it carries.

An edge whose plain curve would run behind other nodes (a skip connection down a column, or an
edge back up to the top of the next column) is routed through a free vertical lane beside them:
it bends out below its source, runs along the lane and bends back in above its target."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsItem

from ..layout import NODE_H, NODE_W
from . import pens as canvas_pens
from .pens import ANTIALIASING, NO_BRUSH

_SELECTABLE = QGraphicsItem.ItemIsSelectable  # read once: an enum looked up on the class costs 8 µs

BEND = 28.0  # how far below its source / above its target a routed edge turns (half a row gap)
CLEAR = 16.0  # distance a lane keeps from node sides

_label_font = QFont()
_label_font.setPixelSize(11)
_label_font.setFamilies(["JetBrains Mono", "DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])


def _handle_xy(ay: float, by: float) -> float:
    dy = by - ay
    return max(40.0, abs(dy) * 0.45) if dy > 0 else 80.0 + min(abs(dy), 400) * 0.25


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    """A vertical S-curve (flow runs top to bottom); longer handles when the target sits above."""
    return curve_xy(a.x(), a.y(), b.x(), b.y())


def curve_xy(ax: float, ay: float, bx: float, by: float) -> QPainterPath:
    """curve() from plain floats: made for each edge when it is first painted, hundreds in the
    first frame at a new place, so without a QPointF per point."""
    handle = _handle_xy(ay, by)
    path = QPainterPath()
    path.moveTo(ax, ay)
    path.cubicTo(ax, ay + handle, bx, by - handle, bx, by)
    return path


def routed_xy(ax: float, ay: float, bx: float, by: float, lane: float) -> QPainterPath:
    """Out of (ax, ay) downwards, along the vertical line x = lane, into (bx, by) from above."""
    y1, y2 = ay + BEND, by - BEND
    k = _routed_handle(y1, y2)
    path = QPainterPath()
    path.moveTo(ax, ay)
    path.cubicTo(ax, ay + k, lane, ay + k, lane, y1)
    path.lineTo(lane, y2)
    path.cubicTo(lane, by - k, bx, by - k, bx, by)
    return path


def _routed_handle(y1: float, y2: float) -> float:
    return 1.5 * BEND if y2 < y1 else 0.5 * BEND  # the lane runs upwards: U-turns at both ends


def node_boxes(scene, left: float, top: float, right: float, bottom: float, skip=()) -> list[tuple]:
    """(left, top, right, bottom) of the nodes touching the area (the other edges are no obstacles):
    plain floats, as routing asks this for every edge it lays."""
    if hasattr(scene, "corners_within"):
        corners = scene.corners_within(left, top, right, bottom)
    else:
        items = [i for i in scene.items(QRectF(QPointF(left, top), QPointF(right, bottom)))
                 if i.type() == QGraphicsItem.UserType + 1]
        corners = [(i, (i.pos().x(), i.pos().y())) for i in items]
    return [(x, y, x + NODE_W, y + NODE_H) for i, (x, y) in corners if i not in skip]


def free_lane(boxes: list[tuple], y1: float, y2: float, prefer: float) -> float:
    """The x nearest `prefer` where a vertical segment from y1 to y2 keeps CLEAR of every box
    (left, top, right, bottom)."""
    lo, hi = min(y1, y2), max(y1, y2)
    spans = sorted((left - CLEAR, right + CLEAR) for left, top, right, bottom in boxes
                   if bottom + CLEAR > lo and top - CLEAR < hi)
    for left, right in _merged(spans):
        if left < prefer < right:  # blocked: step out to the nearer side, the right one on a tie
            return left if prefer - left < right - prefer else right
    return prefer


@functools.lru_cache(maxsize=4096)
def label_width(text: str) -> float:
    """Width of a shape label's pill (the same few shapes label thousands of edges)."""
    return QFontMetricsF(_label_font).horizontalAdvance(text) + 16 if text else 0.0


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for left, right in spans:
        if out and left < out[-1][1]:
            out[-1][1] = max(out[-1][1], right)
        else:
            out.append([left, right])
    return [(a, b) for a, b in out]


class EdgeItem(QGraphicsItem):
    Type = QGraphicsItem.UserType + 2
    FLAGS = _SELECTABLE

    # what a new edge starts with, read from the class until set: thousands are made as a project
    # opens, and each attribute set in __init__ cost as much as a Qt call
    port_index = 0
    ports_seen = 0
    label = ""
    bad = False
    _ends: tuple[float, float, float, float] | None = None  # output and input point joined
    _curve: QPainterPath | None = None  # the drawn path, made when first needed
    lane: float | None = None  # x of the lane when routed around other nodes
    _polyline: list[QPointF] | None = None  # its coarse outline, made when first asked
    _label_rect = QRectF()  # never changed in place: replaced with each layout
    _label_at: QPointF | None = None  # where the label's text starts, made when first painted
    _bounds = QRectF()

    def __init__(self, edge, source_item, target_item):
        super().__init__()
        self.edge = edge
        self.source_item, self.target_item = source_item, target_item  # flags: see NetScene._unflagged
        self.setZValue(-1)  # below the nodes, which keep Qt's default z: one call less per node

    def type(self):
        return EdgeItem.Type

    def set_label(self, text: str, bad: bool) -> bool:
        if text != self.label or bad != self.bad:
            self.label, self.bad = text, bad
            self.update_path()
            return True
        return False

    def update_path(self, scene=None) -> None:
        """Where the edge runs: its lane, bounds and label, in plain floats. The curve and the
        outline are made when first painted or hit (thousands of edges open at once, and few
        of them are in view). `scene`: the one it is laid out for before it is added there."""
        if scene is None:
            scene = self.scene()
            self.prepareGeometryChange()
        ends = self.end_points()
        self.set_route(ends, self._find_lane(*ends, scene))

    def end_points(self) -> tuple[float, float, float, float]:
        """The output and the input point it joins, as floats."""
        return (*self.source_item.output_xy(), *self.target_item.input_xy(self.port_index))

    def set_route(self, ends: tuple[float, float, float, float], lane: float | None) -> None:
        """Lay it out between these points, along this lane (None: the plain curve); the scene
        finds the lanes of a whole project's edges at once (lanes.py) before adding them."""
        ax, ay, bx, by = ends
        self._ends, self._curve, self._polyline = ends, None, None
        self.lane = lane
        if lane is None:
            mx, my = (ax + bx) / 2, (ay + by) / 2  # the S-curve is symmetric about its centre
            h = _handle_xy(ay, by)
            left, right = min(ax, bx), max(ax, bx)  # the control points hold the curve
            top, bottom = min(ay, ay + h, by - h, by), max(ay, ay + h, by - h, by)
        else:
            y1, y2 = ay + BEND, by - BEND
            mx, my = lane, (y1 + y2) / 2
            k = _routed_handle(y1, y2)
            left, right = min(ax, bx, lane), max(ax, bx, lane)
            top, bottom = min(ay, ay + k, y1, y2, by - k, by), max(ay, ay + k, y1, y2, by - k, by)
        left, top, right, bottom = left - 6, top - 6, right + 6, bottom + 6
        self._label_at = None
        if self.label:
            lx, ly, lw = mx + 8, my - 9, label_width(self.label)
            self._label_rect = QRectF(lx, ly, lw, 18)
            left, top, right, bottom = min(left, lx), min(top, ly), max(right, lx + lw), max(bottom, ly + 18)
        else:
            self._label_rect = QRectF()
        self._bounds = QRectF(left, top, right - left, bottom - top)  # with the label's, in floats

    @property
    def _path(self) -> QPainterPath:
        if self._ends is None:
            return QPainterPath()
        if self._curve is None:
            ax, ay, bx, by = self._ends
            self._curve = curve_xy(ax, ay, bx, by) if self.lane is None else routed_xy(ax, ay, bx, by, self.lane)
        return self._curve

    def prepare(self) -> None:
        """Make the curve now if it is not (the view does it in idle time, prepare.py)."""
        if self._curve is None:
            self._path  # noqa: B018 - made and kept by the property

    @property
    def polyline(self) -> list[QPointF]:
        """A coarse outline of the path, for far-away drawing."""
        if self._polyline is None:
            if self._ends is None:
                return []
            ax, ay, bx, by = self._ends
            if self.lane is None:
                self._polyline = [QPointF(ax, ay), QPointF(bx, by)]
            else:
                self._polyline = [QPointF(ax, ay), QPointF(self.lane, ay + BEND), QPointF(self.lane, by - BEND),
                                  QPointF(bx, by)]
        return self._polyline

    def _find_lane(self, ax: float, ay: float, bx: float, by: float, scene) -> float | None:
        """None when the plain curve is clear of other nodes, else the x of a free lane."""
        if scene is None:
            return None
        if _handle_xy(ay, by) <= by - ay:  # downwards, its handles within its endpoints' box
            # (the plain curve stays in that box): so between adjacent rows, 56 px apart
            ends = (self.source_item, self.target_item)
            if not node_boxes(scene, min(ax, bx) - 4, ay + 4, max(ax, bx) + 4, by - 4, ends):
                return None
            prefer = bx
        else:
            prefer = (ax + bx) / 2
        y1, y2 = ay + BEND, by - BEND
        top, bottom = min(y1, y2) - CLEAR, max(y1, y2) + CLEAR
        if not node_boxes(scene, prefer - CLEAR, top, prefer + CLEAR, bottom):
            return prefer  # no node keeps CLEAR of the preferred line: free_lane would keep it too
        boxes = node_boxes(scene, min(ax, bx) - 2 * NODE_W, top, max(ax, bx) + 2 * NODE_W, bottom)
        return free_lane(boxes, y1, y2, prefer)

    @property
    def ends(self) -> tuple[float, float, float, float] | None:
        """The output and the input point it joins as laid out (None: not yet); with `lane`, its
        coarse outline (the far-away overview draws all edges' at once, see overview.py)."""
        return self._ends

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        out = stroker.createStroke(self._path)
        if not self._label_rect.isNull():
            out.addRect(self._label_rect)
        return out

    def paint(self, painter: QPainter, option, widget=None):
        pens = canvas_pens.current()
        lod = painter.worldTransform().m11()  # the view only scales (as levelOfDetailFromTransform)
        key = "selected" if self.isSelected() else ("bad" if self.bad else "plain")
        if lod < 0.3:
            painter.setRenderHint(ANTIALIASING, False)
            painter.setPen(pens.edge_hairline[key])
            painter.drawPolyline(self.polyline)
            return
        antialiased, pen, labelled = _look(pens, lod, painter.device().devicePixelRatioF())
        painter.setRenderHint(ANTIALIASING, antialiased)
        painter.setPen(pen[key])
        painter.setBrush(NO_BRUSH)
        path = self._curve
        painter.drawPath(self._path if path is None else path)
        if labelled and self.label:
            painter.setPen(pens.label_border[key])
            painter.setBrush(pens.color["label_bg"])
            painter.drawRoundedRect(self._label_rect, 9, 9)
            painter.setFont(_label_font)
            painter.setPen(pens.color["error"] if self.bad else pens.color["label_text"])
            if self._label_at is None:
                self._label_at = _centred_baseline(self._label_rect)
            painter.drawText(self._label_at, self.label)


_looks: dict[tuple, tuple[bool, dict, bool]] = {}


def _look(pens, lod: float, dpr: float) -> tuple[bool, dict, bool]:
    """How edges are drawn at this zoom and pixel ratio: antialiased or not, their pen for each
    key and whether labels show. Worked out once per zoom, not per edge (hundreds paint a frame)."""
    look = _looks.get((lod, dpr, pens))
    if look is None:
        if len(_looks) >= 8:  # a wheel zoom makes a new scale each frame
            _looks.clear()
        # a stroke thinner than a device pixel is drawn as a one-pixel hairline: the same on screen,
        # and Qt's cosmetic stroker skips outlining the curve
        pen = {key: p if p.widthF() * lod * dpr >= 1 else pens.edge_hairline[key] for key, p in pens.edge.items()}
        look = _looks[lod, dpr, pens] = (lod > 0.5, pen, lod >= 0.45)
    return look


@functools.cache
def _label_metrics() -> QFontMetricsF:
    return QFontMetricsF(_label_font)


def _centred_baseline(rect: QRectF) -> QPointF:
    """Where a label's text centred in its pill `rect` starts (as Qt.AlignCenter places it). The
    pill is the text's width plus 8 px a side (label_width), so the text starts 8 px in: no
    measuring of the text here (it was ~4 ms of the first frame that shows labels)."""
    fm = _label_metrics()
    return QPointF(rect.left() + 8, rect.top() + (rect.height() - fm.ascent() - fm.descent()) / 2 + fm.ascent())
