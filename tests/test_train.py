"""Trainer: settings parsing, learning, NaN detection, stopping, reporting cadence."""

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from netbuilder.data import load_data
from netbuilder.train import Reporter, Trainer, TrainError, TrainSettings, train

MOONS = load_data({"kind": "builtin", "name": "moons", "n": 600}, Path("."), "CrossEntropyLoss")


def mlp(n_in=2, n_out=2, hidden=32, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                         nn.ReLU(), nn.Linear(hidden, n_out))


class Recorder(Reporter):
    def __init__(self, stop_after=None):
        self.steps, self.epochs, self.batches, self.grads = [], [], 0, []
        self.stop_after, self.info, self.result = stop_after, None, None

    def on_start(self, info):
        self.info = info

    def on_step(self, step, epoch, loss, lr):
        self.steps.append((step, epoch, loss, lr))

    def on_epoch(self, epoch, logs):
        self.epochs.append(logs)

    def on_grad_stats(self, step, norms, histograms):
        self.grads.append((step, norms, histograms))

    def should_stop(self):
        self.batches += 1
        return self.stop_after is not None and self.batches > self.stop_after

    def on_end(self, result):
        self.result = result


SETTINGS = {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01},
            "batch_size": 32, "epochs": 15, "metrics": ["accuracy", "f1"]}


def test_settings_parse_and_reject_unknown_fields():
    s = TrainSettings.from_dict({**SETTINGS, "optimizer": {"type": "SGD", "lr": 0.1,
                                                            "momentum": 0.9, "nesterov": True},
                                 "schedule": {"type": "CosineAnnealingLR"}, "l2": 1e-4})
    assert s.optimizer == "SGD" and s.optimizer_args["momentum"] == 0.9
    assert TrainSettings.from_dict(s.to_dict()) == s
    cases = [({"optimiser": {}}, "optimiser"), ({"loss": "CrossEntropy"}, "CrossEntropy"),
             ({"optimizer": {"type": "Adam", "momentum": 0.9}}, "momentum"),
             ({"optimizer": {"type": "SGD", "lr": 0.1, "momentum": -1}}, "optimizer"),
             ({"schedule": {"type": "StepLR", "step": 2}}, "step"),
             ({"batch_size": 0}, "batch_size"), ({"epochs": 2.5}, "epochs"),
             ({"metrics": ["acc"]}, "acc"), ({"device": "tpu"}, "tpu"),
             ({"early_stopping": {"monitor": "val_acc"}}, "val_acc")]
    for bad, named in cases:
        with pytest.raises(TrainError, match=named):
            TrainSettings.from_dict(bad)


def test_mlp_learns_moons_and_reports_sparsely():
    rec = Recorder()
    model = mlp()
    result = train(model, MOONS, SETTINGS, rec)
    assert result.status == "done" and result.epochs == 15
    assert result.metrics["accuracy"] >= 0.95
    assert set(result.metrics) == {"accuracy", "precision", "recall", "f1", "auroc"}
    steps_per_epoch = math.ceil(len(MOONS.x_train) / 32)
    total_steps = 15 * steps_per_epoch
    assert [s[0] for s in rec.steps] == list(range(50, total_steps + 1, 50))
    assert len(rec.epochs) == 15 and {"train_loss", "val_loss", "val_accuracy", "lr",
                                      "epoch_time", "grad_norms"} <= set(rec.epochs[0])
    assert set(rec.epochs[-1]["grad_norms"]) == {"0", "2", "4"}  # top-level children
    assert rec.result is result and len(result.history) == 15
    assert result.evaluation["confusion_matrix"]
    assert rec.grads and len(rec.grads[0][2]["gradients"]["0"]["counts"]) == 30


def test_tuple_output_trains_on_first():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = mlp()

        def forward(self, x):
            out = self.body(x)
            return out, out.sum()

    result = train(Two(), MOONS, {**SETTINGS, "epochs": 3})
    assert result.metrics["accuracy"] > 0.8


def test_nan_loss_stops_with_a_message():
    rec = Recorder()
    with pytest.raises(TrainError, match=r"epoch 1 .*learning rate") as err:
        train(mlp(), MOONS, {**SETTINGS, "optimizer": {"type": "SGD", "lr": 1e12}}, rec)
    assert "NaN or infinite" in str(err.value)
    assert rec.result.status == "failed" and len(rec.epochs) == 0


def test_inf_input_is_caught_at_the_step():
    bad = load_data({"kind": "builtin", "name": "moons", "n": 100, "split": {"val": 0.2}}, ".",
                    "CrossEntropyLoss")
    bad.x_train[7, 0] = float("inf")
    with pytest.raises(TrainError, match="epoch 1 \\(steps? "):
        train(mlp(), bad, {**SETTINGS, "batch_size": 4}, report_every=5)


def test_should_stop_takes_effect_within_one_batch():
    rec = Recorder(stop_after=7)
    result = train(mlp(), MOONS, {**SETTINGS, "batch_size": 8}, rec, report_every=1)
    assert result.status == "stopped" and result.epochs == 0
    assert len(rec.steps) == 7  # batches 1..7 ran, the 8th poll stopped before training


def test_empty_validation_uses_training_data():
    b = load_data({"kind": "builtin", "name": "blobs", "n": 200, "split": {"val": 0.0}}, ".",
                  "BCEWithLogitsLoss")
    rec = Recorder()
    result = train(mlp(n_out=1), b, {**SETTINGS, "loss": "BCEWithLogitsLoss", "epochs": 3},
                   rec)
    assert rec.info["val_on_train"] and rec.epochs[0]["val_on_train"]
    assert any("empty" in note for note in rec.info["notes"])
    assert result.metrics["accuracy"] > 0.9


