"""What the first layer learned, and how every layer's weights moved over time."""

from __future__ import annotations

import numpy as np


def first_conv(project) -> str | None:
    """The first Conv2d node in the graph's order of computation."""
    from ..shapes import analyze

    order = analyze(project).order
    return next((n for n in order if project.node(n).type == "Conv2d"), None)


def first_conv_filters(model, project) -> tuple[str, np.ndarray] | None:
    """(node id, kernels [out, H, W] or [out, 3, H, W] for RGB inputs), each kernel scaled to
    [0, 1] on its own, so that every filter's pattern shows; None without a Conv2d."""
    node = first_conv(project)
    if node is None:
        return None
    w = getattr(model, node).weight.detach().float().cpu().numpy()
    if w.shape[1] != 3:
        w = w.mean(axis=1)  # one picture per filter: its kernels averaged over input channels
    flat = w.reshape(len(w), -1)
    lo, hi = flat.min(1), flat.max(1)
    scale = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    shape = (-1,) + (1,) * (w.ndim - 1)
    return node, (w - lo.reshape(shape)) / scale.reshape(shape)


def histogram_image(readings: list[dict], bins: int = 40) -> tuple[np.ndarray, float, float]:
    """Weight histograms over time as one image [time, bins] on a common value range.

    `readings` are the trainer's sampled histograms of one layer ({"counts", "min", "max"}),
    oldest first; each is rebinned onto the common bins through its cumulative counts (a bin
    split between two common bins gives each its share). Rows are normalised to their peak,
    so that the shape of each reading shows."""
    readings = [r for r in readings if r and r.get("counts")]
    if not readings:
        return np.zeros((0, bins)), 0.0, 0.0
    lo = min(float(r["min"]) for r in readings)
    hi = max(float(r["max"]) for r in readings)
    if hi - lo < 1e-12:
        hi = lo + 1e-6
    edges = np.linspace(lo, hi, bins + 1)
    image = np.zeros((len(readings), bins))
    for i, r in enumerate(readings):
        counts = np.asarray(r["counts"], dtype=float)
        r_lo, r_hi = float(r["min"]), float(r["max"])
        if r_hi - r_lo < 1e-12:  # every weight equal: one spike
            r_hi = r_lo + (hi - lo) / bins
        source = np.linspace(r_lo, r_hi, len(counts) + 1)
        cumulative = np.concatenate([[0.0], np.cumsum(counts)])
        image[i] = np.diff(np.interp(edges, source, cumulative))
        peak = image[i].max()
        if peak > 0:
            image[i] /= peak
    return image, lo, hi
