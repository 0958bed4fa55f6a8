"""The canvas's colours and pens, made once per theme: items paint by the hundred per frame, and a
QColor parsed from a string or a QPen built in Python at each paint was much of a frame's cost."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from .. import theme


class Pens:
    def __init__(self, t: theme.Theme):
        c = {name: QColor(getattr(t, name)) for name in (
            "text", "dim_text", "border", "accent", "canvas", "grid", "grid_major", "node", "edge", "label_bg",
            "label_text", "error", "warning", "ok")}
        self.color = c
        self.white = QColor("#ffffff")
        self.id_text = QColor(255, 255, 255, 200)
        self.outline = QPen(c["border"], 1.0)
        self.outline_error = QPen(c["error"], 2.5)
        self.outline_selected = QPen(c["accent"], 2.5)
        self.flag = QPen(c["warning"], 2.0)
        self.port_ring = QPen(c["text"], 1.5)
        self.grid = QPen(c["grid"], 0)
        self.grid_major = QPen(c["grid_major"], 0)
        # edges: full width near, hairlines (cosmetic, one device pixel) when the width would be less
        self.edge = {key: QPen(c[name], 2.6 if key == "selected" else 1.8) for key, name in _EDGE_COLORS.items()}
        self.edge_hairline = {key: QPen(c[name], 0) for key, name in _EDGE_COLORS.items()}
        self.label_border = {key: QPen(c[name], 1) for key, name in
                             (("plain", "border"), ("bad", "error"), ("selected", "accent"))}


_EDGE_COLORS = {"plain": "edge", "bad": "error", "selected": "accent"}


# enums read once: reading one off its class and handing it to Qt costs a few Python calls
ANTIALIASING = QPainter.Antialiasing
NO_PEN = Qt.NoPen
NO_BRUSH = Qt.NoBrush


@functools.cache
def pens_for(t: theme.Theme) -> Pens:
    return Pens(t)


_last: list = [None, None]  # the theme last asked for and its pens: hashing a theme reads every field


def current() -> Pens:
    t = theme.current()
    if _last[0] is not t:
        _last[:] = [t, pens_for(t)]
    return _last[1]
