"""Lanes found for a whole project at once (as it opens) are the lanes each edge finds alone."""

from __future__ import annotations

import random

import numpy as np
import pytest

from netbuilder.spec import Edge, Node, Project
from netbuilder.templates import load_template
from ui.canvas import scene as scene_module
from ui.canvas.lanes import _Grid
from ui.canvas.scene import CELL, NetScene
from ui.document import Document


def _scattered(seed: int, n: int) -> Project:
    """Nodes near each other on a lattice (columns across grid-cell borders, overlaps, nodes above
    their sources) joined at random: every way of routing is taken."""
    rnd = random.Random(seed)
    p = Project(name="scattered")
    for i in range(n):
        x = rnd.choice([0, 250, 500, 510, 1000, -490]) + rnd.randrange(-3, 4) * 100.0 + rnd.random() * (seed % 2)
        y = rnd.randrange(-20, 20) * 63.0 + (rnd.random() * 10 if seed % 3 == 0 else 0)
        p.nodes.append(Node(f"n{i}", "Add" if i % 3 else "ReLU", {}, (x, y)))
    for i in range(1, n):
        for _ in range(1 if i % 3 == 0 else 2):
            p.edges.append(Edge(f"n{rnd.randrange(n)}", f"n{i}"))
    return p


def _chain_of_blocks(blocks: int) -> Project:
    """Linear → ReLU → Add(skip) blocks, laid out automatically: skip edges get lanes beside columns."""
    p = Project(name="blocks")
    p.nodes.append(Node("x", "Input", {"shape": (8,)}))
    prev = "x"
    for b in range(blocks):
        fc, act, add = f"fc{b}", f"act{b}", f"add{b}"
        p.nodes += [Node(fc, "Linear", {"out_features": 8}), Node(act, "ReLU"), Node(add, "Add")]
        p.edges += [Edge(prev, fc), Edge(fc, act), Edge(act, add), Edge(prev, add)]
        prev = add
    p.nodes.append(Node("y", "Output"))
    p.edges.append(Edge(prev, "y"))
    return p


@pytest.mark.parametrize("project", [_chain_of_blocks(60), load_template("resnet"), load_template("vae"),
                                     *(_scattered(seed, 120) for seed in range(6))],
                         ids=["blocks", "resnet", "vae", *(f"scattered{s}" for s in range(6))])
def test_lanes_found_at_once_are_those_found_edge_by_edge(qapp, monkeypatch, project):
    """And the bounds and label pills laid out all at once are those each edge lays out alone."""
    monkeypatch.setattr(scene_module, "_BATCH", 1)  # every project's edges in one pass
    doc = Document()
    doc.set_project(project)
    scene = NetScene(doc)
    def layout(e):  # all that set_route lays out, as the scene's batch sets it (lanes.set_routes)
        return e.lane, e.ends, e.boundingRect().getRect(), e._label_rect.getRect()

    at_once = {key: layout(e) for key, e in scene.edges.items()}
    assert any(lane is not None for lane, *_ in at_once.values())
    for e in scene.edges.values():
        e.update_path()  # alone, as after a move
    alone = {key: layout(e) for key, e in scene.edges.items()}
    assert at_once == alone


def test_nodes_found_in_rectangles_are_those_the_scene_finds(qapp):
    """On a fine lattice many rectangles just touch a node, or end on a grid-cell border."""
    rnd = random.Random(7)
    p = Project(name="lattice", nodes=[Node(f"n{i}", "ReLU", {}, (rnd.randrange(-300, 300) * 5.0,
                                                                  rnd.randrange(-300, 300) * 2.0))
                                       for i in range(400)])
    doc = Document()
    doc.set_project(p)
    scene = NetScene(doc)
    items = list(scene.nodes.values())
    grid = _Grid(np.array([item.corner for item in items]), CELL)
    rects = np.array([(x, y, x + rnd.randrange(0, 120) * 5.0, y + rnd.randrange(0, 200) * 2.0)
                      for x, y in ((rnd.randrange(-330, 300) * 5.0, rnd.randrange(-330, 300) * 2.0)
                                   for _ in range(300))])
    who, corners = grid.pairs(*rects.T)
    found = [set() for _ in rects]
    for r, corner in zip(who.tolist(), corners.tolist()):
        found[r].add(tuple(corner))
    expected = [{corner for _, corner in scene.corners_within(*rect)} for rect in rects.tolist()]
    assert sum(map(len, expected)) > 300
    assert found == expected
