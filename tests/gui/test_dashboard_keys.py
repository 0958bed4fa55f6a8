"""The dashboard's gradient plot: one reading (a run shorter than the reading interval) is seen,
and a long key (13 ResNet layers) names what fits without squeezing the plots beside it."""

from __future__ import annotations

from pathlib import Path

from netbuilder.app.history import RunHistory
from netbuilder.templates import load_template
from ui.training.dashboard import Dashboard

SHOTS = Path("/tmp/shots")


def keyed_layers(d: Dashboard) -> list[str]:
    key = d.grad_plot.titleLabel.text
    return [name for name in d.grad_curves if f"━&nbsp;{name}<" in key]


def shown_dashboard(qtbot) -> tuple[RunHistory, Dashboard]:
    """A dashboard on screen at a size where the keys name what fits the plots' width."""
    history = RunHistory()
    d = Dashboard(history)
    qtbot.addWidget(d)
    d.resize(1100, 420)
    d.show()
    return history, d


def test_one_reading_is_a_dot_and_a_long_key_leaves_the_plots_their_width(qtbot):
    history, d = shown_dashboard(qtbot)
    qtbot.waitExposed(d)
    widths = {plot: plot.width() for plot in (d.lr_plot, d.hist_plot)}

    layers = [n.id for n in load_template("resnet").nodes if n.type in ("Conv2d", "BatchNorm2d", "Linear")]
    assert len(layers) == 13
    history.start({"epochs": 1, "steps_per_epoch": 23})
    history.add_step(23, 2.0, 0.001)
    history.add_grads(23, {name: 0.1 * (i + 1) for i, name in enumerate(layers)}, {})
    d.refresh()

    curve = d.grad_curves[layers[0]]
    assert curve.opts["symbol"] == "o" and len(curve.scatter.data) == 1  # no line of one point: a dot
    qtbot.waitUntil(lambda: d.grad_plot.titleLabel.itemRect().width() <= d.grad_plot.width())
    for plot, width in widths.items():
        assert plot.width() >= 0.95 * width  # the key did not widen the gradient plot
    shown = keyed_layers(d)
    assert shown == layers[:len(shown)] and 0 < len(shown) < 13
    assert f"+{13 - len(shown)} more" in d.grad_plot.titleLabel.text
    SHOTS.mkdir(exist_ok=True)
    d.grab().save(str(SHOTS / "gradient_key_one_reading.png"))

    d.resize(600, 420)  # a narrower window names fewer layers, and the key still fits
    qtbot.waitUntil(lambda: len(keyed_layers(d)) < len(shown))
    assert d.grad_plot.titleLabel.itemRect().width() <= d.grad_plot.width()

    history.add_grads(46, {name: 0.05 for name in layers}, {})
    d.refresh()
    assert curve.opts["symbol"] is None  # two readings are a line again
