"""The scene mirrors the Document: it diffs nodes/edges after each change and turns gestures into commands."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsSceneMouseEvent

from netbuilder.app.connect import plan_connection
from netbuilder.limits import POSITION, clamp_position

from .. import theme
from ..commands import Connect, DeleteItems, MoveNodes
from ..document import Document
from ..layout import NODE_H, NODE_W
from ..param_counts import human
from .edge_item import EdgeItem, curve
from .lanes import find_lanes, set_routes
from .node_item import GRID, NodeItem
from .port_item import Port
from .prepare import STEP_S

CELL = 500.0  # side of a cell in the node lookup grid
_BATCH = 64  # from this many new edges on, their lanes are found all at once (lanes.py)


def _port_order(edge) -> tuple:
    """Edges into one node in the order of its ports (those without a port last)."""
    return (edge.target_port is None, edge.target_port or 0)


class NetScene(QGraphicsScene):
    message = Signal(str)  # a short explanation for the status bar (e.g. why a drop was refused)

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[int, EdgeItem] = {}
        self.flags: dict[str, str] = {}
        self._external: dict[str, list[str]] = {}  # the problems outside the graph the items show
        self._syncing = False
        self._synced = None  # (project, revision) the items show: a repeated sync has nothing to do
        self._press_pos: dict[str, tuple] = {}
        self._drag = None  # active connection drag: dict(source, detach, line, hover)
        self.revision = 0  # bumped on every change the far-away overview must redraw for
        self._graph_rect: tuple[int, QRectF] | None = None  # (revision, graph_rect then)
        # nodes by the cell of their top-left corner, each with that corner (plain floats)
        self._grid: dict[tuple[int, int], dict[NodeItem, tuple[float, float]]] = {}
        self._cell_of: dict[NodeItem, tuple[int, int]] = {}
        # new items without their flags yet (selectable; nodes movable): setFlags costs ~2.5 us an
        # item (two itemChange calls into Python), ~30 ms for a 5,000-node project's items, none
        # of which the first paint needs. A few are flagged at once; a project opening's after
        # its first paint, in idle steps (flag_in_idle), and all that are left before any press
        # or selection (ensure_interactive)
        self._unflagged: list = []
        self._flag_timer = QTimer(self)
        self._flag_timer.setInterval(0)
        self._flag_timer.timeout.connect(self._flag_step)
        self.setItemIndexMethod(QGraphicsScene.BspTreeIndex)
        # a fixed rect, within which every node lies (netbuilder.limits): Qt cuts its index over
        # the scene rect, and a growing one left it cut for the first (blank) project's few items
        edge = POSITION + 10_000
        self.setSceneRect(QRectF(-edge, -edge, 2 * edge, 2 * edge))
        document.analyzed.connect(self.sync)  # every edit but a move: shapes may change anywhere
        document.nodes_moved.connect(self._nodes_moved)
        document.problems_changed.connect(self._problems_changed)
        document.loaded.connect(self.rebuild)
        document.network_changed.connect(self.rebuild)  # the same ids may name other nodes there
        document.selection_changed.connect(self._select_ids)
        self.selectionChanged.connect(self._on_selection)
        self.rebuild()

    # --- document -> items ---------------------------------------------------------------------
    @Slot()
    def rebuild(self) -> None:
        self._syncing = True
        self._flag_timer.stop()
        self._unflagged.clear()  # their C++ items go with clear()
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        self.flags.clear()
        self._grid.clear()
        self._cell_of.clear()
        self._drag = None
        self._syncing = False
        self.sync(force=True)

    @Slot()
    def sync(self, force: bool = False) -> None:
        doc, project = self.doc, self.doc.project
        state = (id(project), getattr(doc, "revision", None))
        if state == self._synced and state[1] is not None and not force:
            return  # e.g. `changed` right after `loaded` rebuilt the items
        self._synced = state
        self._syncing = True
        try:
            ids = {n.id for n in project.nodes}
            for nid in [n for n in self.nodes if n not in ids]:
                item = self.nodes.pop(nid)
                self._grid.get(self._cell_of.pop(item, None), {}).pop(item, None)
                self.removeItem(item)
            live = {id(e): e for e in project.edges}
            for key in [k for k in self.edges if k not in live]:
                item = self.edges.pop(key)
                for end in (item.source_item, item.target_item):
                    if item in end.edges:
                        end.edges.remove(item)
                self.removeItem(item)
            errors = doc.analysis.errors_by_node()
            incoming: dict[str, list] = {}
            for e in project.edges:
                incoming.setdefault(e.target, []).append(e)
            moved = []
            # read once, not per node: each is a property (two, through the Qt document)
            params, from_data, external, flags = doc.params, doc.analysis.from_data, self._external, self.flags
            for node in project.nodes:
                item = self.nodes.get(node.id)
                x, y = clamp_position(*node.pos) if node.pos is not None else (0.0, 0.0)
                new = item is None
                if new:
                    item = self.nodes[node.id] = NodeItem(node.id, node.layer)
                    self._unflagged.append(item)
                ins = incoming.get(node.id, [])
                item.set_content(node, len(ins), errors.get(node.id, []) + external.get(node.id, []),
                                 params.get(node.id), flags.get(node.id), human, from_data)
                if new:  # placed and filled before it is added: Qt indexes and draws it once
                    item.setPos(x, y)
                    self._place(item, x, y)
                    self.addItem(item)
                elif item.corner != (x, y):
                    item.setPos(x, y)
                    moved.append(item)
            self._moved(moved)
            laid = []  # new edges, laid out together once all are known
            tensors = doc.analysis.tensors
            labels: dict[str, str] = {}  # by source: a shape's text, made once per source
            for target_id, edges in incoming.items():
                ordered = sorted(edges, key=_port_order) if len(edges) > 1 else edges
                failed = bool(errors.get(target_id)) and target_id not in tensors
                for index, e in enumerate(ordered):
                    label = labels.get(e.source)
                    if label is None:
                        tensor = tensors.get(e.source)
                        label = labels[e.source] = str(tensor) if tensor is not None else "?"
                    bad = failed and tensors.get(e.source) is not None
                    item = self.edges.get(id(e))
                    if item is None:
                        source, target = self.nodes[e.source], self.nodes[e.target]
                        item = self.edges[id(e)] = EdgeItem(e, source, target)
                        item.port_index, item.ports_seen = index, target.n_inputs
                        item.label, item.bad = label, bad
                        source.edges.append(item)
                        target.edges.append(item)
                        laid.append(item)
                        self._unflagged.append(item)
                        continue
                    moved = item.port_index != index or item.target_item.n_inputs != item.ports_seen
                    item.port_index, item.ports_seen = index, item.target_item.n_inputs
                    if not item.set_label(label, bad) and moved:
                        item.update_path()
            self._lay_out_new(laid)
        finally:
            self._syncing = False
        if len(self._unflagged) < _BATCH:
            self.ensure_interactive()
        self._select_ids(doc.selection)
        self.revision += 1
        self._fit_index_depth()

    def flag_in_idle(self) -> None:
        """Flag the items still without flags from the next idle turns on, a few ms a step."""
        if self._unflagged:
            self._flag_timer.start()

    def ensure_interactive(self) -> None:
        """Every item has its flags (selectable; nodes movable): Qt selects and drags only
        items flagged so, so this runs before a press or a selection is handled."""
        self._flag_step(None)

    @Slot()
    def _flag_step(self, budget_s: float | None = STEP_S) -> None:
        todo = self._unflagged
        deadline = time.perf_counter() + (budget_s or 0.0)
        while todo:
            item = todo.pop()
            item.setFlags(item.FLAGS)
            if budget_s is not None and time.perf_counter() >= deadline:
                break
        if not todo:
            self._flag_timer.stop()

    def _lay_out_new(self, edges: list[EdgeItem]) -> None:
        """New edges are routed before they are added, as the nodes are placed and filled before
        (Qt indexes and draws each once); many at once (a project opening) in one pass."""
        if len(edges) < _BATCH:
            for item in edges:
                item.update_path(self)
        else:
            number = {item: i for i, item in enumerate(self.nodes.values())}
            ends = [item.end_points() for item in edges]
            tips = [(number[item.source_item], number[item.target_item]) for item in edges]
            lanes = find_lanes([item.corner for item in self.nodes.values()], ends, tips, CELL)
            set_routes(edges, ends, lanes)
        for item in edges:
            self.addItem(item)

    def _fit_index_depth(self) -> None:
        """Qt keeps the BSP depth it chose for the scene's first items (a blank project's, 5), so
        that a 5,000-node project later had leaves of hundreds of items, all tested at every
        frame: the depth follows the item count as Qt's own rule would (log2, at least 5), two
        more as the graph fills only part of the scene rect."""
        depth = max(5, math.ceil(math.log2(max(len(self.nodes) + len(self.edges), 1))) + 2)
        if abs(depth - self.bspTreeDepth()) > 1:  # not back and forth around a power of two
            self.setBspTreeDepth(depth)

    @Slot(list)
    def _nodes_moved(self, ids: list) -> None:
        """A move (or its undo) changes positions only: the moved items follow, nothing else."""
        project = self.doc.project
        self._syncing = True
        try:
            moved = []
            for nid in ids:
                item = self.nodes.get(nid)
                if item is None or not project.has_node(nid):
                    continue
                pos = project.node(nid).pos
                x, y = clamp_position(*pos) if pos is not None else (0.0, 0.0)
                if item.corner != (x, y):
                    item.setPos(x, y)
                    moved.append(item)
            self._moved(moved)
        finally:
            self._syncing = False
        self._synced = (id(project), self.doc.revision)
        self.revision += 1

    @property
    def external_errors(self) -> dict[str, list[str]]:
        """Problems found outside the graph (e.g. the output does not fit the data), by node:
        the document's problems, shown on their nodes like the graph's own."""
        return self.doc.problems.external_by_node()

    @Slot(str)
    def _problems_changed(self, source: str) -> None:
        by_node = self.external_errors
        if by_node != self._external:
            self._external = by_node
            self.sync(force=True)

    def set_node_flag(self, node_id: str, message: str | None) -> None:
        if message:
            self.flags[node_id] = message
        else:
            self.flags.pop(node_id, None)
        self.sync(force=True)

    # --- selection -----------------------------------------------------------------------------
    @Slot()
    def _on_selection(self) -> None:
        self.revision += 1
        if not self._syncing:
            self.doc.set_selection([i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)])

    @Slot(list)
    def _select_ids(self, ids: list) -> None:
        current = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        if current == set(ids):
            return
        if ids:
            self.ensure_interactive()
        self._syncing = True
        try:
            self.clearSelection()
            for nid in ids:
                if nid in self.nodes:
                    self.nodes[nid].setSelected(True)
        finally:
            self._syncing = False

    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edges(self) -> list:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def delete_selection(self) -> None:
        ids, edges = self.selected_node_ids(), self.selected_edges()
        if ids or edges:
            n = len(ids) + len(edges)
            self.doc.push(DeleteItems(self.doc, ids, edges, f"Delete {n} item{'s' * (n > 1)}"))

    # --- node lookup by area (edge routing asks while items are being added, when the scene's
    # own index is stale and items() would fall back to testing every item) ---------------------
    def _place(self, item: NodeItem, x: float, y: float) -> None:
        """Record where a node is (its corner, its cell in the lookup grid)."""
        item.corner = (x, y)
        cell = (math.floor(x / CELL), math.floor(y / CELL))
        old = self._cell_of.get(item)
        if old != cell:
            if old is not None:
                del self._grid[old][item]
            self._cell_of[item] = cell
        self._grid.setdefault(cell, {})[item] = (x, y)

    def _moved(self, items) -> None:
        """Nodes whose item was moved: recorded first, then each of their edges is laid out
        once (its route avoids the others at their new places)."""
        if not items:
            return
        for item in items:
            p = item.pos()
            self._place(item, p.x(), p.y())
        for edge in {e for item in items for e in item.edges}:
            edge.update_path()
        self.revision += 1

    def node_moved(self, item: NodeItem) -> None:
        """A node's item was moved: its edges follow."""
        if item.node_id in self.nodes:
            self._moved([item])

    def nodes_in(self, area: QRectF) -> list[NodeItem]:
        """Nodes whose rectangle (not counting ports) intersects `area`."""
        return [item for item, _ in self.corners_in(area)]

    def corners_in(self, area: QRectF) -> list[tuple[NodeItem, tuple[float, float]]]:
        """(node, its top-left corner) for the nodes whose rectangle intersects `area`."""
        return self.corners_within(area.left(), area.top(), area.right(), area.bottom())

    def corners_within(self, left: float, top: float, right: float, bottom: float) -> list:
        """corners_in for an area given as floats: edge routing asks this for every edge it
        lays, so it reads cached floats, not Qt items."""
        out = []
        grid = self._grid
        rows = range(math.floor((top - NODE_H) / CELL), math.floor(bottom / CELL) + 1)
        for i in range(math.floor((left - NODE_W) / CELL), math.floor(right / CELL) + 1):
            for j in rows:
                cell = grid.get((i, j))
                if cell:
                    for item, (x, y) in cell.items():
                        if x < right and x + NODE_W > left and y < bottom and y + NODE_H > top:
                            out.append((item, (x, y)))
        return out

    def graph_rect(self) -> QRectF:
        """The nodes' and edges' scene bounding rect (itemsBoundingRect's, less a connection
        drag's line), from the floats the scene keeps: Qt would ask each of thousands of items
        for its boundingRect in Python."""
        if not self.nodes:
            return self.itemsBoundingRect()
        if self._graph_rect is not None and self._graph_rect[0] == self.revision:
            return QRectF(self._graph_rect[1])  # nothing changed since it was last asked (Fit)
        xs = [item.corner[0] for item in self.nodes.values()]
        ys = [item.corner[1] for item in self.nodes.values()]
        rect = QRectF(min(xs) - 8, min(ys) - 8, max(xs) - min(xs) + NODE_W + 16, max(ys) - min(ys) + NODE_H + 16)
        for edge in self.edges.values():
            rect = rect.united(edge.boundingRect())
        self._graph_rect = (self.revision, QRectF(rect))
        return rect

    # --- hit testing ---------------------------------------------------------------------------
    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(QRectF(pos.x() - 12, pos.y() - 12, 24, 24)):
            if isinstance(item, NodeItem):
                return item
        return None

    def port_at(self, pos: QPointF) -> Port | None:
        for item in self.items(QRectF(pos.x() - 12, pos.y() - 12, 24, 24)):
            if isinstance(item, NodeItem):
                port = item.port_at(pos)
                if port:
                    return port
        return None

    # --- gestures ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.ensure_interactive()
        if event.button() == Qt.LeftButton:
            port = self.port_at(event.scenePos())
            if port is not None and self._start_drag(port, event.scenePos()):
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_pos = {i.node_id: (i.pos().x(), i.pos().y()) for i in self.selectedItems()
                           if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag:
            self._drag_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)  # Qt moves the selected nodes: from where they were at the
        if self._press_pos:           # press, by the pointer's way since, so snapping adds no drift
            self._snap_dragged()

    def _snap_dragged(self) -> None:
        """The nodes Qt just dragged go onto the grid, and their edges follow."""
        moved = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                p = item.pos()
                x, y = round(p.x() / GRID) * GRID, round(p.y() / GRID) * GRID
                if (x, y) != (p.x(), p.y()):
                    item.setPos(x, y)
                if (x, y) != item.corner:
                    moved.append(item)
        self._moved(moved)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag:
            self._finish_drag(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        moves = {}
        for nid, old in self._press_pos.items():
            item = self.nodes.get(nid)
            if item is not None and (item.pos().x(), item.pos().y()) != old:
                moves[nid] = (self.doc.project.node(nid).pos, (item.pos().x(), item.pos().y()))
        self._press_pos = {}
        if moves:
            self.doc.push(MoveNodes(self.doc, moves))

    def _start_drag(self, port: Port, pos: QPointF) -> bool:
        detach = None
        if port.kind == "in":
            incoming = self.doc.project.incoming(port.node)
            if port.index >= len(incoming):
                self.message.emit("Drag from an output port (bottom) to an input port (top) to connect.")
                return False
            detach = incoming[port.index]
            source = detach.source
            self.edges[id(detach)].setVisible(False)
        else:
            source = port.node
        line = QGraphicsPathItem()
        line.setPen(QPen(QColor(theme.current().accent), 2, Qt.DashLine))
        line.setZValue(5)
        self.addItem(line)
        self._drag = {"source": source, "detach": detach, "line": line, "hover": None}
        self._drag_to(pos)
        return True

    def _target(self, pos: QPointF):
        port = self.port_at(pos)
        if port is None or port.kind != "in":
            return None, None, None, ""
        edge, replaced, reason = plan_connection(self.doc.project, self._drag["source"], port.node, port.index,
                                                 ignore=self._drag["detach"])
        return port, edge, replaced, reason

    def _drag_to(self, pos: QPointF) -> None:
        d = self._drag
        self.revision += 1
        start = self.nodes[d["source"]].output_pos()
        port, edge, _, reason = self._target(pos)
        end = self.nodes[port.node].input_pos(port.index) if port else pos
        d["line"].setPath(curve(start, end))
        if d["hover"] is not None and d["hover"] in self.nodes:
            self.nodes[d["hover"]].hover_port = None
            self.nodes[d["hover"]].update()
        d["hover"] = None
        if port is not None:
            item = self.nodes[port.node]
            item.hover_port = (port, edge is not None)
            item.update()
            d["hover"] = port.node
            color = theme.current().ok if edge is not None else theme.current().error
            d["line"].setPen(QPen(QColor(color), 2, Qt.SolidLine if edge else Qt.DashLine))
            if reason:
                self.message.emit(reason)
        else:
            d["line"].setPen(QPen(QColor(theme.current().accent), 2, Qt.DashLine))

    def _finish_drag(self, pos: QPointF) -> None:
        d = self._drag
        port, edge, replaced, reason = self._target(pos)
        self.removeItem(d["line"])
        self.revision += 1
        if d["hover"] in self.nodes:
            self.nodes[d["hover"]].hover_port = None
            self.nodes[d["hover"]].update()
        self._drag = None
        detach = d["detach"]
        if detach is not None and id(detach) in self.edges:
            self.edges[id(detach)].setVisible(True)
        if edge is None:
            if reason:
                self.message.emit(f"Not connected: {reason}")
            if detach is not None and port is None:
                self.doc.push(DeleteItems(self.doc, [], [detach], f"Disconnect {detach.source} → {detach.target}"))
            return
        if detach is not None:
            if detach == edge:
                return
            self.doc.undo_stack.beginMacro(f"Reconnect {edge.source} → {edge.target}")
            self.doc.push(DeleteItems(self.doc, [], [detach], "Disconnect"))
            self.doc.push(Connect(self.doc, edge, replaced))
            self.doc.undo_stack.endMacro()
        else:
            self.doc.push(Connect(self.doc, edge, replaced))
        if replaced is not None:
            self.message.emit(f"Replaced the edge {replaced.source} → {replaced.target}.")
