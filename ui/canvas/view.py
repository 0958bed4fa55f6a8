"""The canvas view: zoom around the cursor, pan (middle button or Space+drag), fit, drops, quick-add."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from netbuilder.layers.registry import LAYERS
from netbuilder.spec import Edge, Node

from .. import theme
from ..commands import AddItems
from ..document import Document
from ..layout import NODE_H, NODE_W
from ..quick_add import QuickAdd
from . import pens as canvas_pens
from .minimap import Minimap
from .node_item import GRID
from .overview import OVERVIEW_ZOOM, Overview
from .prepare import IdlePreparer
from .scene import NetScene

MIME_LAYER = "application/x-netbuilder-layer"
MIN_ZOOM, MAX_ZOOM = 0.05, 2.5


FIT_MIN_ZOOM = 0.55  # below it node labels are too small to read (seen on the fitted 24-node ResNet)
FIT_MAX_SCREENS = 6  # a graph bigger than this at that zoom is fitted whole, as an overview


class NetView(QGraphicsView):
    message = Signal(str)

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.document = document
        self.net_scene = NetScene(document, self)
        self.setScene(self.net_scene)
        self.net_scene.message.connect(self.message)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState | QGraphicsView.DontAdjustForAntialiasing)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setFrameShape(QGraphicsView.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._space = False
        self._pan_from: QPointF | None = None
        self.last_scene_pos = QPointF(0, 0)
        self.minimap = Minimap(self)
        self.overview = Overview(self.net_scene)
        self.quick_add = QuickAdd(self.viewport())
        self.quick_add.chosen.connect(self._quick_chosen)
        self._quick_pos = QPointF()
        self._index_pending = False  # a project was loaded: index its items once it is drawn
        self.preparer = IdlePreparer(self)
        self._prepare_pending = False  # items may be new or changed: prepare them once the view is drawn
        document.loaded.connect(self._after_load)
        document.network_changed.connect(self._after_load)
        document.analyzed.connect(self._items_changed)  # after the scene's sync (connected first)
        document.nodes_moved.connect(self._items_changed)  # their edges' curves are made again

    # --- API for others ------------------------------------------------------------------------
    def set_node_flag(self, node_id: str, message: str | None) -> None:
        """An amber marker with a tooltip on a node (e.g. a training diagnosis); None clears it."""
        self.net_scene.set_node_flag(node_id, message)

    def zoom(self) -> float:
        return self.transform().m11()

    @Slot()
    def fit_all(self) -> None:
        rect = self.net_scene.graph_rect()
        if rect.isNull() or not all(map(math.isfinite, rect.getRect())):
            self.resetTransform()
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-60, -60, 60, 60)
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.resetTransform()
            self.centerOn(rect.center())
        elif self.zoom() < FIT_MIN_ZOOM and self._screens_at(rect, FIT_MIN_ZOOM) <= FIT_MAX_SCREENS:
            # node labels stay readable: a graph a few screens long is shown from its top at the
            # readable zoom (the minimap shows the rest); a huge one is fitted as an overview
            self.resetTransform()
            self.scale(FIT_MIN_ZOOM, FIT_MIN_ZOOM)
            view = self.viewport().rect()
            self.centerOn(rect.center().x(), rect.top() + view.height() / FIT_MIN_ZOOM / 2)
        self.minimap.sync()

    def _screens_at(self, rect, zoom: float) -> float:
        """How many viewports the scene rect needs at this zoom."""
        view = self.viewport().rect()
        return (rect.width() * zoom / max(view.width(), 1)) * (rect.height() * zoom / max(view.height(), 1))

    def center_on_node(self, node_id: str) -> None:
        item = self.net_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())
            self.minimap.sync()

    @Slot()
    def _after_load(self) -> None:
        self.preparer.stop()  # its items are gone with the old scene contents
        self.fit_all()
        self._index_pending = True
        self._prepare_pending = True

    @Slot()
    def _items_changed(self) -> None:
        self._prepare_pending = True

    @Slot()
    def _prepare_items(self) -> None:
        """Nodes' face texts elided, edges' curves and the minimap's dots made in idle time, a few
        ms a step (prepare.py), instead of in the first frame that shows them; new items' flags
        likewise (NetScene.flag_in_idle)."""
        scene = self.net_scene
        self.preparer.start([*scene.nodes.values(), *scene.edges.values(), self.minimap])
        scene.flag_in_idle()

    @Slot()
    def _build_index(self) -> None:
        """Qt indexes new items at the first query of the scene, or 2 s after the last change: a
        zoom into a just-opened 5,000-node project paid ~40 ms for it in its frame, and the timer
        may fire in the middle of a gesture. Asked once just after the first paint instead, before
        the user's first gesture."""
        self.net_scene.items(QRectF(0, 0, 1, 1))

    # --- adding nodes --------------------------------------------------------------------------
    def add_node(self, type_name: str, scene_pos: QPointF, connect_from: str | None = None) -> str:
        doc = self.document
        node_id = doc.project.new_id(type_name)
        x = round((scene_pos.x() - NODE_W / 2) / GRID) * GRID
        y = round((scene_pos.y() - NODE_H / 2) / GRID) * GRID
        node = Node(node_id, type_name, {}, (float(x), float(y)))
        edges = []
        if connect_from and doc.project.has_node(connect_from) and LAYERS[type_name].inputs != 0:
            edges = [Edge(connect_from, node_id)]
        doc.push(AddItems(doc, [node], edges, f"Add {type_name} {node_id}"))
        doc.set_selection([node_id])
        return node_id

    def open_quick_add(self, view_pos=None) -> None:
        if view_pos is None:
            view_pos = self.viewport().mapFromGlobal(self.cursor().pos())
            if not self.viewport().rect().contains(view_pos):
                view_pos = self.viewport().rect().center()
        self._quick_pos = self.mapToScene(view_pos)
        self.quick_add.popup(view_pos)

    @Slot(str)
    def _quick_chosen(self, type_name: str) -> None:
        sel = self.document.selection
        source = sel[0] if len(sel) == 1 else None
        if source and self.document.project.node(source).type == "Output":
            source = None
        pos = self._quick_pos
        if source:  # place it under the selected node and wire it in
            item = self.net_scene.nodes[source]
            pos = item.pos() + QPointF(NODE_W / 2, NODE_H + 56 + NODE_H / 2)
        self.add_node(type_name, pos, connect_from=source)

    # --- drag and drop from the palette --------------------------------------------------------
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(MIME_LAYER):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):
        name = bytes(event.mimeData().data(MIME_LAYER)).decode("utf-8", "replace")
        if name not in LAYERS:
            event.ignore()
            return
        self.add_node(name, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    # --- zoom and pan --------------------------------------------------------------------------
    def wheelEvent(self, event):
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        self.zoom_by(math.pow(1.0015, max(-2400, min(2400, delta))))
        event.accept()

    def zoom_by(self, factor: float) -> None:
        """Zoom within MIN_ZOOM..MAX_ZOOM; a zoom that is not a finite positive number is reset first."""
        if not (math.isfinite(self.zoom()) and self.zoom() > 0):
            self.resetTransform()
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor)) if math.isfinite(factor) else self.zoom()
        self.scale(target / self.zoom(), target / self.zoom())
        self.minimap.sync()

    def _pan(self, pos: QPointF) -> None:
        delta = pos - self._pan_from
        self._pan_from = pos
        if not (math.isfinite(delta.x()) and math.isfinite(delta.y())):
            return
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
        self.minimap.sync()

    def mousePressEvent(self, event):
        self.net_scene.ensure_interactive()  # a rubber band selects flagged items only
        self.setFocus()
        if self.quick_add.isVisible():
            self.quick_add.hide()
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        self.last_scene_pos = self.mapToScene(event.position().toPoint())
        if self._pan_from is not None:
            self._pan(event.position())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space else Qt.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event):
        pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.LeftButton and self.net_scene.node_at(pos) is None:
            self.document.set_selection([])
            self.open_quick_add(event.position().toPoint())
            return
        super().mouseDoubleClickEvent(event)

    # --- keys ----------------------------------------------------------------------------------
    def event(self, event):
        if event.type() == QEvent.KeyPress and event.key() == Qt.Key_Tab:
            self.open_quick_add()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        key = event.key()
        if event.matches(QKeySequence.Undo):  # also when the window's shortcut map is not active
            self.document.undo_stack.undo()
            return
        if event.matches(QKeySequence.Redo) or (key == Qt.Key_Z and event.modifiers() ==
                                                (Qt.ControlModifier | Qt.ShiftModifier)):
            self.document.undo_stack.redo()
            return
        if key == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            return
        if key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.net_scene.delete_selection()
            return
        if key == Qt.Key_F and not event.modifiers():
            self.fit_all()
            return
        if key == Qt.Key_Escape:
            self.net_scene.clearSelection()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.ArrowCursor)
            return
        super().keyReleaseEvent(event)

    # --- painting ------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF):
        pens = canvas_pens.current()
        painter.fillRect(rect, pens.color["canvas"])
        z = self.zoom()
        if z < 0.25:
            return
        step = GRID * 2 if z >= 0.6 else GRID * 8
        top, bottom, left, right = rect.top(), rect.bottom(), rect.left(), rect.right()
        minor, major = [], []
        # the lines gathered and drawn in one call per colour, without antialiasing (they are
        # axis-aligned hairlines): a drawLine each, antialiased, took ~3 ms of a frame
        k = math.floor(left / step)
        while k * step < right:
            (major if k % 5 == 0 else minor).append(QLineF(k * step, top, k * step, bottom))
            k += 1
        k = math.floor(top / step)
        while k * step < bottom:
            (major if k % 5 == 0 else minor).append(QLineF(left, k * step, right, k * step))
            k += 1
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing, False)
        painter.setPen(pens.grid)
        painter.drawLines(minor)
        painter.setPen(pens.grid_major)
        painter.drawLines(major)
        painter.restore()

    def paintEvent(self, event):
        """Zoomed far out, paint the graph in a few batched calls instead of item by item."""
        if self._index_pending:
            self._index_pending = False
            QTimer.singleShot(0, self, self._build_index)  # dropped if the view is gone by then
        if self._prepare_pending:
            self._prepare_pending = False
            QTimer.singleShot(0, self, self._prepare_items)  # after the index: timers run in order
        if self.zoom() >= OVERVIEW_ZOOM:
            super().paintEvent(event)
            return
        painter = QPainter(self.viewport())
        painter.setClipRegion(event.region())
        painter.setTransform(self.viewportTransform())
        self.drawBackground(painter, self.mapToScene(event.rect()).boundingRect())
        self.overview.paint(painter, self.zoom())
        drag = self.net_scene._drag
        if drag:
            painter.setRenderHint(QPainter.Antialiasing, True)
            painter.setPen(drag["line"].pen())
            painter.drawPath(drag["line"].path())
        band = self.rubberBandRect()
        if not band.isNull():
            painter.resetTransform()
            accent = QColor(theme.current().accent)
            painter.setPen(QPen(accent, 1))
            accent.setAlpha(40)
            painter.setBrush(accent)
            painter.drawRect(band)
        painter.end()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if getattr(self, "minimap", None) is not None:
            self._place_minimap()

    def _place_minimap(self) -> None:
        self.minimap.move(self.viewport().width() - self.minimap.width() - 12,
                          self.viewport().height() - self.minimap.height() - 12)

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)  # scrolls the viewport's child widgets too
        if getattr(self, "minimap", None) is not None:
            self._place_minimap()  # ...so the minimap goes back to its corner
            self.minimap.sync()
