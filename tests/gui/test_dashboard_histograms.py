"""The dashboard's histogram: a real run's gradients or weights, per layer, chosen by keyboard."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt
from torch import nn

from netbuilder.app.history import RunHistory
from netbuilder.data import load_data
from netbuilder.train import Reporter, train
from ui.training.dashboard import Dashboard

from .test_dashboard_keys import shown_dashboard


class IntoHistory(Reporter):
    def __init__(self, history: RunHistory):
        self.history = history

    def on_start(self, info):
        self.history.start(info)

    def on_epoch(self, epoch, logs):
        self.history.add_epoch(logs)

    def on_grad_stats(self, step, norms, histograms):
        self.history.add_grads(step, norms, histograms)


def bar_heights(d: Dashboard) -> list[float]:
    return list(d.hist_bars.opts["height"])


def test_histogram_switches_between_gradients_and_weights(qtbot):
    history, d = shown_dashboard(qtbot)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    data = load_data({"kind": "builtin", "name": "moons"}, ".", "CrossEntropyLoss")
    train(model, data, {"epochs": 1}, IntoHistory(history))
    d.refresh()
    assert [d.layer_box.itemText(i) for i in range(d.layer_box.count())] == ["0", "2"]
    key = d.grad_plot.titleLabel.text  # the title is the legend: it names every curve
    assert "━&nbsp;0<" in key and "━&nbsp;2<" in key
    assert "━&nbsp;accuracy<" in d.metric_plot.titleLabel.text
    grads = history.histograms["gradients"]["0"]
    assert bar_heights(d) == grads["counts"]
    assert d.hist_plot.titleLabel.text.startswith("Gradient histogram: 0")

    d.hist_kind.setFocus()
    qtbot.keyClick(d.hist_kind, Qt.Key_Down)  # Gradients -> Weights
    weights = history.histograms["weights"]["0"]
    assert d.hist_kind.currentData() == "weights"
    assert bar_heights(d) == weights["counts"] != grads["counts"]
    assert sum(weights["counts"]) == 64  # all of layer 0's 2 x 32 weights
    assert weights["min"] == pytest.approx(float(model[0].weight.detach().min()))
    assert d.hist_plot.titleLabel.text.startswith("Weight histogram: 0")
    lo, hi = d.hist_plot.getViewBox().viewRange()[0]
    assert lo <= weights["min"] and weights["max"] <= hi

    d.layer_box.setFocus()
    qtbot.keyClick(d.layer_box, Qt.Key_Down)  # layer 0 -> layer 2
    assert bar_heights(d) == history.histograms["weights"]["2"]["counts"]
    assert d.hist_plot.titleLabel.text.startswith("Weight histogram: 2")
