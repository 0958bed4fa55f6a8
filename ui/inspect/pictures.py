"""numpy arrays -> QPixmaps: feature-map mosaics, colour-mapped heat maps, crisp upscaling."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

_LUTS: dict[str, np.ndarray] = {}


def lut(name: str = "viridis") -> np.ndarray:
    if name not in _LUTS:
        import pyqtgraph as pg  # on the first picture, not when the window starts

        _LUTS[name] = pg.colormap.get(name).getLookupTable(nPts=256, alpha=False).astype(np.uint8)
    return _LUTS[name]


def unit(a: np.ndarray) -> np.ndarray:
    """Scaled to [0, 1] over its own finite range (a constant array is 0.5)."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = a.min(initial=0.0), a.max(initial=0.0)
    return np.full_like(a, 0.5) if hi - lo < 1e-12 else (a - lo) / (hi - lo)


def mosaic(maps: np.ndarray, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """[C, H, W] -> one [rows*(H+pad), cols*(W+pad)] image, each map scaled on its own; the
    gaps are NaN (drawn as background)."""
    c, h, w = maps.shape
    cols = cols or max(1, math.ceil(math.sqrt(c * w / max(h, 1) * 1.0)))
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), np.nan)
    for i in range(c):
        r, k = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, k * (w + pad):k * (w + pad) + w] = unit(maps[i])
    return out


def colored(values: np.ndarray, cmap: str = "viridis", background=(30, 30, 36)) -> np.ndarray:
    """[H, W] in [0, 1] (NaN = background) -> RGB uint8 [H, W, 3]."""
    nan = np.isnan(values)
    idx = (np.clip(np.nan_to_num(values), 0, 1) * 255).astype(np.uint8)
    rgb = lut(cmap)[idx]
    rgb[nan] = background
    return rgb


def gray(values: np.ndarray) -> np.ndarray:
    v = (np.clip(np.nan_to_num(values, nan=0.0), 0, 1) * 255).astype(np.uint8)
    return np.repeat(v[..., None], 3, axis=2)


def pixmap(rgb: np.ndarray, width: int | None = None, height: int | None = None) -> QPixmap:
    """RGB uint8 [H, W, 3] -> a QPixmap scaled (nearest: pixels stay pixels) to fit."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
    pm = QPixmap.fromImage(image)
    if width or height:
        pm = pm.scaled(width or 10 ** 6, height or 10 ** 6, Qt.KeepAspectRatio, Qt.FastTransformation)
    return pm


def heat_over(sample_gray: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """An attribution heat map (red up, blue down) over a gray image, both [H, W]."""
    from netbuilder.inspect.render import heat_rgba

    rgba = heat_rgba(heat).astype(np.float64) / 255.0
    base = gray(unit(sample_gray)).astype(np.float64) / 255.0
    alpha = rgba[..., 3:4]
    return ((base * (1 - alpha) + rgba[..., :3] * alpha) * 255).astype(np.uint8)


def picture_label(min_height: int = 60) -> QLabel:
    """A label for pictures that never asks for its pixmap's size: the views' pixmaps follow
    the room they get, not the other way round."""
    label = QLabel()
    label.setAlignment(Qt.AlignCenter)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)
    label.setMinimumSize(40, min_height)
    return label
