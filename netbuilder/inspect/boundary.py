"""The decision map of a two-feature model: its prediction over the input plane, the picture
TensorFlow Playground made familiar. The grid is laid in the model's (normalized) space over the
data's extent; its axes are given in the columns' original units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import normalize
from .predict import forward, probabilities


@dataclass
class BoundaryGrid:
    x_range: tuple[float, float]  # original units, first feature
    y_range: tuple[float, float]  # original units, second feature
    classes: np.ndarray | None  # [rows, cols] predicted class (classifiers)
    confidence: np.ndarray  # [rows, cols] probability of the predicted class, or the value
    names: list[str]  # the two feature names


def two_features(bundle) -> bool:
    return tuple(bundle.input_shape) == (2,) and bundle.x_train.dtype.is_floating_point


def plane_extent(points: torch.Tensor, margin: float = 0.15) -> tuple:
    lo, hi = points.min(0).values, points.max(0).values
    pad = (hi - lo).clamp(min=1e-3) * margin
    return (lo - pad).tolist(), (hi + pad).tolist()


def decision_grid(model, bundle, resolution: int = 64, loss: str = "CrossEntropyLoss",
                  extent: tuple | None = None) -> BoundaryGrid:
    """Row r, column c of the result is the model at (x_c, y_r): rows go up the second feature."""
    lo, hi = extent or plane_extent(bundle.x_train)
    xs = torch.linspace(lo[0], hi[0], resolution)
    ys = torch.linspace(lo[1], hi[1], resolution)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    out = forward(model, grid)
    probs = probabilities(out, bundle.task, loss)
    if probs is None:
        classes, confidence = None, out.reshape(len(grid), -1)[:, 0]
    else:
        confidence, classes = probs.max(dim=1)
        classes = classes.reshape(resolution, resolution).numpy()
    corners = normalize.invert(np.array([lo, hi], dtype=np.float64), bundle.normalization)
    return BoundaryGrid((float(corners[0, 0]), float(corners[1, 0])),
                        (float(corners[0, 1]), float(corners[1, 1])), classes,
                        confidence.reshape(resolution, resolution).numpy(),
                        list(bundle.feature_names or ["x1", "x2"]))


def points_in_original_units(bundle, x: torch.Tensor) -> np.ndarray:
    return normalize.invert(x.numpy().astype(np.float64), bundle.normalization)
