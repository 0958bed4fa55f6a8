"""A node's frame (body, header, outline, flag ring, ports), rendered once per look and scale and
stamped onto every node that looks the same.

Drawn shape by shape, a frame cost a dozen calls from Python and as many rasterisations per node,
for hundreds of nodes in each frame of a pan or zoom; a stamp is one call. The texts, which differ
per node, are drawn over it by the node."""

from __future__ import annotations

import functools
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPixmap

from ..layout import NODE_H, NODE_W
from .pens import ANTIALIASING, NO_BRUSH, NO_PEN, Pens
from .port_item import RADIUS, input_positions

HEADER = 26.0
MARGIN = 8.0  # the frame reaches this far outside the node's rectangle (flag ring, ports)
RECT = QRectF(0, 0, NODE_W, NODE_H)
ORIGIN = QPointF(-MARGIN, -MARGIN)
_FLAG_RECT = RECT.adjusted(-4, -4, 4, 4)
_KEPT_SCALES = 2  # a wheel zoom makes a new scale each frame: older scales' stamps are dropped

_stamps: dict[tuple[float, float], dict[tuple, QPixmap]] = {}  # (lod, dpr) -> look -> stamp


@functools.cache
def header_path() -> QPainterPath:
    """The header's outline, rounded on top only: the same for every node, so made once."""
    header = QPainterPath()
    header.addRoundedRect(QRectF(0, 0, NODE_W, HEADER), 6, 6)
    header.addRect(QRectF(0, HEADER - 6, NODE_W, 6))
    return header.simplified()


@functools.lru_cache(maxsize=256)
def port_paths(n_inputs: int, connected: int, has_output: bool) -> tuple[QPainterPath, QPainterPath]:
    """The outlines of a node's ports: the filled ones (connected inputs, the output) and the empty ones."""
    filled, empty = QPainterPath(), QPainterPath()
    for i, p in enumerate(input_positions(n_inputs, NODE_W)):
        (filled if i < connected else empty).addEllipse(p, RADIUS, RADIUS)
    if has_output:
        filled.addEllipse(QPointF(NODE_W / 2, NODE_H), RADIUS, RADIUS)
    return filled, empty


def stamp(pens: Pens, color: QColor, outline: str, flagged: bool, ports: tuple[int, int, bool], lod: float,
          dpr: float) -> QPixmap:
    """The frame of a node of this colour, outline ("plain", "error" or "selected"), flag and port
    layout, as seen at this zoom (lod) on a device of this pixel ratio; drawn at ORIGIN."""
    at_scale = _stamps.get((lod, dpr))
    if at_scale is None:
        while len(_stamps) >= _KEPT_SCALES:
            del _stamps[next(iter(_stamps))]  # the oldest scale
        at_scale = _stamps[lod, dpr] = {}
    key = (id(pens), color.rgba(), outline, flagged, ports)
    pm = at_scale.get(key)
    if pm is None:
        pm = at_scale[key] = _render(pens, color, outline, flagged, ports, lod, dpr)
    return pm


def _render(pens: Pens, color: QColor, outline: str, flagged: bool, ports: tuple[int, int, bool], lod: float,
            dpr: float) -> QPixmap:
    scale = lod * dpr
    pm = QPixmap(math.ceil((NODE_W + 2 * MARGIN) * scale), math.ceil((NODE_H + 2 * MARGIN) * scale))
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.scale(scale, scale)
    p.translate(MARGIN, MARGIN)
    p.setRenderHint(ANTIALIASING, lod > 0.5)  # as the node was drawn when it drew itself
    p.setPen(NO_PEN)
    p.setBrush(pens.color["node"])
    p.drawRoundedRect(RECT, 6, 6)
    p.setBrush(color)
    p.drawPath(header_path())
    p.setPen({"error": pens.outline_error, "selected": pens.outline_selected}.get(outline, pens.outline))
    p.setBrush(NO_BRUSH)
    p.drawRoundedRect(RECT, 6, 6)
    if flagged:
        p.setPen(pens.flag)
        p.drawRoundedRect(_FLAG_RECT, 8, 8)
    filled, empty = port_paths(*ports)
    p.setPen(pens.port_ring)
    p.setBrush(color)
    p.drawPath(filled)
    p.setBrush(NO_BRUSH)
    p.drawPath(empty)
    p.end()
    pm.setDevicePixelRatio(scale)  # drawn at the view's scale, it lands one pixel per pixel
    return pm
