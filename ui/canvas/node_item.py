"""A node on the canvas: category-coloured header, key params, parameter count, ports, error outline."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from netbuilder.layers.registry import LAYERS

from .. import theme
from ..layout import NODE_H, NODE_W
from ..plain import escape
from . import pens as canvas_pens
from .node_frame import HEADER, ORIGIN, RECT, stamp
from .pens import ANTIALIASING, NO_PEN
from .port_item import HIT, Port, draw_port, input_count, input_positions

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


_looks: dict[str, tuple[str, int, bool, QColor, str]] = {}


def _look(layer) -> tuple[str, int, bool, QColor, str]:
    """Title, unconnected input ports, whether it has an output, colour and its name, of a node
    of this layer type: the same for every node of the type (layer types are registered once, by
    unique name; the colour is never changed in place)."""
    look = _looks.get(layer.name)
    if look is None:
        color = theme.category_color(layer.category)
        look = _looks[layer.name] = (layer.name, input_count(layer.inputs, 0), layer.name != "Output", color,
                                     color.name())
    return look


class NodeItem(QGraphicsItem):
    """Painted in one go (no child items): cheap to create and to draw by the thousand."""

    Type = QGraphicsItem.UserType + 1
    FLAGS = _FLAGS

    # what a new node starts with, read from the class until set: thousands are made as a project
    # opens, and each attribute set in __init__ cost as much as a Qt call
    summary = ""
    params_text = ""
    flag: str | None = None
    frozen = False
    connected = 0
    hover_port: tuple[Port, bool] | None = None  # port and whether a drop there is allowed
    _texts: tuple | None = None  # the face's text lines as painted (_face_texts), made once
    corner = (0.0, 0.0)  # the top-left corner the scene placed it at, as plain floats
    _tip_from: tuple = ()  # what the tooltip is made of; made and given to Qt when the
    _tip_given = False     # pointer first comes near

    def __init__(self, node_id: str, layer):
        super().__init__()
        self.node_id = node_id
        self.layer = layer
        self.title, self.n_inputs, self.has_output, self._color, self.color_name = _look(layer)
        self.errors: list[str] = []
        self.setAcceptHoverEvents(True)  # its flags are set by the scene (NetScene._unflagged)
        # z stays Qt's default 0, above the edges' -1: a call and two itemChanges less per node
        self.edges: list = []  # EdgeItems touching this node, kept by the scene

    def type(self):
        return NodeItem.Type

    # --- content -------------------------------------------------------------------------------
    def set_content(self, node, connected: int, errors: list[str], params: int | None, flag: str | None,
                    human, from_data: dict | None = None) -> bool:
        """`from_data`: the analysis's shapes of the Inputs that leave theirs to the data."""
        given = node.params
        parts = []
        for k, label, default in _face(node.type):
            if k == "shape" and from_data and node.id in from_data:  # not the declared default
                shape = from_data[node.id]
                parts.append(f"{label} {_fmt(shape)} from data" if shape else f"{label} from data")
                continue
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
        self._texts = None
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
        return _BOUNDS  # Qt asks at every paint; it copies the rect it is given

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
    # Hundreds of nodes are painted per frame: what a paint needs (elided texts and where they
    # sit, port outlines, pens) is made once, when the content or the theme changes, not per paint.
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None):
        pens = canvas_pens.current()
        lod = painter.worldTransform().m11()  # the view only scales (as levelOfDetailFromTransform)
        selected = self.isSelected()
        if lod < 0.3:  # far away: a coloured block is all that can be seen
            painter.setRenderHint(ANTIALIASING, False)
            if self.errors or selected:
                painter.setPen(QPen(pens.color["error" if self.errors else "accent"], 4))
            else:
                painter.setPen(NO_PEN)
            painter.setBrush(self._color)
            painter.drawRect(RECT)
            return
        outline = "error" if self.errors else "selected" if selected else "plain"
        ports = (self.n_inputs, min(self.connected, self.n_inputs), self.has_output)
        painter.drawPixmap(ORIGIN, stamp(pens, self._color, outline, bool(self.flag), ports, lod,
                                         painter.device().devicePixelRatioF()))
        if lod >= 0.45:
            painter.setRenderHint(ANTIALIASING, lod > 0.5)
            self._paint_text(painter, pens)
        if self.hover_port:
            self._paint_hover_port(painter, pens)

    def _face_texts(self) -> tuple[str, str, float, str, str, str]:
        """The face's text lines, elided to fit: (title, id, the id's x, summary or "", last line,
        its colour key). One tuple per node and no points: all 5,000 nodes of a project are
        prepared at once (prepare.py), and each object the garbage collector tracks counts
        towards its next full collection (~130 ms here) -- the points are the same for every node
        but the id's, made at paint."""
        id_fm = _metrics()[0]
        id_text = id_fm.elidedText(self.node_id, Qt.ElideRight, 72)  # ids are unique: not cached
        id_w = id_fm.horizontalAdvance(id_text)
        lock_w = 14 if self.frozen else 0
        title = _elided(1, self.title, NODE_W - 20 - (id_w + 8) - lock_w)
        summary = _elided(2, self.summary, NODE_W - 20) if self.summary else ""
        last = ("⚠ " + self.errors[0]) if self.errors else self.params_text
        return (title, id_text, NODE_W - 10 - id_w, summary, _elided(2, last, NODE_W - 20),
                "error" if self.errors else "dim_text")

    def prepare(self) -> None:
        """Elide the face's texts now if they are not (the view does it in idle time after a load)."""
        if self._texts is None:
            self._texts = self._face_texts()

    def _paint_text(self, painter: QPainter, pens) -> None:
        if self._texts is None:
            self._texts = self._face_texts()
        title, id_text, id_x, summary, last, last_key = self._texts
        title_at, id_y, summary_at, last_at = _text_points(bool(summary))
        painter.setFont(_title_font)
        painter.setPen(pens.white)
        painter.drawText(title_at, title)
        painter.setFont(_id_font)
        painter.setPen(pens.id_text)
        painter.drawText(QPointF(id_x, id_y), id_text)
        painter.setFont(_body_font)
        if summary:
            painter.setPen(pens.color["text"])
            painter.drawText(summary_at, summary)
        painter.setPen(pens.color[last_key])
        painter.drawText(last_at, last)
        if self.frozen:
            draw_lock(painter, QPointF(id_x - 16, HEADER / 2))

    def _paint_hover_port(self, painter: QPainter, pens) -> None:
        """The port a connection drag is over, ringed in the colour of its verdict."""
        port, allowed = self.hover_port
        if port.kind == "out":
            draw_port(painter, QPointF(NODE_W / 2, NODE_H), self._color, pens.color["text"], True,
                      pens.color["accent"])
        elif port.index < self.n_inputs:
            draw_port(painter, input_positions(self.n_inputs, NODE_W)[port.index], self._color,
                      pens.color["text"], port.index < self.connected, pens.color["ok" if allowed else "error"])


