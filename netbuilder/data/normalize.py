"""Feature normalization fitted on the training split only, kept as plain JSON-able stats."""

from __future__ import annotations

import numpy as np

from .errors import DataError

METHODS = ("standard", "minmax", "none")


def fit(x: np.ndarray, method: str, mask: np.ndarray | None = None) -> dict:
    """Per-feature stats over every axis but the last. `mask` False = leave column as is
    (one-hot columns). Constant features get scale 1 so they never divide by zero."""
    if method not in METHODS:
        raise DataError(f'data.normalize must be one of {", ".join(METHODS)}; got "{method}".')
    if method == "none":
        return {"method": "none"}
    flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
    if method == "standard":
        shift, scale = flat.mean(axis=0), flat.std(axis=0)
    else:
        shift, scale = flat.min(axis=0), flat.max(axis=0) - flat.min(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    if mask is not None:
        shift, scale = np.where(mask, shift, 0.0), np.where(mask, scale, 1.0)
    keys = ("mean", "std") if method == "standard" else ("min", "range")
    return {"method": method, "axis": -1, keys[0]: shift.tolist(), keys[1]: scale.tolist()}


def _shift_scale(stats: dict) -> tuple[np.ndarray, np.ndarray]:
    if stats["method"] == "standard":
        return np.asarray(stats["mean"]), np.asarray(stats["std"])
    return np.asarray(stats["min"]), np.asarray(stats["range"])


def apply(x: np.ndarray, stats: dict) -> np.ndarray:
    if stats["method"] == "none":
        return x
    shift, scale = _shift_scale(stats)
    return ((x - shift) / scale).astype(np.float32)


def invert(x: np.ndarray, stats: dict) -> np.ndarray:
    if stats["method"] == "none":
        return x
    shift, scale = _shift_scale(stats)
    return x * scale + shift
