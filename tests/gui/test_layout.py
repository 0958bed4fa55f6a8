"""Auto-layout and long-edge routing: no overlaps, no edge drawn behind other nodes, cheap far-away drawing."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPointF, QRectF

from netbuilder.templates import load_template, template_names
from ui.layout import NODE_H, NODE_W, layered_positions


def _rects(pos):
    return {nid: QRectF(x, y, NODE_W, NODE_H) for nid, (x, y) in pos.items()}


@pytest.mark.parametrize("name", template_names())
def test_layout_has_no_overlapping_nodes(name):
    project = load_template(name)
    rects = _rects(layered_positions(project))
    assert set(rects) == {n.id for n in project.nodes}
    items = list(rects.items())
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1:]:
            assert not ra.intersects(rb), f"{name}: {a} overlaps {b}"


@pytest.mark.parametrize("name", ["resnet", "conv_autoencoder", "lenet5", "mlp", "transformer"])
def test_no_edge_runs_behind_another_node(make_window, name):
    project = load_template(name)
    for n in project.nodes:
        n.pos = None  # force the auto-layout
    w = make_window(project)
    scene = w.canvas.net_scene
    rects = {nid: QRectF(item.pos().x(), item.pos().y(), NODE_W, NODE_H).adjusted(2, 2, -2, -2)
             for nid, item in scene.nodes.items()}
    assert scene.edges
    for edge in scene.edges.values():
        ends = {edge.edge.source, edge.edge.target}
        path = edge._path
        for k in range(81):
            p = path.pointAtPercent(k / 80)
            hit = [nid for nid, r in rects.items() if nid not in ends and r.contains(p)]
            assert not hit, f"{name}: {edge.edge.source} → {edge.edge.target} runs behind {hit}"


def test_edges_between_adjacent_rows_are_plain_curves(make_window):
    """The layout's row gap (56 px) leaves room for the plain S-curve: no lane, no bends."""
    project = load_template("mlp")
    for n in project.nodes:
        n.pos = None  # force the auto-layout
    w = make_window(project)
    scene = w.canvas.net_scene
    adjacent = [e for e in scene.edges.values()
                if e.target_item.pos().y() - e.source_item.pos().y() == NODE_H + 56
                and e.target_item.pos().x() == e.source_item.pos().x()]
    assert adjacent
    assert all(e.lane is None for e in adjacent), [(e.edge.source, e.edge.target) for e in adjacent if e.lane]


def test_resnet_skip_edge_gets_its_own_lane(make_window):
    project = load_template("resnet")
    w = make_window(project)
    scene = w.canvas.net_scene
    skip = [e for e in scene.edges.values() if (e.edge.source, e.edge.target) == ("stem_relu", "block1_add")]
    assert len(skip) == 1
    edge = skip[0]
    assert edge.lane is not None
    column = scene.nodes["block1_relu1"].sceneBoundingRect()
    assert not (column.left() < edge.lane < column.right())  # beside the column, not through it


def test_far_zoom_draws_a_batched_overview(make_window, monkeypatch):
    from ui.canvas.overview import OVERVIEW_ZOOM, Overview

    w = make_window(load_template("resnet"))
    view = w.canvas
    calls = []
    original = Overview.paint
    monkeypatch.setattr(Overview, "paint", lambda self, *a: (calls.append(self), original(self, *a))[1])
    stem = view.net_scene.nodes["stem"]
    view.resetTransform()
    view.centerOn(stem)
    view.viewport().repaint()
    assert not calls  # near: the items paint themselves
    view.zoom_by(OVERVIEW_ZOOM / 2)
    view.centerOn(stem)
    assert view.zoom() < OVERVIEW_ZOOM
    view.viewport().repaint()
    image = view.viewport().grab().toImage()
    assert calls  # far: one batched overview instead of an item-by-item paint
    inside = view.mapFromScene(stem.pos() + QPointF(NODE_W / 2, NODE_H / 2))
    assert image.pixelColor(inside).name() == stem._color.name()  # drawn as a block of its colour


def test_overview_lines_follow_each_edge_outline(make_window):
    """The far-away lines are each edge's coarse outline: a lane's three legs, a plain edge's one."""
    w = make_window(load_template("resnet"))
    scene = w.canvas.net_scene
    w.canvas.overview._collect()
    drawn = sorted(tuple(round(v) for v in line)  # rows of (x1, y1, x2, y2)
                   for lines in w.canvas.overview._lines.values() for line in lines.tolist())
    expected = []
    for edge in scene.edges.values():
        pts = edge.polyline
        expected += [(round(a.x()), round(a.y()), round(b.x()), round(b.y())) for a, b in itertools.pairwise(pts) if a != b]
    assert any(e.lane is not None for e in scene.edges.values())
    assert drawn == sorted(expected)
