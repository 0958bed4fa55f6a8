"""Where the model fails: the misclassified samples, a confusion-matrix cell's samples, and the
largest regression errors. Indices are into the arrays given (the validation or test split)."""

from __future__ import annotations

import torch


def misclassified(probs: torch.Tensor, y: torch.Tensor) -> list[dict]:
    """Every sample whose predicted class is not its true class, most confident first:
    [{"index", "predicted", "true", "confidence"}]."""
    confidence, predicted = probs.max(dim=1)
    y = y.reshape(-1).long()
    wrong = torch.nonzero(predicted != y).reshape(-1)
    order = wrong[confidence[wrong].argsort(descending=True)]
    return [{"index": int(i), "predicted": int(predicted[i]), "true": int(y[i]),
             "confidence": float(confidence[i])} for i in order]


def cell_samples(probs: torch.Tensor, y: torch.Tensor, true_class: int,
                 predicted_class: int) -> list[int]:
    """The samples in one confusion-matrix cell (row = true, column = predicted)."""
    predicted = probs.argmax(dim=1)
    y = y.reshape(-1).long()
    mask = (y == true_class) & (predicted == predicted_class)
    return [int(i) for i in torch.nonzero(mask).reshape(-1)]


def largest_errors(predicted: torch.Tensor, y: torch.Tensor, k: int = 24) -> list[dict]:
    """The k samples with the largest absolute error (summed over outputs), largest first."""
    err = (predicted.reshape(len(predicted), -1).float()
           - y.reshape(len(y), -1).float()).abs().sum(dim=1)
    order = err.argsort(descending=True)[:k]
    return [{"index": int(i), "error": float(err[i]),
             "predicted": predicted[i].reshape(-1).tolist(), "true": y[i].reshape(-1).tolist()}
            for i in order]


def nearest_confusions(probs: torch.Tensor, y: torch.Tensor, true_class: int,
                       predicted_class: int, k: int = 24) -> list[dict]:
    """The k samples of `true_class` the model found most like `predicted_class` (the highest
    probability of it), whatever they were predicted as: what a learner looks at when the
    pair's confusion-matrix cell is empty or small. [{"index", "predicted", "true",
    "confidence" (of the prediction), "p_other" (of predicted_class)}], closest first."""
    y = y.reshape(-1).long()
    rows = torch.nonzero(y == true_class).reshape(-1)
    if not len(rows):
        return []
    p_other = probs[rows, predicted_class]
    order = rows[p_other.argsort(descending=True)][:k]
    confidence, predicted = probs.max(dim=1)
    return [{"index": int(i), "predicted": int(predicted[i]), "true": true_class,
             "confidence": float(confidence[i]), "p_other": float(probs[i, predicted_class])}
            for i in order]