_BOUNDS = QRectF(-8, -8, NODE_W + 16, NODE_H + 16)


@functools.cache
def _metrics() -> tuple[QFontMetricsF, QFontMetricsF, QFontMetricsF]:
    return QFontMetricsF(_id_font), QFontMetricsF(_title_font), QFontMetricsF(_body_font)


@functools.lru_cache(maxsize=4096)
def _elided(which: int, text: str, width: float) -> str:
    """A text elided to fit `width` in font `which` (index into _metrics()): the titles, summaries
    and parameter counts of thousands of nodes are a few dozen texts, so each is elided once
    (eliding every node's face was ~10 ms of the first frame that shows texts)."""
    return _metrics()[which].elidedText(text, Qt.ElideRight, width)


@functools.cache
def _text_points(with_summary: bool) -> tuple[QPointF, float, QPointF, QPointF]:
    """Where the title, the id (its baseline), the summary and the last line of a face start."""
    id_fm, title_fm, body_fm = _metrics()
    body = HEADER + 4
    return (QPointF(10, _baseline(title_fm, 0, HEADER)), _baseline(id_fm, 0, HEADER),
            QPointF(10, _baseline(body_fm, body, 18)), QPointF(10, _baseline(body_fm, body + 18 * with_summary, 18)))


def _baseline(fm: QFontMetricsF, top: float, height: float) -> float:
    """The baseline of one line of text centred vertically in a band (as Qt.AlignVCenter sets it)."""
    return top + (height - fm.ascent() - fm.descent()) / 2 + fm.ascent()
