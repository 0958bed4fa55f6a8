"""Lines and rectangles drawn straight from numpy arrays: QPainter's array calls (drawLines,
drawRects with a pointer and a count) read the doubles in place, where a Python list of QLineF or
QRectF costs a Qt object made and converted per line (the far-away overview has thousands)."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter


def floats(rows, width: int = 4) -> np.ndarray:
    """An (n, width) C-contiguous float64 array: the layout of n QLineF (x1, y1, x2, y2) or QRectF
    (x, y, w, h), whose coordinates are doubles."""
    return np.ascontiguousarray(np.asarray(rows, dtype=np.float64).reshape(-1, width))


def draw_lines(painter: QPainter, lines: np.ndarray) -> None:
    """painter.drawLines of an array from floats(): one line per row."""
    if len(lines):
        painter.drawLines(shiboken6.wrapInstance(lines.ctypes.data, QLineF), len(lines))


def draw_rects(painter: QPainter, rects: np.ndarray) -> None:
    """painter.drawRects of an array from floats(): one rectangle (x, y, w, h) per row."""
    if len(rects):
        painter.drawRects(shiboken6.wrapInstance(rects.ctypes.data, QRectF), len(rects))
