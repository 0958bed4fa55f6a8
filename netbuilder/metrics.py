"""Evaluation metrics for classifiers, binary classifiers and regressors (torchmetrics).

`evaluate(task, outputs, targets, num_classes)` returns scalar metrics under the lower-case
keys of CONTRACT.md plus details for plots (confusion matrix, ROC points, predictions)."""

from __future__ import annotations

import math

import torch

# torchmetrics (about 1 s to import) is imported where a metric is computed, not at import:
# validating or opening a project needs these names but computes no metric.

CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "auroc")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
ALL_METRICS = CLASSIFIER_METRICS + REGRESSION_METRICS
HIGHER_IS_BETTER = {"accuracy", "precision", "recall", "f1", "auroc", "r2"}
MAX_CURVE_POINTS = 200  # ROC curves are thinned to this many points for plotting
MAX_SCATTER_POINTS = 5000


def metric_names(task: str) -> tuple[str, ...]:
    return REGRESSION_METRICS if task == "regression" else CLASSIFIER_METRICS


def default_metrics(task: str) -> list[str]:
    """What a run logs per epoch when the project names no metrics."""
    return ["mae", "r2"] if task == "regression" else ["accuracy", "f1"]


def _thin(values: torch.Tensor, limit: int) -> list[float]:
    if len(values) > limit:
        values = values[torch.linspace(0, len(values) - 1, limit).round().long()]
    return values.tolist()


def _roc_points(fpr: torch.Tensor, tpr: torch.Tensor) -> dict:
    return {"fpr": _thin(fpr, MAX_CURVE_POINTS), "tpr": _thin(tpr, MAX_CURVE_POINTS)}


def _classification(logits, target, num_classes, names, details):
    import torchmetrics.functional.classification as TC

    probs = logits.float().softmax(dim=-1)
    kw = {"num_classes": num_classes}
    out = {
        "accuracy": TC.multiclass_accuracy(probs, target, average="micro", **kw),
        "precision": TC.multiclass_precision(probs, target, average="macro", **kw),
        "recall": TC.multiclass_recall(probs, target, average="macro", **kw),
        "f1": TC.multiclass_f1_score(probs, target, average="macro", **kw),
    }
    if "auroc" in names:
        out["auroc"] = TC.multiclass_auroc(probs, target, average="macro", **kw)
    if details:
        out["confusion_matrix"] = TC.multiclass_confusion_matrix(probs, target, **kw).tolist()
        fpr, tpr, _ = TC.multiclass_roc(probs, target, **kw)
        out["roc_curve"] = [_roc_points(f, t) for f, t in zip(fpr, tpr)]
    return out


def _binary(logits, target, names, details, probabilities=False):
    import torchmetrics.functional.classification as TC

    probs = logits.float() if probabilities else logits.float().sigmoid()
    target = target.long()
    if probs.ndim == 2 and probs.shape[1] > 1:  # several 0/1 targets: multi-label
        kw = {"num_labels": probs.shape[1], "threshold": 0.5}
        out = {"accuracy": TC.multilabel_accuracy(probs, target, average="micro", **kw),
               "precision": TC.multilabel_precision(probs, target, average="macro", **kw),
               "recall": TC.multilabel_recall(probs, target, average="macro", **kw),
               "f1": TC.multilabel_f1_score(probs, target, average="macro", **kw)}
        if "auroc" in names:
            out["auroc"] = TC.multilabel_auroc(probs, target, num_labels=probs.shape[1],
                                               average="macro")
        return out
    probs, target = probs.reshape(-1), target.reshape(-1)
    out = {"accuracy": TC.binary_accuracy(probs, target, threshold=0.5),
           "precision": TC.binary_precision(probs, target, threshold=0.5),
           "recall": TC.binary_recall(probs, target, threshold=0.5),
           "f1": TC.binary_f1_score(probs, target, threshold=0.5)}
    if "auroc" in names:
        out["auroc"] = TC.binary_auroc(probs, target)
    if details:
        out["confusion_matrix"] = TC.binary_confusion_matrix(probs, target).tolist()
        fpr, tpr, _ = TC.binary_roc(probs, target)
        out["roc_curve"] = [_roc_points(fpr, tpr)]
    return out


def _regression(pred, target, details):
    import torchmetrics.functional as TM

    pred, target = pred.float().reshape(target.shape), target.float()
    mse = TM.mean_squared_error(pred, target)
    out = {"mse": mse, "rmse": mse.sqrt(), "mae": TM.mean_absolute_error(pred, target)}
    # r2 needs two samples; several outputs (pixels of an autoencoder) are weighted by
    # variance, so near-constant outputs (blank borders) cannot dominate it
    flat_p, flat_t = pred.reshape(len(pred), -1), target.reshape(len(target), -1)
    out["r2"] = (TM.r2_score(flat_p.squeeze(1), flat_t.squeeze(1)) if flat_p.shape[1] == 1
                 else TM.r2_score(flat_p, flat_t, multioutput="variance_weighted")
                 ) if len(pred) > 1 else torch.tensor(float("nan"))
    if details:
        out["predicted"] = _thin(pred.reshape(-1), MAX_SCATTER_POINTS)
        out["actual"] = _thin(target.reshape(-1), MAX_SCATTER_POINTS)
    return out


def evaluate(task: str, outputs: torch.Tensor, targets: torch.Tensor,
             num_classes: int | None = None, names=None, details: bool = True,
             probabilities: bool = False) -> dict:
    """Metrics of model `outputs` (logits for classifiers) against `targets`.

    `probabilities`: binary outputs are already in [0, 1] (a model trained with BCELoss).

    `names` limits the scalar metrics computed (auroc is the costly one); `details` adds
    confusion_matrix / roc_curve (classifiers) or predicted / actual (regression)."""
    names = set(names or metric_names(task))
    outputs, targets = outputs.detach(), targets.detach()
    if task == "classification":
        out = _classification(outputs, targets, num_classes, names, details)
    elif task == "binary":
        out = _binary(outputs, targets, names, details, probabilities)
    elif task == "regression":
        out = _regression(outputs, targets, details)
    else:
        raise ValueError(f"unknown task {task!r}")
    return {k: (_to_float(v) if isinstance(v, torch.Tensor) else v) for k, v in out.items()}


def _to_float(value: torch.Tensor) -> float:
    value = float(value)
    return value if math.isfinite(value) else float("nan")
