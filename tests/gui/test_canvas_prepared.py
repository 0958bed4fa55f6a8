"""Edges' curves and the minimap's dots are made while the app is idle after a load or an edit, not
in the first frame that shows them (the first jump from the fitted overview to item zoom)."""

from __future__ import annotations

from itertools import pairwise

from netbuilder.spec import Edge, Node, Project
from ui.canvas import edge_item
from ui.canvas.minimap import Minimap
from ui.commands import MoveNodes


def _grid(n: int) -> Project:
    """Input -> n ReLUs in columns of 20 -> Output: fitted as an overview, with edges between columns."""
    nodes = [Node("x", "Input", {"shape": (8,)}, (0.0, 0.0))]
    nodes += [Node(f"r{i}", "ReLU", {}, (260.0 * (i // 20), 130.0 * (i % 20 + 1))) for i in range(n)]
    nodes.append(Node("y", "Output", {}, (260.0 * (n // 20 + 1), 0.0)))
    return Project(name="Grid", nodes=nodes, edges=[Edge(a.id, b.id) for a, b in pairwise(nodes)])


def _made(monkeypatch) -> list:
    """Records every curve and minimap pixmap made from now on."""
    made = []
    for name in ("curve_xy", "routed_xy"):
        original = getattr(edge_item, name)
        monkeypatch.setattr(edge_item, name, lambda *a, _o=original, _n=name: made.append(_n) or _o(*a))
    render = Minimap._render
    monkeypatch.setattr(Minimap, "_render", lambda self: made.append("minimap") or render(self))
    return made


def test_curves_and_minimap_are_ready_before_the_first_jump_to_item_zoom(make_window, qtbot, monkeypatch):
    w = make_window()
    view = w.canvas
    made = _made(monkeypatch)
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        w.document.set_project(_grid(600))  # fitted whole: drawn as the overview, no curve made
    scene = view.net_scene
    assert all(e._curve is not None for e in scene.edges.values())
    assert "minimap" in made and made.count("curve_xy") + made.count("routed_xy") == len(scene.edges)
    made.clear()
    view.resetTransform()
    view.scale(0.5, 0.5)  # a jump into the graph: items paint themselves, the minimap shows
    view.centerOn(scene.nodes["r50"].sceneBoundingRect().center())
    view.viewport().repaint()
    assert view.minimap.isVisible()
    view.minimap.repaint()
    assert made == []  # every curve in view and the minimap's dots were ready


def test_a_move_makes_its_edges_curves_again_while_idle(make_window, qtbot, monkeypatch):
    w = make_window()
    view, doc = w.canvas, w.document
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        doc.set_project(_grid(30))
    edge = next(e for e in view.net_scene.edges.values() if e.edge.target == "r5")
    before = edge._curve
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        doc.push(MoveNodes(doc, {"r5": ((0.0, 780.0), (1000.0, 1000.0))}))
        assert edge._curve is None  # laid out again: to be made again
        view.viewport().repaint()
    assert edge._curve is not None and edge._curve != before
