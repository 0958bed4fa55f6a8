"""Per-layer gradient norms and sampled histograms, computed on the device, read in one sync.

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


def grad_histograms(groups: dict[str, list], generator=None) -> dict[str, dict]:
    """At most HIST_SAMPLES gradient values per layer, sampled, binned in HIST_BINS bins."""
    out = {}
    for name, params in groups.items():
        grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
        if not grads:
            continue
        flat = max(grads, key=len)  # the weight, in practice: enough for a shape
        if len(flat) > HIST_SAMPLES:
            idx = torch.randint(len(flat), (HIST_SAMPLES,), device=flat.device,
                                generator=generator)
            flat = flat[idx]
        flat = flat.float()
        lo, hi = torch.aminmax(flat)
        lo, hi = lo.item(), hi.item()
        hi = hi if hi > lo else lo + 1e-12  # histc needs a non-empty range
        counts = torch.histc(flat, bins=HIST_BINS, min=lo, max=hi)
        out[name] = {"counts": counts.tolist(), "min": lo, "max": hi}
    return out
