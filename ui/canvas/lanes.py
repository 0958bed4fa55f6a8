"""Lanes for many edges at once (a project opening): the answers EdgeItem._find_lane gives edge by
edge, with the node lookups of all edges done in one numpy pass.

Edge by edge, a 5,000-node project made ~10,000 lookups of the nodes near an edge, each a Python
loop over the scene's grid cells (~0.2 s of its opening). Here every lookup rectangle is matched
against the nodes in the grid cells it covers, all rectangles together; the few edges that need
a free lane beside a column get it from the same free_lane, given the same boxes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from ..layout import NODE_H, NODE_W
from .edge_item import BEND, CLEAR, free_lane, label_width


def find_lanes(corners: list[tuple[float, float]], ends: list[tuple[float, float, float, float]],
               tips: list[tuple[int, int]], cell: float) -> list[float | None]:
    """For each edge (ax, ay, bx, by), joining the nodes numbered `tips` (source, target) in
    `corners` (each node's top-left corner): None when its plain curve is clear of other nodes,
    else the x of its lane, as EdgeItem._find_lane finds it."""
    if not ends:
        return []
    grid = _Grid(np.asarray(corners, dtype=np.float64).reshape(-1, 2), cell)
    e = np.asarray(ends, dtype=np.float64).reshape(-1, 4)
    ax, ay, bx, by = e[:, 0], e[:, 1], e[:, 2], e[:, 3]
    tip = np.asarray(tips, dtype=np.int64).reshape(-1, 2)
    dy = by - ay
    handle = np.where(dy > 0, np.maximum(40.0, np.abs(dy) * 0.45), 80.0 + np.minimum(np.abs(dy), 400) * 0.25)
    lo_x, hi_x = np.minimum(ax, bx), np.maximum(ax, bx)
    lanes: list[float | None] = [None] * len(e)
    # downwards within its endpoints' box: the plain curve, unless another node is in that box
    down = handle <= dy
    q = np.flatnonzero(down)
    blocked = grid.any_in(lo_x[q] - 4, ay[q] + 4, hi_x[q] + 4, by[q] - 4, skip=tip[q])
    routed = np.concatenate([q[blocked], np.flatnonzero(~down)])
    routed.sort()
    prefer = np.where(down, bx, (ax + bx) / 2)[routed]
    y1, y2 = ay[routed] + BEND, by[routed] - BEND
    top, bottom = np.minimum(y1, y2) - CLEAR, np.maximum(y1, y2) + CLEAR
    near = grid.any_in(prefer - CLEAR, top, prefer + CLEAR, bottom)
    for i, p in zip(routed[~near].tolist(), prefer[~near].tolist()):
        lanes[i] = p  # no node keeps CLEAR of the preferred line
    k = np.flatnonzero(near)
    r = routed[k]
    who, boxes = grid.pairs(lo_x[r] - 2 * NODE_W, top[k], hi_x[r] + 2 * NODE_W, bottom[k])
    starts = np.searchsorted(who, np.arange(len(r) + 1))
    xs, ys = boxes[:, 0].tolist(), boxes[:, 1].tolist()
    for j, (i, p, a, b) in enumerate(zip(r.tolist(), prefer[k].tolist(), y1[k].tolist(), y2[k].tolist())):
        found = [(x, y, x + NODE_W, y + NODE_H) for x, y in zip(xs[starts[j]:starts[j + 1]], ys[starts[j]:starts[j + 1]])]
        lanes[i] = free_lane(found, a, b, p)
    return lanes


class _Grid:
    """The nodes by grid cell (as the scene's lookup grid files them), sorted by cell, so that
    the nodes of a run of cells down one grid column are one slice."""

    def __init__(self, corners: np.ndarray, cell: float):
        self.cell = cell
        self.xy = corners
        i = np.floor(corners[:, 0] / cell).astype(np.int64)
        j = np.floor(corners[:, 1] / cell).astype(np.int64)
        self.j0 = int(j.min()) if len(j) else 0
        self.rows = (int(j.max()) - self.j0 + 1) if len(j) else 1
        key = i * self.rows + (j - self.j0)  # by grid column, then by row in it
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def pairs(self, left, top, right, bottom, skip=None) -> tuple[np.ndarray, np.ndarray]:
        """(rectangle number, corner) for each node whose rectangle intersects one of the given
        rectangles, ordered by rectangle; as NetScene.corners_within tests them. `skip`: per
        rectangle, two node numbers left out."""
        cell, n = self.cell, len(left)
        if n == 0 or len(self.order) == 0:
            return np.zeros(0, np.int64), np.zeros((0, 2))
        i_lo = np.floor((left - NODE_W) / cell).astype(np.int64)
        i_hi = np.floor(right / cell).astype(np.int64)
        j_lo = np.maximum(np.floor((top - NODE_H) / cell).astype(np.int64) - self.j0, 0)
        j_hi = np.minimum(np.floor(bottom / cell).astype(np.int64) - self.j0, self.rows - 1)
        # one (rectangle, grid column) pair per column each rectangle covers
        ncols = np.where(j_lo <= j_hi, np.maximum(i_hi - i_lo + 1, 0), 0)
        rect = np.repeat(np.arange(n), ncols)
        col = i_lo[rect] + _ramp(ncols)
        first = np.searchsorted(self.keys, col * self.rows + j_lo[rect], "left")
        last = np.searchsorted(self.keys, col * self.rows + j_hi[rect], "right")
        count = last - first
        rect = np.repeat(rect, count)
        node = self.order[np.repeat(first, count) + _ramp(count)]
        x, y = self.xy[node, 0], self.xy[node, 1]
        hit = (x < right[rect]) & (x + NODE_W > left[rect]) & (y < bottom[rect]) & (y + NODE_H > top[rect])
        if skip is not None:
            hit &= (node != skip[rect, 0]) & (node != skip[rect, 1])
        return rect[hit], self.xy[node[hit]]

    def any_in(self, left, top, right, bottom, skip=None) -> np.ndarray:
        """Per rectangle, whether any node (but the two in `skip`) intersects it."""
        rect, _ = self.pairs(left, top, right, bottom, skip)
        return np.bincount(rect, minlength=len(left)) > 0


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.cumsum(counts) - counts
    return np.arange(total) - np.repeat(starts, counts)


def set_routes(items: list, ends: list[tuple[float, float, float, float]], lanes: list[float | None]) -> None:
    """EdgeItem.set_route for many new edges at once: the bounds and label pills of all of them
    in one numpy pass (the same float operations), then only the results set on each item
    (a new item's curve, outline and label point are still its class's None)."""
    if not items:
        return
    e = np.asarray(ends, dtype=np.float64).reshape(-1, 4)
    ax, ay, bx, by = e[:, 0], e[:, 1], e[:, 2], e[:, 3]
    lane = np.array([np.nan if v is None else v for v in lanes], dtype=np.float64)
    plain = np.isnan(lane)
    dy = by - ay
    h = np.where(dy > 0, np.maximum(40.0, np.abs(dy) * 0.45), 80.0 + np.minimum(np.abs(dy), 400) * 0.25)
    y1, y2 = ay + BEND, by - BEND
    k = np.where(y2 < y1, 1.5 * BEND, 0.5 * BEND)
    lx = np.where(plain, ax, lane)  # a plain curve's x range is its ends'
    mx = np.where(plain, (ax + bx) / 2, lane)
    my = np.where(plain, (ay + by) / 2, (y1 + y2) / 2)
    left = np.minimum(np.minimum(ax, bx), lx) - 6
    right = np.maximum(np.maximum(ax, bx), lx) + 6
    top = np.where(plain, np.minimum.reduce([ay, ay + h, by - h, by]),
                   np.minimum.reduce([ay, ay + k, y1, y2, by - k, by])) - 6
    bottom = np.where(plain, np.maximum.reduce([ay, ay + h, by - h, by]),
                      np.maximum.reduce([ay, ay + k, y1, y2, by - k, by])) + 6
    width = np.array([label_width(item.label) if item.label else 0.0 for item in items], dtype=np.float64)
    labelled = np.array([bool(item.label) for item in items])
    px, py = mx + 8, my - 9
    left = np.where(labelled, np.minimum(left, px), left)
    top = np.where(labelled, np.minimum(top, py), top)
    right = np.where(labelled, np.maximum(right, px + width), right)
    bottom = np.where(labelled, np.maximum(bottom, py + 18), bottom)
    rows = zip(items, ends, lanes, left.tolist(), top.tolist(), (right - left).tolist(), (bottom - top).tolist(),
               labelled.tolist(), px.tolist(), py.tolist(), width.tolist())
    for item, end, lane_x, x, y, w, hh, has_label, lpx, lpy, lw in rows:
        item._ends, item.lane = end, lane_x
        item._bounds = QRectF(x, y, w, hh)
        if has_label:
            item._label_rect = QRectF(lpx, lpy, lw, 18)
