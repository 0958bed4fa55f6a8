"""A large project's items get their flags (selectable, movable) after the first paint, in idle
steps; whatever the user does first still finds them flagged."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem

from netbuilder.spec import Edge, Node, Project

from .helpers import drag

SELECTABLE, MOVABLE = QGraphicsItem.ItemIsSelectable, QGraphicsItem.ItemIsMovable


def column(n: int) -> Project:
    """Input → n - 2 ReLUs → Output in one column: more items than the scene flags at once."""
    nodes = [Node("x", "Input", {"shape": (8,)}, (0.0, 0.0))]
    nodes += [Node(f"r{i}", "ReLU", {}, (0.0, 130.0 * i)) for i in range(1, n - 1)]
    nodes.append(Node("y", "Output", {}, (0.0, 130.0 * (n - 1))))
    return Project(name="Column", nodes=nodes, edges=[Edge(a.id, b.id) for a, b in pairwise(nodes)])


def flagged(item) -> bool:
    return (item.flags() & item.FLAGS) == item.FLAGS


def test_a_large_project_is_flagged_in_idle_steps_after_its_first_paint(make_window, qtbot):
    w = make_window(column(150))
    scene = w.canvas.net_scene
    w.document.set_project(column(150))  # loaded into a shown window: as File > Open
    items = [*scene.nodes.values(), *scene.edges.values()]
    assert not any(flagged(i) for i in items)  # none of it needed before the first paint
    w.canvas.viewport().repaint()
    qtbot.waitUntil(lambda: all(flagged(i) for i in items))
    assert all(i.flags() & MOVABLE for i in scene.nodes.values())
    assert not any(i.flags() & MOVABLE for i in scene.edges.values())  # edges are only selectable


def test_a_selection_right_after_the_open_selects(make_window):
    w = make_window(column(150))
    w.document.set_project(column(150))
    w.document.set_selection(["r3", "r4"])
    assert set(w.canvas.net_scene.selected_node_ids()) == {"r3", "r4"}


def test_a_drag_right_after_the_open_moves_the_node(make_window):
    w = make_window(column(150))
    doc, view = w.document, w.canvas
    doc.set_project(column(150))
    view.resetTransform()
    view.centerOn(95, 300)
    item = view.net_scene.nodes["r2"]
    c = item.sceneBoundingRect().center() + QPointF(0, 10)
    drag(view, c, c + QPointF(200, 40), steps=6)
    assert doc.project.node("r2").pos != (0.0, 260.0)
    assert doc.undo_stack.count() == 1


def test_a_rubber_band_right_after_the_open_selects(make_window):
    w = make_window(column(150))
    view = w.canvas
    w.document.set_project(column(150))
    view.resetTransform()
    view.centerOn(95, 300)
    scene = view.net_scene
    r = scene.nodes["x"].sceneBoundingRect().united(scene.nodes["r1"].sceneBoundingRect())
    drag(view, r.topLeft() + QPointF(-30, -30), r.bottomRight() + QPointF(30, -20))
    assert set(w.document.selection) == {"x", "r1"}


def test_a_few_new_items_are_flagged_at_once(make_window):
    w = make_window()
    scene = w.canvas.net_scene
    assert all(flagged(i) for i in [*scene.nodes.values(), *scene.edges.values()])
    node_id = w.canvas.add_node("ReLU", QPointF(400, 100), connect_from="n1")
    assert flagged(scene.nodes[node_id])
    assert all(flagged(e) for e in scene.nodes[node_id].edges)
