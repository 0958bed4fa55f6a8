"""Per-layer gradient norms and sampled gradient/weight histograms, computed on the device, read in one sync.

Layers are the model's top-level children (named after node ids); parameters held by the
root module itself are grouped under "(root)"."""

from __future__ import annotations

import math

import torch

VANISHING, EXPLODING = 1e-7, 1e3  # absolute thresholds on a layer's gradient norm
RELATIVE = 1e4  # ...or this many times smaller/larger than the median layer
HIST_SAMPLES, HIST_BINS = 4096, 30


def layer_params(model: torch.nn.Module) -> dict[str, list[torch.nn.Parameter]]:
    groups: dict[str, list] = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            groups.setdefault(name.split(".")[0] if "." in name else "(root)", []).append(param)
    return groups


def grad_norms(groups: dict[str, list]) -> dict[str, float]:
    names, norms = [], []
    for name, params in groups.items():
        grads = [p.grad for p in params if p.grad is not None]
        if grads:
            names.append(name)
            norms.append(torch.linalg.vector_norm(
                torch.stack(torch._foreach_norm(grads)).float()))
    if not norms:
        return {}
    return dict(zip(names, torch.stack(norms).tolist()))  # the one sync


def grad_flags(norms: dict[str, float]) -> dict[str, str]:
    if not norms:
        return {}
    values = sorted(norms.values())
    median = values[len(values) // 2]
    flags = {}
    for name, norm in norms.items():
        if math.isnan(norm) or norm > EXPLODING or (median > 0 and norm > median * RELATIVE):
            flags[name] = "exploding"
        elif norm < VANISHING or (len(values) > 2 and norm * RELATIVE < median):
            flags[name] = "vanishing"
    return flags


def histograms(groups: dict[str, list], generator=None) -> dict[str, dict]:
    """Sampled histograms of each layer's gradients and weights, read in one sync:
    {"gradients": {layer: hist}, "weights": {layer: hist}}, hist = counts, min, max."""
    samples: dict[tuple[str, str], torch.Tensor] = {}
    for name, params in groups.items():
        largest = max(params, key=torch.Tensor.numel)  # the weight, in practice
        samples["weights", name] = _sample(largest.detach().reshape(-1), generator)
        grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
        if grads:
            samples["gradients", name] = _sample(max(grads, key=len), generator)
    out: dict[str, dict] = {"gradients": {}, "weights": {}}
    if not samples:
        return out
    binned = [_bin(flat) for flat in samples.values()]
    counts = torch.stack([c for c, _ in binned]).tolist()  # the one sync for the counts...
    bounds = torch.stack([b for _, b in binned]).tolist()  # ...and one for the ranges
    for (kind, name), c, (lo, hi) in zip(samples, counts, bounds):
        out[kind][name] = {"counts": c, "min": lo, "max": hi}
    return out


def _sample(flat: torch.Tensor, generator) -> torch.Tensor:
    if len(flat) > HIST_SAMPLES:
        idx = torch.randint(len(flat), (HIST_SAMPLES,), device=flat.device, generator=generator)
        flat = flat[idx]
    return flat.float()


def _bin(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """HIST_BINS counts between the sample's min and max, without leaving the device."""
    lo, hi = torch.aminmax(flat)
    hi = torch.maximum(hi, lo + 1e-12)  # a constant tensor still gets a non-empty range
    pos = ((flat - lo) / (hi - lo) * HIST_BINS).long().clamp_(0, HIST_BINS - 1)
    counts = torch.bincount(pos, minlength=HIST_BINS).float()
    return counts, torch.stack([lo, hi])
