"""The canvas's node size and automatic layout: Qt-free, they live in the core (netbuilder.layout)."""

from netbuilder.layout import GAP_X, GAP_Y, MAX_ROWS, NODE_H, NODE_W, ensure_positions, layered_positions

__all__ = ["GAP_X", "GAP_Y", "MAX_ROWS", "NODE_H", "NODE_W", "ensure_positions", "layered_positions"]
