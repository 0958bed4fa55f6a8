"""The node-frame stamps: one per look at the scales in use, not one per zoom ever drawn."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ui.canvas import node_frame, pens


def test_stamps_are_kept_for_the_last_two_scales_only(qtbot):
    node_frame._stamps.clear()
    p = pens.current()
    for lod in (1.0, 1.1, 1.21, 1.331):  # a wheel zoom: a new scale each frame
        for color in ("#ff0000", "#00ff00"):
            pm = node_frame.stamp(p, QColor(color), "plain", False, (1, 1, True), lod, 1.0)
    assert list(node_frame._stamps) == [(1.21, 1.0), (1.331, 1.0)]
    assert all(len(looks) == 2 for looks in node_frame._stamps.values())
    again = node_frame.stamp(p, QColor("#00ff00"), "plain", False, (1, 1, True), 1.331, 1.0)
    assert again is pm  # the same look at the same scale is stamped from the cache
