"""Node face texts are prepared while the app is idle after a load or an edit, not in the first
frame that shows them, and the canvas looks the same either way."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from netbuilder.spec import Edge, Node, Project
from ui.canvas.node_item import NodeItem
from ui.commands import SetParam


def _columns(n: int) -> Project:
    """Input -> n Linear/ReLU nodes in columns of 30 -> Output, ids of several widths."""
    nodes = [Node("x", "Input", {"shape": (8,)}, (0.0, 0.0))]
    for i in range(1, n + 1):
        kind, params = ("Linear", {"out_features": 8 + i}) if i % 2 else ("ReLU", {})
        nodes.append(Node(f"{kind.lower()}_{i:0{1 + i % 4}d}", kind, params, (260.0 * (i // 30), 130.0 * (i % 30))))
    nodes.append(Node("y", "Output", {}, (260.0 * (n // 30 + 1), 0.0)))
    edges = [Edge(a.id, b.id) for a, b in zip(nodes, nodes[1:])]
    return Project(name="Columns", nodes=nodes, edges=edges)


def _wheel(view, delta: int) -> None:
    pos = view.viewport().rect().center()
    event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def _elisions(monkeypatch) -> list:
    made = []
    original = NodeItem._face_texts
    monkeypatch.setattr(NodeItem, "_face_texts", lambda self: made.append(self.node_id) or original(self))
    return made


def test_texts_are_prepared_in_idle_steps_before_they_are_first_shown(make_window, qtbot, monkeypatch):
    w = make_window()
    view = w.canvas
    view.preparer.step_s = 0.0  # one node a step: the work is cut into steps, events run between them
    made = _elisions(monkeypatch)
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        w.document.set_project(_columns(600))  # too big to show at a readable zoom: fitted as
        assert view.zoom() < 0.45              # an overview, no text drawn yet
    nodes = view.net_scene.nodes
    assert view.preparer.steps == len(nodes) + len(view.net_scene.edges) + 1 == 602 + 601 + 1  # and the minimap
    assert sorted(made) == sorted(nodes)
    made.clear()
    view.centerOn(nodes["linear_01"].sceneBoundingRect().center())
    for _ in range(40):  # the user zooms in with the wheel until the texts show
        if view.zoom() >= 0.8:
            break
        _wheel(view, 240)
    assert view.zoom() >= 0.8
    view.viewport().repaint()
    assert made == []  # no node elided its texts in a frame: all were ready
    title, id_text, *_ = nodes["linear_01"]._texts
    assert (title, id_text) == ("Linear", "linear_01")


def test_prepared_texts_look_as_texts_made_at_paint(make_window, qtbot):
    w = make_window()
    view = w.canvas
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        w.document.set_project(_columns(40))
    for zoom in (0.5, 1.0):
        view.resetTransform()
        view.scale(zoom, zoom)
        view.centerOn(view.net_scene.nodes["x"].sceneBoundingRect().center() + QPointF(300, 300))
        prepared = view.viewport().grab().toImage()
        for item in view.net_scene.nodes.values():
            item._texts = None  # as a node never prepared: made when painted
        assert view.viewport().grab().toImage() == prepared


def test_an_edit_is_prepared_again_while_idle(make_window, qtbot):
    w = make_window()
    view, doc = w.canvas, w.document
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        doc.set_project(_columns(20))
    item = view.net_scene.nodes["linear_01"]
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        doc.push(SetParam(doc, "linear_01", "out_features", 77))
        assert item._texts is None  # the content changed: to be made again
        view.viewport().repaint()  # (at this zoom no text is drawn)
    assert item._texts[3] == "units 77"


def test_a_load_drops_the_preparation_of_the_items_it_replaced(make_window, qtbot):
    w = make_window()
    view, doc = w.canvas, w.document
    view.preparer.step_s = 0.0
    doc.set_project(_columns(60))
    view.viewport().repaint()  # the first paint queues the preparation
    with qtbot.waitSignal(view.preparer.finished, timeout=10_000):
        QApplication.processEvents()  # a few steps of it
        doc.set_project(_columns(30))  # another project before it finished
        assert not view.preparer.busy()
    assert all(i._texts is not None for i in view.net_scene.nodes.values())
    assert view.preparer.steps == len(view.net_scene.nodes) + len(view.net_scene.edges) + 1 == 32 + 31 + 1
