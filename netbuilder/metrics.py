"""Evaluation metrics for classifiers, binary classifiers and regressors.

`evaluate(task, outputs, targets, num_classes)` returns scalar metrics under the lower-case
keys of CONTRACT.md (the runtime's torch code, netbuilder/runtime/metrics.py: the same numbers
the exported train.py prints) plus details for plots (confusion matrix, ROC points,
predictions), which come from torchmetrics."""

from __future__ import annotations

import math

import torch

from .runtime.metrics import (  # noqa: F401 (declared once, in the runtime)
    ALL_METRICS,
    CLASSIFIER_METRICS,
    HIGHER_IS_BETTER,
    REGRESSION_METRICS,
    metric_names,
    scores,
)

MAX_CURVE_POINTS = 200  # ROC curves are thinned to this many points for plotting
MAX_SCATTER_POINTS = 5000


def default_metrics(task: str) -> list[str]:
    """What a run logs per epoch when the project names no metrics."""
    return ["mae", "r2"] if task == "regression" else ["accuracy", "f1"]


def _thin(values: torch.Tensor, limit: int) -> list[float]:
    if len(values) > limit:
        values = values[torch.linspace(0, len(values) - 1, limit).round().long()]
    return values.tolist()


def _roc_points(fpr: torch.Tensor, tpr: torch.Tensor) -> dict:
    return {"fpr": _thin(fpr, MAX_CURVE_POINTS), "tpr": _thin(tpr, MAX_CURVE_POINTS)}


def details(task: str, outputs: torch.Tensor, targets: torch.Tensor,
            num_classes: int | None = None, probabilities: bool = False) -> dict:
    """Confusion matrix and ROC curves (classifiers), predicted and actual (regression)."""
    import torchmetrics.functional.classification as TC  # slow to import: only when asked

    outputs, targets = outputs.detach().float(), targets.detach()
    if task == "classification":
        probs = outputs.softmax(dim=-1)
        fpr, tpr, _ = TC.multiclass_roc(probs, targets, num_classes=num_classes)
        return {"confusion_matrix": TC.multiclass_confusion_matrix(
                    probs, targets, num_classes=num_classes).tolist(),
                "roc_curve": [_roc_points(f, t) for f, t in zip(fpr, tpr)]}
    if task == "binary":
        probs = outputs if probabilities else outputs.sigmoid()
        if probs.ndim == 2 and probs.shape[1] > 1:  # multi-label: no single matrix
            return {}
        probs, targets = probs.reshape(-1), targets.reshape(-1).long()
        fpr, tpr, _ = TC.binary_roc(probs, targets)
        return {"confusion_matrix": TC.binary_confusion_matrix(probs, targets).tolist(),
                "roc_curve": [_roc_points(fpr, tpr)]}
    pred = outputs.reshape(targets.shape)
    return {"predicted": _thin(pred.reshape(-1), MAX_SCATTER_POINTS),
            "actual": _thin(targets.float().reshape(-1), MAX_SCATTER_POINTS)}


def evaluate(task: str, outputs: torch.Tensor, targets: torch.Tensor,
             num_classes: int | None = None, names=None, details: bool = True,
             probabilities: bool = False) -> dict:
    """Metrics of model `outputs` (logits for classifiers) against `targets`.

    `probabilities`: binary outputs are already in [0, 1] (a model trained with BCELoss).

    `names` limits the scalar metrics computed (auroc is the costly one); `details` adds
    confusion_matrix / roc_curve (classifiers) or predicted / actual (regression)."""
    if task not in ("classification", "binary", "regression"):
        raise ValueError(f"unknown task {task!r}")
    found = scores(task, outputs, targets, names or metric_names(task), probabilities)
    out = {k: (v if math.isfinite(v) else float("nan")) for k, v in found.items()}
    if details:
        out.update(_details(task, outputs, targets, num_classes, probabilities))
    return out


_details = details
