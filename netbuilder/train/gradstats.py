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


def histograms(groups: dict[str, list]) -> dict[str, dict]:
    """Sampled histograms of each layer's gradients and weights, read in one sync:
    {"gradients": {layer: hist}, "weights": {layer: hist}}, hist = counts, min, max.
    Non-finite values are left out of the counts (a NaN would otherwise fill bin 0)."""
    samples: dict[tuple[str, str], torch.Tensor] = {}
    for name, params in groups.items():
        largest = max(params, key=torch.Tensor.numel)  # the weight, in practice
        samples["weights", name] = _sample(largest.detach().reshape(-1))
        grads = [p.grad.reshape(-1) for p in params if p.grad is not None]
        if grads:
            samples["gradients", name] = _sample(max(grads, key=len))
    out: dict[str, dict] = {"gradients": {}, "weights": {}}
    if not samples:
        return out
    rows = _bin(list(samples.values())).tolist()  # the one sync
    for (kind, name), row in zip(samples, rows):
        out[kind][name] = {"counts": row[:HIST_BINS], "min": row[HIST_BINS],
                           "max": row[HIST_BINS + 1]}
    return out


def _sample(flat: torch.Tensor) -> torch.Tensor:
    """Every k-th value: no random numbers, so the run's RNG (dropout, batch order) and
    thus its results do not depend on how often the GUI asked for statistics."""
    if len(flat) > HIST_SAMPLES:
        flat = flat[::math.ceil(len(flat) / HIST_SAMPLES)]
    return flat.float()


def _bin(flats: list[torch.Tensor]) -> torch.Tensor:
    """Per sample: HIST_BINS counts between its finite min and max, then min and max, on the
    device. All samples at once, as rows of one NaN-padded matrix: a handful of kernels per
    reading instead of a dozen per layer (this runs on the training thread)."""
    rows = torch.nn.utils.rnn.pad_sequence(flats, batch_first=True, padding_value=math.nan)
    finite = torch.isfinite(rows)
    lo = torch.where(finite, rows, math.inf).amin(dim=1, keepdim=True)
    hi = torch.where(finite, rows, -math.inf).amax(dim=1, keepdim=True)
    lo = torch.where(torch.isfinite(lo), lo, 0.0)  # nothing finite: an empty histogram at 0
    hi = torch.where(torch.isfinite(hi), hi, 0.0)
    hi = torch.maximum(hi, lo + (lo.abs() * 1e-6).clamp(min=1e-12))  # a constant tensor
    pos = ((rows - lo) / (hi - lo) * HIST_BINS).nan_to_num(0.0).long().clamp_(0, HIST_BINS - 1)
    pos.masked_fill_(~finite, HIST_BINS)  # one more bin per row, for what is not counted
    pos += torch.arange(len(flats), device=rows.device).unsqueeze(1) * (HIST_BINS + 1)  # each row its own
    counts = torch.bincount(pos.reshape(-1), minlength=len(flats) * (HIST_BINS + 1))
    return torch.cat([counts.reshape(len(flats), HIST_BINS + 1)[:, :HIST_BINS].float(), lo, hi], dim=1)