def test_regression_metrics_and_shape_check():
    b = load_data({"kind": "builtin", "name": "sine", "n": 200}, ".", "MSELoss")
    flat = nn.Sequential(nn.Flatten(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 1))
    result = train(flat, b, {"loss": "MSELoss", "epochs": 5, "metrics": ["mse", "r2"]})
    assert set(result.metrics) == {"mse", "rmse", "mae", "r2"} and result.metrics["r2"] > 0.5
    wrong = nn.Sequential(nn.Flatten(), nn.Linear(32, 3))
    with pytest.raises(TrainError, match=r"outputs shape \[3\].*targets have shape \[1\]"):
        Trainer(wrong, b, {"loss": "MSELoss"}).run()
    with pytest.raises(TrainError, match=r"outputs shape \[3\] per sample but the data has 2 classes"):
        train(mlp(n_out=3), MOONS, SETTINGS)


def test_gradient_flags_in_logs():
    class Dead(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 8), nn.Linear(8, 2)

        def forward(self, x):
            return self.b(self.a(x) * 1e-12)  # almost no gradient reaches layer a

    rec = Recorder()
    train(Dead(), MOONS, {**SETTINGS, "epochs": 1}, rec)
    assert rec.epochs[0]["grad_flags"] == {"a": "vanishing"}
    # each reading carries the flags judged from its norms; the epoch logs the last reading's
    from netbuilder.train.gradstats import grad_flags

    assert rec.grads and all(hist["flags"] == grad_flags(norms) for _, norms, hist in rec.grads)
    assert rec.grads[-1][2]["flags"] == rec.epochs[0]["grad_flags"]


def test_histograms_bin_each_layers_gradients_and_weights():
    from netbuilder.train import gradstats

    model = nn.Sequential(nn.Linear(100, 80), nn.ReLU(), nn.Linear(80, 1))
    model(torch.randn(16, 100)).pow(2).mean().backward()
    model[2].weight.grad = model[2].bias.grad = None  # no gradient, but still weights
    hists = gradstats.histograms(gradstats.layer_params(model))
    assert set(hists["weights"]) == {"0", "2"} and set(hists["gradients"]) == {"0"}
    small = hists["weights"]["2"]  # 80 values: all of them, no sampling
    w = model[2].weight.detach().reshape(-1)
    assert sum(small["counts"]) == 80 and len(small["counts"]) == gradstats.HIST_BINS
    assert small["min"] == pytest.approx(float(w.min())) and small["max"] == pytest.approx(float(w.max()))
    expected = torch.histc(w, bins=gradstats.HIST_BINS, min=float(w.min()), max=float(w.max()))
    assert small["counts"] == pytest.approx(expected.tolist(), abs=1)  # edge values may shift a bin
    big = hists["gradients"]["0"]  # 8,000 values: every other one
    assert sum(big["counts"]) == 4000
    g = model[0].weight.grad
    assert float(g.min()) <= big["min"] <= big["max"] <= float(g.max())


def test_unnamed_metrics_default_to_the_tasks_usual_ones():
    rec = Recorder()
    train(mlp(), MOONS, {"epochs": 1}, rec)
    assert rec.info["metrics"] == ["accuracy", "f1"] and "val_f1" in rec.epochs[0]
    sine = load_data({"kind": "builtin", "name": "sine", "n": 200}, ".", "MSELoss")
    flat = nn.Sequential(nn.Flatten(), nn.Linear(32, 1))
    rec = Recorder()
    train(flat, sine, {"loss": "MSELoss", "epochs": 1}, rec)
    assert rec.info["metrics"] == ["mae", "r2"] and "val_r2" in rec.epochs[0]
    rec = Recorder()
    train(mlp(), MOONS, {"epochs": 1, "metrics": []}, rec)  # an explicit "none"
    assert rec.info["metrics"] == [] and not any(k.startswith("val_a") for k in rec.epochs[0])
    with pytest.raises(TrainError, match="training.metrics must be a list"):
        TrainSettings.from_dict({"metrics": "accuracy"})


def test_a_reporter_can_ask_for_fewer_reports():
    class Slow(Recorder):
        min_interval_s = 3600.0

    rec = Slow()
    train(mlp(), MOONS, {**SETTINGS, "epochs": 3, "batch_size": 8}, rec, report_every=5)
    per_epoch = math.ceil(len(MOONS.x_train) / 8)
    # the first is due at once, then none for an hour but each epoch's last steps
    assert [s[0] for s in rec.steps] == [5, per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert len(rec.grads) == 3  # each epoch still gets its one reading, at its end
    assert len(rec.epochs) == 3  # epochs are never throttled


def test_histograms_leave_out_nan_and_bin_constant_tensors():
    from netbuilder.train import gradstats

    layer = nn.Linear(3, 4)
    with torch.no_grad():
        layer.weight.fill_(0.5)
    layer.weight.grad = torch.tensor([[float("nan"), 1.0, 2.0]] * 4)
    hists = gradstats.histograms(gradstats.layer_params(nn.Sequential(layer)))
    grads, weights = hists["gradients"]["0"], hists["weights"]["0"]
    assert sum(grads["counts"]) == 8 and (grads["min"], grads["max"]) == (1.0, 2.0)
    assert sum(weights["counts"]) == 12 and weights["max"] > weights["min"] == 0.5


def test_how_often_statistics_are_read_does_not_change_the_run():
    class Rarely(Recorder):
        min_interval_s = 3600.0

    models = []
    for reporter in (Recorder(), Rarely()):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 2))
        train(model, MOONS, {**SETTINGS, "epochs": 2}, reporter, report_every=5)
        models.append(model)
    assert all(torch.equal(a, b) for a, b in zip(models[0].state_dict().values(),
                                                 models[1].state_dict().values()))
