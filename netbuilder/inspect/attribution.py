"""Why the model decided: attributions of one sample's output to its input, with captum.

    integrated_gradients  path integral of gradients from a baseline (Sundararajan et al.
                          2017): the attributions add up to f(x) - f(baseline)
    saliency              |d output / d input|
    occlusion             how much the output drops when a patch is replaced by the baseline

Token inputs (int64 ids) have no gradient: their attributions are taken at the first Embedding
layer's output and summed over the embedding, one number per token."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from .activations import InspectError
from .predict import first_output

METHODS = ("integrated_gradients", "saliency", "occlusion")


@dataclass
class Attribution:
    values: np.ndarray  # shaped like one input sample
    method: str
    target: int  # the output (class) explained
    output: float  # f(x)[target]
    baseline_output: float | None = None  # f(baseline)[target] (integrated gradients)
    delta: float | None = None  # captum's completeness error (integrated gradients)


def _captum():
    os.environ.setdefault("MPLBACKEND", "Agg")  # captum imports pyplot; never a GUI backend
    import captum.attr
    return captum.attr


class _Scores(torch.nn.Module):
    """The model as captum needs it: one output tensor [N, outputs]."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        out = first_output(self.model(x))
        return out.reshape(len(out), -1)


def _occlusion_window(shape: tuple) -> tuple[tuple, tuple]:
    if len(shape) == 3:  # [C, H, W]: square patches an eighth of the side
        k = max(1, round(min(shape[1:]) / 8))
        return (shape[0], k, k), (shape[0], max(1, k // 2), max(1, k // 2))
    if len(shape) == 2:  # [T, F]: one time step
        return (1, shape[1]), (1, shape[1])
    return (1,) * len(shape), (1,) * len(shape)


def _embedding(model, project) -> str | None:
    if project is None:
        return None
    return next((n.id for n in project.nodes if n.type == "Embedding"), None)


def attribute(model: torch.nn.Module, x: torch.Tensor, target: int | None = None,
              method: str = "integrated_gradients", baseline: torch.Tensor | None = None,
              steps: int = 64, project=None) -> Attribution:
    """Attributions of sample `x` (one sample, with or without its batch axis) for output
    `target` (default: the predicted class, or the only output of a regressor). `baseline`:
    the reference input (default zeros; tables pass the training mean)."""
    if method not in METHODS:
        raise InspectError(f"Unknown attribution method '{method}'; choose one of "
                           f"{', '.join(METHODS)}.", field="method")
    attr = _captum()
    scores = _Scores(model)
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    x = x.to(device)
    if x.ndim == 0 or (project is not None and _single(project, x)):
        x = x[None]
    base = (torch.zeros_like(x) if baseline is None else baseline.to(device).reshape(x.shape)
            .to(x.dtype))
    try:
        with torch.no_grad():
            out = scores(x)
            base_out = scores(base)
        if target is None:
            target = int(out.argmax(1)) if out.shape[1] > 1 else 0
        if not 0 <= target < out.shape[1]:
            raise InspectError(f"--target {target} is out of range: the model has "
                               f"{out.shape[1]} outputs.", field="target")
        tokens = not x.dtype.is_floating_point
        delta = None
        if tokens:
            embed = _embedding(model, project)
            if embed is None or method != "integrated_gradients":
                raise InspectError("Token inputs are explained with integrated_gradients at an "
                                   "Embedding layer.", field="method")
            ig = attr.LayerIntegratedGradients(scores, getattr(model, embed))
            values, d = ig.attribute(x, base, target=target, n_steps=steps,
                                     return_convergence_delta=True)
            values, delta = values.sum(-1), float(d.abs().max())
        elif method == "integrated_gradients":
            values, d = attr.IntegratedGradients(scores).attribute(
                x, base, target=target, n_steps=steps, return_convergence_delta=True)
            delta = float(d.abs().max())
        elif method == "saliency":
            values = attr.Saliency(scores).attribute(x.detach().requires_grad_(), target=target,
                                                   abs=True)
        else:
            window, stride = _occlusion_window(tuple(x.shape[1:]))
            values = attr.Occlusion(scores).attribute(x, sliding_window_shapes=window,
                                                      strides=stride, baselines=base,
                                                      target=target)
    finally:
        model.train(was_training)
    return Attribution(values.detach().cpu().float().numpy()[0], method, int(target),
                       float(out[0, target]),
                       float(base_out[0, target]) if method == "integrated_gradients" else None,
                       delta)


def _single(project, x: torch.Tensor) -> bool:
    """x is one sample without its batch axis (its rank is the Input's)."""
    inputs = [n for n in project.nodes if n.type == "Input"]
    shape = inputs[0].resolved().get("shape") if inputs else None
    return shape is not None and x.ndim == len(shape)


def table_rows(attribution: Attribution, sample: np.ndarray, baseline: np.ndarray,
               names: list[str]) -> list[dict]:
    """Per-feature attributions named by column, with the sample's and the baseline's values
    in the columns' original units (give them un-normalized), largest effect first."""
    rows = [{"column": name, "value": float(v), "baseline": float(b), "attribution": float(a)}
            for name, v, b, a in zip(names, sample, baseline, attribution.values)]
    return sorted(rows, key=lambda r: -abs(r["attribution"]))
