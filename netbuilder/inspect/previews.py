"""What a node's output looks like for one sample, summarised for a picture.

    feature_maps  conv/pool outputs [C, H, W]: one map per channel (the first MAX_MAPS)
    image         image-shaped tensors [1 or 3, H, W] of the Input and image-like layers
    dense         a vector [F]: the values as a strip, their histogram, the dead-ReLU share
    attention     attention layers: weights [heads, T, T] of the sample
    stats         everything else: mean, std, min, max (and a [T, F] heatmap for sequences)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

MAX_MAPS = 64
BINS = 30
CONV_TYPES = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
              "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxPool1d", "AvgPool1d")
IMAGE_TYPES = ("Input", "Output", "Sigmoid", "Upsample")
RELU_TYPES = ("ReLU", "ReLU6")


def tensor_stats(t: torch.Tensor) -> dict:
    """Shape and the summary numbers shown on an edge or a node (NaN-safe). One pass over
    the values and one sync: it runs for every node at each preview refresh."""
    shape = list(t.shape)
    t = t.detach().reshape(-1)
    if not t.dtype.is_floating_point:
        t = t.float()
    finite = torch.isfinite(t)
    nonfinite = int(t.numel() - finite.sum())
    if nonfinite:
        t = t[finite]
    out = {"shape": shape, "numel": int(np.prod(shape, dtype=np.int64)), "nonfinite": nonfinite}
    if t.numel():
        std, mean = torch.std_mean(t) if t.numel() > 1 else (torch.zeros(()), t.mean())
        lo, hi = torch.aminmax(t)
        zeros = (t == 0).sum() / t.numel()
        mean, std, lo, hi, zeros = torch.stack([mean, std, lo, hi, zeros]).tolist()
        out.update(mean=mean, std=std, min=lo, max=hi, zeros=zeros)
    return out


@dataclass
class Preview:
    node: str
    kind: str  # feature_maps | image | dense | attention | stats
    shape: list[int]  # one sample's
    stats: dict
    maps: np.ndarray | None = None  # [C, H, W] feature maps, or [C, H, W] image (C = 1 or 3)
    values: np.ndarray | None = None  # dense: [F]; stats of a sequence: [T, F]
    histogram: tuple | None = None  # (counts, edges)
    dead_share: float | None = None  # ReLU units at zero for every sample of the batch
    attention: np.ndarray | None = None  # [heads, T, T]
    notes: list[str] = field(default_factory=list)


def _dead_share(batch: torch.Tensor) -> float:
    """Units that are never positive over the batch: dead ReLUs (a unit is a feature, or a
    channel of a feature map)."""
    flat = batch.float().reshape(len(batch), batch.shape[1] if batch.ndim > 1 else 1, -1)
    alive = (flat > 0).any(dim=2).any(dim=0)
    return float(1 - alive.float().mean())


def _feeds_relu(project, node_id: str) -> bool:
    targets = [e.target for e in project.edges if e.source == node_id]
    return len(targets) == 1 and project.node(targets[0]).type in RELU_TYPES


def preview(project, node_id: str, batch: torch.Tensor, sample: int = 0,
            attention: torch.Tensor | None = None) -> Preview:
    """The preview of `node_id` for sample `sample` of `batch` (its output for several samples,
    [N, ...]: the dead-ReLU share is measured over all of them). `attention`: the node's
    attention weights [N, heads, T, T] when it is an attention layer."""
    node_type = project.node(node_id).type
    t = batch[sample].detach().float()
    stats = tensor_stats(batch[sample])
    p = Preview(node_id, "stats", list(t.shape), stats)
    if node_type in RELU_TYPES or _feeds_relu(project, node_id):
        p.dead_share = _dead_share(batch)
    if attention is not None:
        p.kind, p.attention = "attention", attention[sample].detach().float().numpy()
        return p
    if t.ndim == 3 and t.shape[0] in (1, 3) and node_type not in CONV_TYPES:
        p.kind, p.maps = "image", t.numpy()
    elif t.ndim == 3:
        p.kind, p.maps = "feature_maps", t[:MAX_MAPS].numpy()
        if t.shape[0] > MAX_MAPS:
            p.notes.append(f"the first {MAX_MAPS} of {t.shape[0]} channels")
    elif t.ndim == 1 and t.numel() > 1:
        p.kind, p.values = "dense", t.numpy()
    elif t.ndim == 2:
        p.values = t.numpy()  # a sequence [T, F] as a heatmap beside the numbers
    if p.kind in ("dense", "stats") and t.numel() > 1:
        finite = t[torch.isfinite(t)].numpy()
        if finite.size:
            counts, edges = np.histogram(finite, bins=BINS)
            p.histogram = (counts, edges)
    return p
