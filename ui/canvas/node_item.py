"""A node on the canvas: category-coloured header, key params, parameter count, ports, error outline."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem

from netbuilder.layers.registry import LAYERS

from .. import theme
from ..layout import NODE_H, NODE_W
from ..plain import escape
from .port_item import HIT, Port, draw_port, input_count, input_positions

HEADER = 26.0
GRID = 10.0

# read once: an enum looked up on the class costs a Python call per node. No itemChange override
# and no ItemSendsGeometryChanges: Qt would call into Python for every flag, scene and position
# change of thousands of nodes while a project opens; the scene snaps and moves edges itself.
_FLAGS = QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable

_title_font = QFont()
_title_font.setPixelSize(13)
_title_font.setBold(True)
_id_font = QFont()
_id_font.setPixelSize(11)
_body_font = QFont()
_body_font.setPixelSize(11)


def _fmt(value) -> str:
    if isinstance(value, (tuple, list)):
        return "×".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def draw_lock(painter: QPainter, center: QPointF) -> None:
    """A small white padlock: the mark of a frozen layer (drawn, so that no emoji font is needed)."""
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setPen(QPen(QColor("#ffffff"), 1.6))
    painter.setBrush(Qt.NoBrush)
    painter.drawArc(QRectF(center.x() - 3.5, center.y() - 7, 7, 8), 0, 180 * 16)
    painter.drawLine(QPointF(center.x() - 3.5, center.y() - 3), QPointF(center.x() - 3.5, center.y() - 1))
    painter.drawLine(QPointF(center.x() + 3.5, center.y() - 3), QPointF(center.x() + 3.5, center.y() - 1))
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor("#ffffff"))
    painter.drawRoundedRect(QRectF(center.x() - 5, center.y() - 1, 10, 7.5), 1.5, 1.5)
    painter.restore()


@functools.cache
def _face(type_name: str) -> tuple[tuple[str, str, object], ...]:
    """(param, its label, its default) for each declared param a node of this type shows on its
    face: read once per type, not per node (layer types are registered once, by unique name)."""
    layer = LAYERS[type_name]
    defaults = {p.name: p.default for p in layer.params}
    return tuple((k, layer.face_label(k), defaults[k]) for k in layer.summary_keys if k in defaults)


@functools.cache
def _header_path() -> QPainterPath:
    """The header's outline, rounded on top only: the same for every node, so made once
    (simplifying it took most of a node's paint while hundreds were in view)."""
    header = QPainterPath()
    header.addRoundedRect(QRectF(0, 0, NODE_W, HEADER), 6, 6)
    header.addRect(QRectF(0, HEADER - 6, NODE_W, 6))
    return header.simplified()


class NodeItem(QGraphicsItem):
    """Painted in one go (no child items): cheap to create and to draw by the thousand."""

    Type = QGraphicsItem.UserType + 1

    def __init__(self, node_id: str, layer):
        super().__init__()
        self.node_id = node_id
        self.layer = layer
        self.title = layer.name
        self.summary = ""
        self.params_text = ""
        self.errors: list[str] = []
        self.flag: str | None = None
        self.frozen = False
        self.n_inputs = input_count(layer.inputs, 0)
        self.connected = 0
        self.has_output = layer.name != "Output"
        self.hover_port: tuple[Port, bool] | None = None  # port and whether a drop there is allowed
        self.corner = (0.0, 0.0)  # the top-left corner the scene placed it at, as plain floats
        self._color = theme.category_color(layer.category)
        self.color_name = self._color.name()
        self._tip_from: tuple = ()  # what the tooltip is made of; made and given to Qt when the
        self._tip_given = False     # pointer first comes near
        self.setFlags(_FLAGS)
        self.setAcceptHoverEvents(True)
        # z stays Qt's default 0, above the edges' -1: a call and two itemChanges less per node
        self.edges: list = []  # EdgeItems touching this node, kept by the scene

    def type(self):
        return NodeItem.Type

    # --- content -------------------------------------------------------------------------------
    def set_content(self, node, connected: int, errors: list[str], params: int | None, flag: str | None,
                    human) -> bool:
        given = node.params
        parts = []
        for k, label, default in _face(node.type):
            v = given.get(k, default)
            if v is None or v is False:
                continue
            parts.append(label if v is True else f"{label} {_fmt(v)}")
        summary = "  ·  ".join(parts)
        if node.layer.has_module:
            ptext = "params ?" if params is None else (f"{human(params)} params" if params else "no params")
        else:
            ptext = "no params"
        if node.frozen:
            ptext += "  ·  frozen"
        n_inputs = input_count(node.layer.inputs, connected)
        state = (summary, ptext, tuple(errors), flag, n_inputs, connected, node.frozen)
        if state == (self.summary, self.params_text, tuple(self.errors), self.flag, self.n_inputs, self.connected,
                     self.frozen):
            return False
        self.summary, self.params_text, self.errors, self.flag = summary, ptext, list(errors), flag
        self.frozen = node.frozen
        self.n_inputs, self.connected = n_inputs, connected
        self._tip_from = (node, list(errors), flag)
        if self._tip_given:
            super().setToolTip(self.toolTip())
        if self.scene() is not None:  # one not yet added is drawn when it is
            self.update()
        return True

    @staticmethod
    def _tooltip(node, errors: list[str], flag: str | None) -> str:
        tips = [f"<b>{node.type}</b> <i>{node.id}</i><br>{node.layer.doc}"]
        if node.frozen:
            tips.append("<br>🔒 Frozen: its weights are not trained.")
        tips += [f"<br><span style='color:{theme.current().error}'>⚠ {escape(e)}</span>" for e in errors]
        if flag:
            tips.append(f"<br><span style='color:{theme.current().warning}'>● {escape(flag)}</span>")
        return "".join(tips)

    def toolTip(self) -> str:
        return self._tooltip(*self._tip_from) if self._tip_from else ""

    def hoverEnterEvent(self, event) -> None:
        # thousands of nodes open at once: each gets its Qt tooltip only once the pointer is near
        if not self._tip_given:
            self._tip_given = True
            super().setToolTip(self.toolTip())
        super().hoverEnterEvent(event)

    # --- geometry ------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-8, -8, NODE_W + 16, NODE_H + 16)

    def shape(self):
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_W, NODE_H), 6, 6)
        return path

    def input_pos(self, index: int) -> QPointF:
        n = self.n_inputs  # the point input_positions gives that port, without building them all
        if n <= 0:
            return self.pos() + QPointF(NODE_W / 2, 0)
        i = min(index, n - 1)
        return self.pos() + QPointF(NODE_W / (n + 1) * ((i + n if i < 0 else i) + 1), 0)

    def output_pos(self) -> QPointF:
        return self.pos() + QPointF(NODE_W / 2, NODE_H)

    def input_xy(self, index: int) -> tuple[float, float]:
        """input_pos at the corner the scene placed the node at, as floats (edges ask this by the
        thousand while a project opens)."""
        x, y = self.corner
        n = self.n_inputs
        if n <= 0:
            return x + NODE_W / 2, y
        i = min(index, n - 1)
        return x + NODE_W / (n + 1) * ((i + n if i < 0 else i) + 1), y

    def output_xy(self) -> tuple[float, float]:
        x, y = self.corner
        return x + NODE_W / 2, y + NODE_H

    def port_at(self, scene_pos: QPointF) -> Port | None:
        local = scene_pos - self.pos()
        if self.has_output and (local - QPointF(NODE_W / 2, NODE_H)).manhattanLength() <= HIT * 1.4:
            return Port(self.node_id, "out")
        for i, p in enumerate(input_positions(self.n_inputs, NODE_W)):
            if (local - p).manhattanLength() <= HIT * 1.4:
                return Port(self.node_id, "in", i)
        return None

    # --- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None):
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = bool(option.state & QStyle.State_Selected)
        rect = QRectF(0, 0, NODE_W, NODE_H)
        outline = QColor(t.error) if self.errors else (QColor(t.accent) if selected else QColor(t.border))
        if lod < 0.3:  # far away: a coloured block is all that can be seen
            painter.setRenderHint(QPainter.Antialiasing, False)
            painter.setPen(QPen(outline, 4 if (self.errors or selected) else 0) if (self.errors or selected)
                           else Qt.NoPen)
            painter.setBrush(self._color)
            painter.drawRect(rect)
            return
        painter.setRenderHint(QPainter.Antialiasing, lod > 0.5)
        # body and header
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(t.node))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setBrush(self._color)
        painter.drawPath(_header_path())
        width = 2.5 if (self.errors or selected) else 1.0
        painter.setPen(QPen(outline, width))
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(rect, 6, 6)
        if self.flag:
            painter.setPen(QPen(QColor(t.warning), 2.0))
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 8, 8)
        if lod >= 0.45:
            self._paint_text(painter, t)
        self._paint_ports(painter, t)

    def _paint_text(self, painter: QPainter, t) -> None:
        fm = QFontMetricsF(_id_font)
        id_text = fm.elidedText(self.node_id, Qt.ElideRight, 72)
        id_w = fm.horizontalAdvance(id_text) + 8
        painter.setPen(QColor("#ffffff"))
        painter.setFont(_title_font)
        lock_w = 14 if self.frozen else 0
        title = QFontMetricsF(_title_font).elidedText(self.title, Qt.ElideRight, NODE_W - 20 - id_w - lock_w)
        painter.drawText(QRectF(10, 0, NODE_W - 20, HEADER), Qt.AlignVCenter | Qt.AlignLeft, title)
        if self.frozen:
            draw_lock(painter, QPointF(NODE_W - 10 - id_w - 8, HEADER / 2))
        painter.setFont(_id_font)
        painter.setPen(QColor(255, 255, 255, 200))
        painter.drawText(QRectF(10, 0, NODE_W - 20, HEADER), Qt.AlignVCenter | Qt.AlignRight, id_text)
        painter.setFont(_body_font)
        fm = QFontMetricsF(_body_font)
        painter.setPen(QColor(t.text))
        y = HEADER + 4
        if self.summary:
            painter.drawText(QRectF(10, y, NODE_W - 20, 18), Qt.AlignVCenter | Qt.AlignLeft,
                             fm.elidedText(self.summary, Qt.ElideRight, NODE_W - 20))
            y += 18
        painter.setPen(QColor(t.error) if self.errors else QColor(t.dim_text))
        text = ("⚠ " + self.errors[0]) if self.errors else self.params_text
        painter.drawText(QRectF(10, y, NODE_W - 20, 18), Qt.AlignVCenter | Qt.AlignLeft,
                         fm.elidedText(text, Qt.ElideRight, NODE_W - 20))

    def _paint_ports(self, painter: QPainter, t) -> None:
        ring = QColor(t.text)
        fill = QColor(self._color)
        hover = self.hover_port
        for i, p in enumerate(input_positions(self.n_inputs, NODE_W)):
            hl = None
            if hover and hover[0].kind == "in" and hover[0].index == i:
                hl = QColor(t.ok) if hover[1] else QColor(t.error)
            draw_port(painter, p, fill, ring, i < self.connected, hl)
        if self.has_output:
            hl = QColor(t.accent) if hover and hover[0].kind == "out" else None
            draw_port(painter, QPointF(NODE_W / 2, NODE_H), fill, ring, True, hl)
