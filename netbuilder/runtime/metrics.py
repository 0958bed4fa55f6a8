"""Epoch metrics in plain torch: accuracy, precision, recall, F1 and AUROC for classifiers
(macro averages over classes or labels), MSE, RMSE, MAE and R² for regression.

They agree with torchmetrics (checked in the test suite) without needing it, so an exported
bundle runs with torch alone."""

from __future__ import annotations

import math

import torch

CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "auroc")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
ALL_METRICS = CLASSIFIER_METRICS + REGRESSION_METRICS
HIGHER_IS_BETTER = {"accuracy", "precision", "recall", "f1", "auroc", "r2"}


def metric_names(task: str) -> tuple[str, ...]:
    return REGRESSION_METRICS if task == "regression" else CLASSIFIER_METRICS


def original_units(t: torch.Tensor, target_scale: dict | None) -> torch.Tensor:
    """Outputs or targets of a standardised regression target back in the target's own units:
    `target_scale` is the config's {"shift": [...], "scale": [...]}, one pair per target column
    (None: they are in its units already). Metrics are reported in those units."""
    if not target_scale:
        return t
    shift = torch.tensor(target_scale["shift"], dtype=torch.float64, device=t.device)
    scale = torch.tensor(target_scale["scale"], dtype=torch.float64, device=t.device)
    return (t.double().reshape(len(t), -1) * scale + shift).reshape(t.shape)


def scores(task: str, out: torch.Tensor, y: torch.Tensor, names=None,
           probabilities: bool = False) -> dict[str, float]:
    """The metrics in `names` (default: all of the task's) of outputs `out` against `y`.
    `probabilities`: binary outputs are already in [0, 1] (a model trained with BCELoss)."""
    names = set(metric_names(task) if names is None else names)
    out, y = out.detach().float(), y.detach()
    if task == "regression":
        found = regression_metrics(out, y)
    else:
        found = classifier_metrics(task, out, y, "auroc" in names, probabilities)
    return {k: v for k, v in found.items() if k in names}


def classifier_metrics(task: str, out, y, with_auroc: bool, probabilities: bool = False) -> dict:
    if task == "classification":  # one logit per class, class-index targets
        probs = out.softmax(dim=-1)
        classes = torch.arange(probs.shape[1], device=y.device)
        truth = y[:, None] == classes
        chosen = probs.argmax(dim=-1)[:, None] == classes
        accuracy = (chosen == truth).all(dim=1)
    else:  # one column per 0/1 target
        probs = out if probabilities else out.sigmoid()
        probs, truth = probs.reshape(len(y), -1), y.reshape(len(y), -1) > 0.5
        chosen = probs > 0.5
        accuracy = chosen == truth
    tp = (chosen & truth).sum(dim=0).double()
    fp = (chosen & ~truth).sum(dim=0).double()
    fn = (~chosen & truth).sum(dim=0).double()
    # a class absent from both targets and predictions is left out of the averages
    counted = (tp + fp + fn > 0) | (task != "classification")
    found = {"accuracy": accuracy.double().mean().item(),
             "precision": _class_mean(tp, tp + fp, counted),
             "recall": _class_mean(tp, tp + fn, counted),
             "f1": _class_mean(2 * tp, 2 * tp + fp + fn, counted)}
    if with_auroc:
        per_column = [auroc(probs[:, j], truth[:, j]) for j in range(probs.shape[1])]
        found["auroc"] = sum(per_column) / len(per_column)
    return found


def _class_mean(numerator, denominator, counted) -> float:
    """The mean over the counted classes of numerator / denominator (0 where that is 0 / 0)."""
    ratio = torch.where(denominator > 0, numerator / denominator, 0.0)
    return (ratio * counted).sum().item() / max(counted.sum().item(), 1)


def auroc(score, positive) -> float:
    """The chance that a positive outscores a negative, ties counting half; 0 when the
    targets hold no positive or no negative."""
    n_pos = positive.sum().item()
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 0.0
    _, group, counts = torch.unique(score, return_inverse=True, return_counts=True)
    counts = counts.double()
    mean_rank = counts.cumsum(0) - (counts - 1) / 2  # tied scores share their mean rank
    rank = mean_rank[group]
    return (rank[positive].sum().item() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def regression_metrics(out, y) -> dict:
    """MSE, RMSE, MAE and R² (several outputs: each output's R² weighted by its variance, so
    near-constant outputs such as blank image borders cannot dominate it)."""
    pred, y = out.reshape(y.shape).double(), y.double()
    err = pred - y
    mse = err.pow(2).mean().item()
    found = {"mse": mse, "rmse": math.sqrt(mse), "mae": err.abs().mean().item(),
             "r2": float("nan")}
    if len(y) > 1:
        err, y = err.reshape(len(y), -1), y.reshape(len(y), -1)
        rss = err.pow(2).sum(dim=0)
        tss = (y - y.mean(dim=0)).pow(2).sum(dim=0)
        # as torchmetrics: a near-perfect fit scores 1, a near-constant target otherwise 0
        r2 = torch.where(tss.abs() > 1e-4, 1 - rss / tss, 0.0)
        r2 = torch.where(rss.abs() > 1e-4, r2, 1.0)
        r2 = r2[0] if len(r2) == 1 else (tss / tss.sum() * r2).sum()
        found["r2"] = r2.item()
    return found
