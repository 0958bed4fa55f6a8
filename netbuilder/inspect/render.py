"""Attribution pictures without Qt (Pillow): a heat map over an image sample, bars otherwise.
Red pushes the explained output up, blue pushes it down."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SIDE = 256


def heat_rgba(values: np.ndarray) -> np.ndarray:
    """[H, W] signed values -> RGBA uint8: red positive, blue negative, alpha by magnitude."""
    peak = float(np.abs(values).max()) or 1.0
    v = np.clip(values / peak, -1, 1)
    rgba = np.zeros(v.shape + (4,), dtype=np.uint8)
    rgba[..., 0] = np.where(v > 0, 255, 40)
    rgba[..., 1] = 40
    rgba[..., 2] = np.where(v < 0, 255, 40)
    rgba[..., 3] = (np.abs(v) ** 0.7 * 220).astype(np.uint8)
    return rgba


def sample_gray(sample: np.ndarray) -> np.ndarray:
    """An image sample [C, H, W] as gray [H, W] in 0..255 (scaled to its own range)."""
    img = sample.mean(axis=0) if sample.ndim == 3 else sample
    lo, hi = float(img.min()), float(img.max())
    return ((img - lo) / (hi - lo if hi - lo > 1e-12 else 1.0) * 255).astype(np.uint8)


def overlay_png(sample: np.ndarray, values: np.ndarray, path) -> None:
    """The sample in gray with the attributions (summed over channels) over it."""
    heat = values.sum(axis=0) if values.ndim == 3 else values
    size = (SIDE, round(SIDE * heat.shape[0] / heat.shape[1]))
    base = Image.fromarray(sample_gray(sample), "L").convert("RGBA").resize(size, Image.NEAREST)
    top = Image.fromarray(heat_rgba(heat), "RGBA").resize(size, Image.NEAREST)
    Image.alpha_composite(base, top).convert("RGB").save(path)


def bars_png(values: np.ndarray, names: list[str], path) -> None:
    """One horizontal bar per feature (or token), named."""
    values = np.asarray(values, dtype=float).reshape(-1)
    names = list(names) if names and len(names) == len(values) else [str(i) for i in range(len(values))]
    row, label_w, bar_w = 18, 8 + 7 * max(len(n) for n in names), 240
    img = Image.new("RGB", (label_w + 2 * bar_w + 16, row * len(values) + 12), "white")
    draw = ImageDraw.Draw(img)
    peak = float(np.abs(values).max()) or 1.0
    mid = label_w + bar_w
    for i, (name, v) in enumerate(zip(names, values)):
        y = 6 + i * row
        draw.text((4, y + 2), name, fill="black")
        end = mid + v / peak * (bar_w - 4)
        draw.rectangle([min(mid, end), y + 3, max(mid, end), y + row - 3],
                       fill=(220, 60, 60) if v > 0 else (60, 90, 220))
    draw.line([mid, 0, mid, img.height], fill="gray")
    img.save(path)
