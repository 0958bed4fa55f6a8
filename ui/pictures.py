"""Numpy pictures on screen: one conversion to a QImage that owns its pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap


def qimage(picture: np.ndarray) -> QImage:
    """An [H, W, C] uint8 picture (C = 1: gray, 3: RGB) as a QImage with its own pixels."""
    picture = np.ascontiguousarray(picture)
    h, w, c = picture.shape
    fmt = QImage.Format_Grayscale8 if c == 1 else QImage.Format_RGB888
    return QImage(picture.data, w, h, w * c, fmt).copy()  # copied: the numpy buffer goes away


def sharp_pixmap(picture: np.ndarray, scale: int) -> QPixmap:
    """The picture at `scale` times its size, each pixel a sharp square."""
    image = qimage(picture)
    return QPixmap.fromImage(image.scaled(image.width() * scale, image.height() * scale,
                                          Qt.KeepAspectRatio, Qt.FastTransformation))
