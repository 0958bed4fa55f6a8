"""An edge: a curve from an output port to an input port, labelled with the tensor shape it carries."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle

from .. import theme

_label_font = QFont()
_label_font.setPixelSize(11)
_label_font.setFamilies(["JetBrains Mono", "DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    """A vertical S-curve (flow runs top to bottom); longer handles when the target sits above."""
    dy = b.y() - a.y()
    handle = max(40.0, abs(dy) * 0.45) if dy > 0 else 80.0 + min(abs(dy), 400) * 0.25
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x(), a.y() + handle), QPointF(b.x(), b.y() - handle), b)
    return path


class EdgeItem(QGraphicsItem):
    Type = QGraphicsItem.UserType + 2

    def __init__(self, edge, source_item, target_item):
        super().__init__()
        self.edge = edge
        self.source_item, self.target_item = source_item, target_item
        self.port_index = 0
        self.ports_seen = 0
        self.label = ""
        self.bad = False
        self._path = QPainterPath()
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)

    def type(self):
        return EdgeItem.Type

    def set_label(self, text: str, bad: bool) -> bool:
        if text != self.label or bad != self.bad:
            self.label, self.bad = text, bad
            self.update_path()
            return True
        return False

    def update_path(self) -> None:
        a = self.source_item.output_pos()
        b = self.target_item.input_pos(self.port_index)
        self.prepareGeometryChange()
        self._path = curve(a, b)
        mid = self._path.pointAtPercent(0.5)
        w = QFontMetricsF(_label_font).horizontalAdvance(self.label) + 16 if self.label else 0
        self._label_rect = QRectF(mid.x() + 8, mid.y() - 9, w, 18) if self.label else QRectF()
        self._bounds = self._path.boundingRect().adjusted(-6, -6, 6, 6).united(self._label_rect)

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
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.State_Selected)
        color = QColor(t.accent) if selected else (QColor(t.error) if self.bad else QColor(t.edge))
        if lod < 0.3:
            painter.setRenderHint(QPainter.Antialiasing, False)
            painter.setPen(QPen(color, 0))
            painter.drawLine(self._path.pointAtPercent(0), self._path.pointAtPercent(1))
            return
        painter.setRenderHint(QPainter.Antialiasing, lod > 0.5)
        painter.setPen(QPen(color, 2.6 if selected else 1.8))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        if self.label and lod >= 0.45:
            painter.setPen(QPen(QColor(color if (selected or self.bad) else t.border), 1))
            painter.setBrush(QColor(t.label_bg))
            painter.drawRoundedRect(self._label_rect, 9, 9)
            painter.setFont(_label_font)
            painter.setPen(QColor(t.error) if self.bad else QColor(t.label_text))
            painter.drawText(self._label_rect, Qt.AlignCenter, self.label)
