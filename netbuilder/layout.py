"""Automatic layered layout (top to bottom) for projects whose nodes have no positions (Qt-free: the
importers and the canvas both use it)."""

from __future__ import annotations

from netbuilder.graph import Graph
from netbuilder.limits import clamp_position
from netbuilder.spec import Project

NODE_W, NODE_H = 190.0, 70.0
GAP_X, GAP_Y = 60.0, 56.0
MAX_ROWS = 8  # deeper graphs wrap into further columns so that they fit a screen


def layered_positions(project: Project, max_rows: int = MAX_ROWS) -> dict[str, tuple[float, float]]:
    """Layers by longest path from the inputs, ordered by the barycentre of their parents."""
    g = Graph.of(project)
    if g.order is None:  # a loop: lay out a spanning tree of it
        import networkx as nx

        from netbuilder.graph import to_networkx

        g = Graph(g.succ, nx.dfs_tree(to_networkx(project)).edges)
    rank = {n: i for i, n in enumerate(g.succ)}
    level: dict[str, int] = {}
    for node in g.order:
        level[node] = max((level[p] + 1 for p in g.pred[node]), default=0)
    layers: dict[int, list[str]] = {}
    for node, lv in level.items():
        layers.setdefault(lv, []).append(node)
    order: dict[str, float] = {}
    for lv in sorted(layers):
        members = layers[lv]
        def bary(v):
            parents = [order[p] for p in g.pred[v] if p in order]
            return (sum(parents) / len(parents) if parents else rank[v], rank[v])
        members.sort(key=bary)
        for i, v in enumerate(members):
            order[v] = i - (len(members) - 1) / 2
    pos = {}
    x0 = 0.0
    # very deep graphs get taller columns, so the whole graph stays a roughly square overview
    max_rows = max(max_rows, int((2 * len(layers)) ** 0.5))
    for column in _columns(g, level, len(layers), max_rows):
        widest = max(len(layers[lv]) for lv in column)
        x0 += widest * (NODE_W + GAP_X) / 2
        for row, lv in enumerate(column):
            for v in layers[lv]:
                pos[v] = (x0 + order[v] * (NODE_W + GAP_X), row * (NODE_H + GAP_Y))
        x0 += widest * (NODE_W + GAP_X) / 2 + GAP_X * 1.5
    return {v: clamp_position(*p) for v, p in pos.items()}  # a huge graph would run off the canvas


def _columns(g: Graph, level: dict[str, int], depth: int, max_rows: int) -> list[list[int]]:
    """Split the layers into columns that fit a screen, breaking where one edge alone crosses.

    A break where a single node feeds everything below keeps skip connections (residual
    blocks) inside one column; a long chain with no such place is cut at max_rows anyway."""
    if depth <= max_rows * 1.25:
        return [list(range(depth))]
    crossing: list[set[str]] = [set() for _ in range(depth)]  # sources of edges crossing below level L
    for u, targets in g.succ.items():
        for v in targets:
            for lv in range(level[u], level[v]):
                crossing[lv].add(u)
    columns, current = [], []
    for lv in range(depth):
        current.append(lv)
        clean = len(crossing[lv]) == 1 and lv < depth - 1
        if (clean and len(current) >= max_rows * 0.75) or len(current) >= max_rows * 1.5:
            columns.append(current)
            current = []
    if current:
        columns.append(current)
    return columns


def ensure_positions(project: Project) -> bool:
    """Give every node a position when any lacks one; returns whether it laid the graph out."""
    if all(n.pos is not None for n in project.nodes):
        return False
    pos = layered_positions(project)
    for n in project.nodes:
        n.pos = pos.get(n.id, (0.0, 0.0))
    return True
