"""The canvas with real mouse and keyboard events: drop, connect, delete/undo, move, quick-add."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem

from ui.canvas.view import MIME_LAYER
from ui.palette import mime_for

from .helpers import chain_project, drag, view_point


def test_palette_mime_names_the_layer():
    mime = mime_for("Conv2d")
    assert bytes(mime.data(MIME_LAYER)).decode() == "Conv2d"


def test_palette_drag_data_comes_from_the_item(make_window):
    w = make_window()
    item = w.palette.items["Linear"]
    mime = w.palette.tree.mimeData([item])
    assert bytes(mime.data(MIME_LAYER)).decode() == "Linear"


def test_drop_palette_item_onto_canvas_creates_node(make_window):
    w = make_window()
    view = w.canvas
    before = len(w.document.project.nodes)
    target = QPointF(400, 200)
    pos = view_point(view, target)
    mime = mime_for("ReLU")  # keep a reference: the event does not own it
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), event)
    assert len(w.document.project.nodes) == before + 1
    node = w.document.project.nodes[-1]
    assert node.type == "ReLU" and node.id in view.net_scene.nodes
    assert abs(node.pos[0] + 95 - target.x()) <= 10
    assert w.document.selection == [node.id]
    w.document.undo_stack.undo()
    assert len(w.document.project.nodes) == before


def test_connect_ports_with_mouse_drag(make_window):
    w = make_window()
    doc, scene = w.document, w.canvas.net_scene
    w.canvas.add_node("ReLU", QPointF(400, 100))
    relu = doc.project.nodes[-1].id
    assert not doc.project.incoming(relu)
    drag(w.canvas, scene.nodes["x"].output_pos(), scene.nodes[relu].input_pos(0))
    assert [e.source for e in doc.project.incoming(relu)] == ["x"]
    edge = doc.project.incoming(relu)[0]
    label = scene.edges[id(edge)].label
    assert label == "[1, 28, 28]"


def test_invalid_target_is_refused(make_window):
    w = make_window()
    doc, scene = w.document, w.canvas.net_scene
    n = len(doc.project.edges)
    messages = []
    scene.message.connect(messages.append)
    # n3 (Linear) into the Input: refused; n2 into n1 would make a loop: refused
    drag(w.canvas, scene.nodes["n3"].output_pos(), scene.nodes["n1"].input_pos(0))
    assert len(doc.project.edges) == n
    assert any("loop" in m for m in messages)


def test_connect_into_occupied_port_replaces_edge(make_window):
    w = make_window()
    doc, scene = w.document, w.canvas.net_scene
    w.canvas.add_node("ReLU", QPointF(400, 100))
    relu = doc.project.nodes[-1].id
    drag(w.canvas, scene.nodes["x"].output_pos(), scene.nodes[relu].input_pos(0))
    # now connect relu into n1 (Conv2d), whose only input is taken by x
    drag(w.canvas, scene.nodes[relu].output_pos(), scene.nodes["n1"].input_pos(0))
    assert [e.source for e in doc.project.incoming("n1")] == [relu]
    assert sum(e.target == "n1" for e in doc.project.edges) == 1
    doc.undo_stack.undo()
    assert [e.source for e in doc.project.incoming("n1")] == ["x"]


def test_delete_and_undo_restores_node_and_edges(make_window):
    w = make_window()
    doc, scene = w.document, w.canvas.net_scene
    edges_before = [(e.source, e.target) for e in doc.project.edges]
    item = scene.nodes["n2"]
    QTest.mouseClick(w.canvas.viewport(), Qt.LeftButton, Qt.NoModifier,
                     view_point(w.canvas, item.sceneBoundingRect().center() + QPointF(0, 10)))
    assert doc.selection == ["n2"]
    QTest.keyClick(w.canvas.viewport(), Qt.Key_Delete)
    assert not doc.project.has_node("n2") and "n2" not in scene.nodes
    assert not any("n2" in (e.source, e.target) for e in doc.project.edges)
    QTest.keyClick(w.canvas.viewport(), Qt.Key_Z, Qt.ControlModifier)
    assert doc.project.has_node("n2") and "n2" in scene.nodes
    assert [(e.source, e.target) for e in doc.project.edges] == edges_before
    assert len(scene.edges) == len(edges_before)


def test_rubber_band_and_ctrl_click_select(make_window):
    w = make_window()
    scene = w.canvas.net_scene
    r = scene.nodes["x"].sceneBoundingRect().united(scene.nodes["n1"].sceneBoundingRect())
    drag(w.canvas, r.topLeft() + QPointF(-30, -30), r.bottomRight() + QPointF(30, -20))
    assert set(w.document.selection) == {"x", "n1"}
    p = view_point(w.canvas, scene.nodes["n3"].sceneBoundingRect().center() + QPointF(0, 10))
    QTest.mouseClick(w.canvas.viewport(), Qt.LeftButton, Qt.ControlModifier, p)
    assert set(w.document.selection) == {"x", "n1", "n3"}


def test_move_is_one_undo_step(make_window):
    w = make_window()
    doc, scene = w.document, w.canvas.net_scene
    old = doc.project.node("n1").pos
    c = scene.nodes["n1"].sceneBoundingRect().center() + QPointF(0, 10)
    drag(w.canvas, c, c + QPointF(200, 40), steps=6)
    new = doc.project.node("n1").pos
    assert new != old and new[0] % 10 == 0 and new[1] % 10 == 0  # snapped to the grid
    assert doc.undo_stack.count() == 1
    item = scene.nodes["n1"]

    def ends_follow():  # its edges start and end at its ports where it now is
        for edge in item.edges:
            a, b = edge._path.pointAtPercent(0), edge._path.pointAtPercent(1)
            assert (a == item.output_pos()) if edge.source_item is item else (b == item.input_pos(edge.port_index))
    assert item.edges
    ends_follow()
    doc.undo_stack.undo()
    assert doc.project.node("n1").pos == old and scene.nodes["n1"].pos() == QPointF(*old)
    ends_follow()


def test_zoom_wheel_and_fit(make_window):
    w = make_window()
    view = w.canvas
    z = view.zoom()
    view.zoom_by(0.5)
    assert view.zoom() < z
    QTest.keyClick(view.viewport(), Qt.Key_F)
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    assert rect.contains(view.net_scene.itemsBoundingRect())
    assert not view.minimap.isVisible()  # all of the graph is in view: no overview over it


def test_fit_follows_a_move_and_its_undo(make_window):
    w = make_window()
    view, doc = w.canvas, w.document
    scene = view.net_scene

    def fitted_on_the_graph():  # Fit centres the view on the graph as it is now
        QTest.keyClick(view.viewport(), Qt.Key_F)
        seen = view.mapToScene(view.viewport().rect()).boundingRect()
        graph = scene.itemsBoundingRect()
        return seen.contains(graph) and abs(seen.center().x() - graph.center().x()) < 2

    assert fitted_on_the_graph()
    c = scene.nodes["n1"].sceneBoundingRect().center() + QPointF(0, 10)
    drag(view, c, c + QPointF(300, 0), steps=6)  # a node dragged to the right: the graph is wider
    assert fitted_on_the_graph()
    doc.undo_stack.undo()
    assert fitted_on_the_graph()


def wheel(view, pos, delta):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    local = QPointF(pos)
    event = QWheelEvent(local, QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, delta), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_minimap_shows_when_part_of_the_graph_is_out_of_view(make_window):
    w = make_window()
    view = w.canvas
    QTest.keyClick(view.viewport(), Qt.Key_F)
    assert not view.minimap.isVisible()
    center = view.viewport().rect().center()
    for _ in range(3):  # zoom in with the wheel until nodes leave the view
        QTest.mouseMove(view.viewport(), center)
        wheel(view, center, 600)
    assert view.minimap.isVisible()
    # panning scrolls the viewport, and with it its child widgets: the minimap stays put
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MiddleButton, Qt.NoModifier, center)
    QTest.mouseMove(vp, center + QPoint(-150, -80))
    QTest.mouseRelease(vp, Qt.MiddleButton, Qt.NoModifier, center + QPoint(-150, -80))
    corner = view.minimap.geometry().bottomRight()
    assert (corner.x() + 1, corner.y() + 1) == (view.viewport().width() - 12,
                                                 view.viewport().height() - 12)
    QTest.keyClick(view.viewport(), Qt.Key_F)
    assert not view.minimap.isVisible()


def test_tab_opens_quick_add_and_enter_adds(make_window):
    w = make_window()
    view = w.canvas
    w.document.set_selection(["n3"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key_Tab)
    assert view.quick_add.isVisible()
    QTest.keyClicks(view.quick_add.edit, "dropo")
    QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
    assert not view.quick_add.isVisible()
    node = w.document.project.nodes[-1]
    assert node.type == "Dropout"
    assert [e.source for e in w.document.project.incoming(node.id)] == ["n3"]  # wired to the selection
    w.document.undo_stack.undo()
    assert not w.document.project.has_node(node.id)


def test_double_click_empty_canvas_opens_quick_add(make_window):
    w = make_window()
    QTest.mouseDClick(w.canvas.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(900, 100))
    assert w.canvas.quick_add.isVisible()
    QTest.keyClick(w.canvas.quick_add.edit, Qt.Key_Escape)
    assert not w.canvas.quick_add.isVisible()


def test_node_flag_marker(make_window):
    w = make_window()
    w.canvas.set_node_flag("n1", "vanishing gradients")
    item = w.canvas.net_scene.nodes["n1"]
    assert item.flag == "vanishing gradients" and "vanishing" in item.toolTip()
    w.canvas.set_node_flag("n1", None)
    assert item.flag is None


def test_a_node_gives_qt_its_tooltip_when_the_pointer_comes_near(make_window, qtbot):
    w = make_window()
    w.canvas.set_node_flag("n1", "vanishing gradients")
    item = w.canvas.net_scene.nodes["n1"]
    native = QGraphicsItem.toolTip  # what Qt shows, not the text the item holds for it
    assert native(item) == ""  # thousands of nodes open at once: no tooltip is set up front
    vp = w.canvas.viewport()
    for p in (QPointF(2, 2), QPointF(view_point(w.canvas, item.sceneBoundingRect().center()))):
        # sent to the viewport itself: QTest's moves follow a window-system pointer that earlier
        # tests' drags leave in another state
        QApplication.sendEvent(vp, QMouseEvent(QEvent.MouseMove, p, vp.mapToGlobal(p), Qt.NoButton,
                                               Qt.NoButton, Qt.NoModifier))
    qtbot.waitUntil(lambda: "vanishing" in native(item))
    w.canvas.set_node_flag("n1", "exploding gradients")  # a hovered node's tooltip follows its state
    assert "exploding" in native(item) and native(item) == item.toolTip()


def test_edge_labels_follow_every_edit(make_window):
    w = make_window(chain_project(("Linear", {"out_features": 5})))
    doc = w.document
    doc.project.node("x").params["shape"] = (20,)
    doc.edited()
    edge = doc.project.incoming("y")[0]
    assert w.canvas.net_scene.edges[id(edge)].label == "[5]"
