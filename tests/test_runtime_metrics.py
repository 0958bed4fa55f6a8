"""The runtime's torch-only metrics against torchmetrics, the reference, on awkward inputs:
ties in the scores (AUROC), classes that are never a target or never predicted (the macro
averages), binary and multi-label outputs, one and several regression outputs (variance-weighted
R²), a constant target column, image targets."""

import math

import pytest
import torch
import torchmetrics.functional as TM
import torchmetrics.functional.classification as TC

from netbuilder.runtime.metrics import scores


def reference(task, out, y, num_classes=None):
    """torchmetrics' values under the runtime's names and averaging."""
    out = out.float()
    if task == "classification":
        probs, kw = out.softmax(dim=-1), {"num_classes": num_classes}
        return {"accuracy": TC.multiclass_accuracy(probs, y, average="micro", **kw),
                "precision": TC.multiclass_precision(probs, y, average="macro", **kw),
                "recall": TC.multiclass_recall(probs, y, average="macro", **kw),
                "f1": TC.multiclass_f1_score(probs, y, average="macro", **kw),
                "auroc": TC.multiclass_auroc(probs, y, average="macro", **kw)}
    if task == "binary":
        probs, y = out.sigmoid(), y.long()
        if probs.shape[1] > 1:
            kw = {"num_labels": probs.shape[1], "threshold": 0.5}
            return {"accuracy": TC.multilabel_accuracy(probs, y, average="micro", **kw),
                    "precision": TC.multilabel_precision(probs, y, average="macro", **kw),
                    "recall": TC.multilabel_recall(probs, y, average="macro", **kw),
                    "f1": TC.multilabel_f1_score(probs, y, average="macro", **kw),
                    "auroc": TC.multilabel_auroc(probs, y, num_labels=probs.shape[1], average="macro")}
        probs, y = probs.reshape(-1), y.reshape(-1)
        return {"accuracy": TC.binary_accuracy(probs, y), "precision": TC.binary_precision(probs, y),
                "recall": TC.binary_recall(probs, y), "f1": TC.binary_f1_score(probs, y),
                "auroc": TC.binary_auroc(probs, y)}
    pred = out.reshape(y.shape)
    mse = TM.mean_squared_error(pred, y)
    flat_p, flat_t = pred.reshape(len(pred), -1), y.reshape(len(y), -1)
    r2 = (TM.r2_score(flat_p.squeeze(1), flat_t.squeeze(1)) if flat_p.shape[1] == 1
          else TM.r2_score(flat_p, flat_t, multioutput="variance_weighted"))
    return {"mse": mse, "rmse": mse.sqrt(), "mae": TM.mean_absolute_error(pred, y), "r2": r2}


def check(task, out, y, num_classes=None):
    ours, theirs = scores(task, out, y), reference(task, out, y, num_classes)
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        value = float(value)
        assert abs(ours[key] - value) <= 1e-5 * max(1.0, abs(value)) or (
            math.isnan(ours[key]) and math.isnan(value)), (task, key, ours[key], value)


@pytest.mark.filterwarnings("ignore:No positive samples", "ignore:No negative samples")
@pytest.mark.parametrize("seed", range(6))
def test_runtime_metrics_equal_torchmetrics(seed):
    gen = torch.Generator().manual_seed(seed)
    n = 40 + seed * 13
    # 5 classes: logits rounded so that probabilities tie (auroc's ties); class 4 is neither a
    # target nor a prediction (the macro averages leave it out), class 3 is predicted but never a target
    logits = (torch.randn(n, 5, generator=gen) * 2).round()
    logits[:, 3] += 1
    logits[:, 4] -= 20
    check("classification", logits, torch.randint(0, 3, (n,), generator=gen), 5)
    check("classification", logits[:, :3], torch.randint(0, 3, (n,), generator=gen), 3)
    for labels in (1, 3):  # binary: one logit against 0/1 floats; multi-label: three
        out = torch.randn(n, labels, generator=gen).round()
        check("binary", out, (torch.rand(n, labels, generator=gen) < 0.4).float())
    y = torch.randn(n, 1, generator=gen)
    check("regression", y + 0.3 * torch.randn(n, 1, generator=gen), y)
    y = torch.randn(n, 4, generator=gen) * torch.tensor([1.0, 3.0, 0.1, 0.0]) + 2
    check("regression", y + 0.2 * torch.randn(n, 4, generator=gen), y)
    y = torch.rand(n, 1, 3, 3, generator=gen)  # an autoencoder's image targets
    check("regression", y + 0.1 * torch.randn(n, 1, 3, 3, generator=gen), y)
