"""Metrics against hand-computed values."""

import pytest
import torch

from netbuilder.metrics import evaluate


def test_multiclass_metrics_and_confusion():
    target = torch.tensor([0, 0, 1, 1, 2, 2])
    pred = torch.tensor([0, 1, 1, 1, 2, 0])
    logits = torch.nn.functional.one_hot(pred, 3).float() * 5
    m = evaluate("classification", logits, target, 3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    # per class precision 1/2, 2/3, 1; recall 1/2, 1, 1/2
    assert m["precision"] == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    assert m["recall"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert len(m["roc_curve"]) == 3 and set(m["roc_curve"][0]) == {"fpr", "tpr"}
    assert 0 <= m["auroc"] <= 1


def test_binary_threshold_half():
    target = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    logits = torch.tensor([[-2.0], [0.1], [-0.1], [3.0]])  # sigmoid > .5 iff logit > 0
    m = evaluate("binary", logits, target)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(0.5) and m["recall"] == pytest.approx(0.5)
    assert m["confusion_matrix"] == [[1, 1], [1, 1]]


def test_regression_metrics():
    actual = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    pred = torch.tensor([[1.5], [2.0], [2.0], [4.0]])
    m = evaluate("regression", pred, actual)
    assert m["mse"] == pytest.approx((0.25 + 1) / 4)
    assert m["rmse"] == pytest.approx(m["mse"] ** 0.5)
    assert m["mae"] == pytest.approx(1.5 / 4)
    assert m["r2"] == pytest.approx(1 - 1.25 / 5)
    assert m["predicted"] == [1.5, 2.0, 2.0, 4.0] and m["actual"] == [1.0, 2.0, 3.0, 4.0]


def test_r2_of_several_outputs_ignores_constant_columns():
    actual = torch.stack([torch.arange(10.0), torch.zeros(10)], 1)  # column 2 is blank
    pred = actual + torch.tensor([0.5, 0.01])
    m = evaluate("regression", pred, actual, details=False)
    assert m["r2"] > 0.9 and "predicted" not in m


def test_binary_outputs_that_are_already_probabilities():
    """A model trained with BCELoss ends in a Sigmoid: its outputs must not be squashed again."""
    probs = torch.tensor([[0.1], [0.4], [0.6], [0.9]])
    target = torch.tensor([[0.0], [0.0], [1.0], [1.0]])
    assert evaluate("binary", probs, target, probabilities=True)["accuracy"] == 1.0
    assert evaluate("binary", probs, target)["accuracy"] == 0.5  # read as logits, all are ≥ 0.5
