"""A new run (the Train button) keeps the dashboard's layout: its curve items, keys, layer
chooser and axis ranges stay, only the data goes, and a series the new run does not have goes
before its first data. Re-keying and resetting the axes re-laid out and re-rendered the whole
dashboard twice per run, while the training thread waited for the GIL."""

from __future__ import annotations

from PySide6.QtCore import Qt

from netbuilder.app.history import RunHistory
from ui.training import style
from ui.training.dashboard import Dashboard

from .test_dashboard_keys import keyed_layers, shown_dashboard
from .test_plots_follow_the_run import TIMEOUT, panel  # noqa: F401 - the fixture


def run(h: RunHistory, layers: list[str], steps: int = 100) -> None:
    h.start({"epochs": 2, "steps_per_epoch": steps // 2, "start_epoch": 1, "metrics": ["accuracy"]})
    for step in range(10, steps + 1, 10):
        h.add_step(step, 2.0 - step / 100, 1e-3)
        if step % 50 == 0:
            h.add_grads(step, {name: 0.1 * (i + 1) for i, name in enumerate(layers)}, {})
            h.add_epoch({"epoch": step // 50, "step": step, "train_loss": 1.5, "val_loss": 1.6,
                         "val_accuracy": 0.5 + step / 1000})


def points(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else len(x)


def shown(d: Dashboard) -> list[str]:
    return [d.layer_box.itemText(i) for i in range(d.layer_box.count())]


def test_the_next_run_reuses_the_curves_and_drops_what_it_does_not_have(qtbot):
    h, d = shown_dashboard(qtbot)
    run(h, ["a", "b", "c"])
    d.refresh()
    curves, metric = dict(d.grad_curves), d.metric_curves["val_accuracy"]
    ranges = {p: p.getViewBox().viewRange() for p in (d.loss_plot, d.metric_plot, d.grad_plot)}

    h.reset()
    d.clear(keep_layout=True)
    # nothing of the last run's data is drawn, but its axes and keys stay
    assert all(points(c) == 0 for c in (d.step_curve, d.train_curve, *curves.values()))
    assert len(d.hist_bars.opts["height"]) == 0
    assert {p: p.getViewBox().viewRange() for p in ranges} == ranges  # not reset to 0..1
    assert keyed_layers(d) == ["a", "b", "c"] and shown(d) == ["a", "b", "c"]

    d.expect(metrics=["accuracy"], layers=["d", "a", "b"])  # the new run's model: c is gone
    assert list(d.grad_curves) == ["a", "b"] and shown(d) == ["a", "b"]
    run(h, ["d", "a", "b"])
    d.refresh()
    assert list(d.grad_curves) == ["d", "a", "b"] and shown(d) == ["d", "a", "b"]
    assert d.grad_curves["a"] is curves["a"] and d.grad_curves["b"] is curves["b"]
    assert d.metric_curves["val_accuracy"] is metric
    assert keyed_layers(d) == ["d", "a", "b"]
    # each curve has its key's colour: the colours follow this run's layer order
    for i, name in enumerate(d.grad_curves):
        assert d.grad_curves[name].opts["pen"].color().name() == style.series_color(i)
        assert f'color:{style.series_color(i)}">━&nbsp;{name}<' in d.grad_plot.titleLabel.text
    assert list(d.grad_curves["a"].yData) == [0.2, 0.2]  # this run's norms only (log view: yData)


def test_a_zoomed_plot_is_managed_again_by_the_next_run(qtbot):
    h, d = shown_dashboard(qtbot)
    run(h, ["a"])
    d.refresh()
    d.loss_plot.getViewBox().setRange(xRange=(20, 40), padding=0)  # the user zooms
    h.reset()
    d.clear(keep_layout=True)
    run(h, ["a"], steps=200)
    d.refresh()
    assert d.loss_plot.getViewBox().viewRange()[0][1] >= 200


def test_train_again_keeps_the_plots_items_and_axes(qtbot, panel):  # noqa: F811
    p = panel
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    p.dashboard.refresh(force=True)
    d = p.dashboard
    curves, metrics = dict(d.grad_curves), dict(d.metric_curves)
    assert curves and metrics
    x_range = d.loss_plot.getViewBox().viewRange()[0]
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
        assert d.loss_plot.getViewBox().viewRange()[0] == x_range  # kept through the clear
        assert points(d.step_curve) == 0  # but the last run's data is gone
    assert p.runner.last_result.status == "done"
    p.dashboard.refresh(force=True)
    assert d.grad_curves == curves and all(d.grad_curves[n] is c for n, c in curves.items())
    assert all(d.metric_curves[n] is c for n, c in metrics.items())
    steps = [e["step"] for e in p.runner.last_result.history]
    assert list(d.train_curve.getData()[0]) == steps  # the new run's epochs, drawn
    d.grab().save("/tmp/shots/dash3-train-again.png")


def test_the_last_epoch_is_drawn_when_it_arrives_not_after_the_run(qtbot, panel):  # noqa: F811
    """Drawn while the trainer evaluates the best weights, not after the run has ended."""
    p = panel
    at_last = []

    def epoch_done(epoch, logs):  # connected after the panel's own slot: it has run
        d, h = p.dashboard, p.runner.history
        if epoch == h.info["epochs"]:
            at_last.append((d.drawn_version == h.version,
                            points(d.train_curve), len(d.metric_curves)))

    p.runner.epoch_done.connect(epoch_done)
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    assert at_last == [(True, 2, 1)]
