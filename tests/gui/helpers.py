"""Helpers for UI tests: a main window on a project, and real mouse gestures on the canvas."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from netbuilder.spec import Edge, Node, Project


def chain_project(*types_params) -> Project:
    """Input → layers... → Output, laid out top to bottom."""
    nodes = [Node("x", "Input", {"shape": (1, 28, 28)}, (0.0, 0.0))]
    for i, (t, params) in enumerate(types_params, start=1):
        nodes.append(Node(f"n{i}", t, dict(params), (0.0, 130.0 * i)))
    nodes.append(Node("y", "Output", {}, (0.0, 130.0 * (len(nodes)))))
    edges = [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)]
    return Project(name="Test", nodes=nodes, edges=edges)


def view_point(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(view, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press at start, move in steps, release at end: real mouse events on the viewport."""
    vp = view.viewport()
    a, b = view_point(view, start), view_point(view, end)
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        QTest.mouseMove(vp, QPoint(int(p.x()), int(p.y())))
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, b)


def click_node(view, node_id: str, modifier=Qt.NoModifier) -> None:
    item = view.net_scene.nodes[node_id]
    p = view_point(view, item.sceneBoundingRect().center())
    QTest.mouseClick(view.viewport(), Qt.LeftButton, modifier, p)
