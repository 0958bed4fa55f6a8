"""l1, l2, grad_clip, schedules and early stopping each change training observably."""

import itertools
from pathlib import Path

import torch
from torch import nn

from netbuilder.data import load_data
from netbuilder.train import Reporter, train

BLOBS = load_data({"kind": "builtin", "name": "blobs", "n": 256}, Path("."), "CrossEntropyLoss")
BASE = {"optimizer": {"type": "SGD", "lr": 0.1}, "batch_size": 32, "epochs": 6, "metrics": []}


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))


def weights(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters() if p.ndim > 1])


def fit(**overrides):
    model = mlp()
    result = train(model, BLOBS, {**BASE, **overrides})
    return model, result


def test_l1_makes_weights_sparser_and_l2_smaller():
    plain, _ = fit()
    l1, _ = fit(l1=0.05)
    l2, _ = fit(l2=0.05)
    assert weights(l1).abs().sum() < 0.8 * weights(plain).abs().sum()
    assert (weights(l1).abs() < 1e-2).sum() > (weights(plain).abs() < 1e-2).sum()
    assert weights(l2).norm() < 0.9 * weights(plain).norm()


def test_grad_clip_bounds_each_update():
    lr = 0.5
    for clip, bound in ((None, None), (0.01, 0.01 * lr)):
        model = mlp()
        before = [p.detach().clone() for p in model.parameters()]
        train(model, BLOBS, {**BASE, "optimizer": {"type": "SGD", "lr": lr},
                             "batch_size": 256, "epochs": 1, "grad_clip": clip})
        step = torch.cat([(p.detach() - b).reshape(-1) for p, b in
                          zip(model.parameters(), before)]).norm()
        if bound is None:
            assert step > 0.05
        else:
            assert step <= bound * 1.001


def lrs(schedule, epochs=6, **extra):
    seen = []

    class Lr(Reporter):
        def on_epoch(self, epoch, logs):
            seen.append(logs["lr"])

    train(mlp(), BLOBS, {**BASE, "epochs": epochs, "schedule": schedule, **extra}, Lr())
    return seen


def test_schedules_change_the_learning_rate():
    assert lrs(None) == [0.1] * 6
    step = lrs({"type": "StepLR", "step_size": 2, "gamma": 0.1})
    assert [round(v, 6) for v in step] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    cosine = lrs({"type": "CosineAnnealingLR"})
    assert cosine[0] == 0.1 and all(a > b for a, b in itertools.pairwise(cosine))
    # val loss of a separable set keeps falling slowly; min_lr guard: use a huge threshold
    plateau = lrs({"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5,
                   "threshold": 10.0})
    assert plateau[0] == 0.1 and plateau[-1] < 0.1


def test_early_stopping_ends_the_run():
    # threshold impossible to beat: patience 2 -> stops after epoch 3
    _, result = fit(epochs=30, early_stopping={"monitor": "val_loss", "patience": 2,
                                               "min_delta": 10.0})
    assert result.stopped_early and result.epochs == 3 and result.status == "done"
    _, acc = fit(epochs=30, early_stopping={"monitor": "val_accuracy", "patience": 3})
    assert acc.stopped_early and acc.epochs < 30 and "val_accuracy" in acc.history[0]
    assert acc.best_epoch == max(acc.history, key=lambda h: h["val_accuracy"])["epoch"]
