"""Ports: where they sit on a node, how they are hit and drawn (painted by the node, no extra items)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from netbuilder.layers.base import VARIADIC

RADIUS = 5.5
HIT = 11.0  # pick tolerance in scene units


@dataclass(frozen=True)
class Port:
    node: str
    kind: str  # "in" or "out"
    index: int = 0


def input_count(layer_inputs: int, connected: int) -> int:
    """Ports drawn on top: merges show one more than they have, so another edge can always join."""
    if layer_inputs == VARIADIC:
        return max(2, connected + 1)
    return max(layer_inputs, 0)


def input_positions(count: int, width: float) -> list[QPointF]:
    if count <= 0:
        return []
    step = width / (count + 1)
    return [QPointF(step * (i + 1), 0.0) for i in range(count)]


def draw_port(painter: QPainter, center: QPointF, fill: QColor, ring: QColor, filled: bool,
              highlight: QColor | None = None) -> None:
    r = RADIUS + (1.5 if highlight is not None else 0)
    painter.setPen(QPen(highlight or ring, 2.0 if highlight is not None else 1.5))
    painter.setBrush(fill if filled else Qt.NoBrush if highlight is None else highlight)
    painter.drawEllipse(QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r))
