"""Sticky plot ranges (ui/training/ranges.py) and the dashboard's use of them."""

from __future__ import annotations

import math

import pytest

from ui.training import ranges


def test_nice_ceil():
    assert [ranges.nice_ceil(x) for x in (0.7, 1, 1.2, 2.2, 3, 7, 13, 0.0031)] == \
        [1, 1, 2, 2.5, 5, 10, 20, 0.005]


def test_sticky_keeps_a_range_while_the_data_fits_it():
    first = ranges.sticky(None, 0.1, 2.3, floor=0.0)
    assert first[0] == 0.0 and first[1] >= 2.3
    assert ranges.sticky(first, 0.05, 2.3, floor=0.0) is None  # still inside
    grown = ranges.sticky(first, 0.05, 4.1, floor=0.0)
    assert grown and grown[1] >= 4.1
    shrunk = ranges.sticky(first, 0.1, 0.2, floor=0.0)  # the data now fills little of it
    assert shrunk and shrunk[1] < first[1] and shrunk[0] <= 0.1
    assert ranges.sticky(first, math.nan, 1.0) is None
    flat = ranges.sticky(None, 0.8, 0.8)
    assert flat[0] < 0.8 < flat[1]


def test_a_kept_range_only_widens_until_shrinking_is_allowed():
    kept = (1.4, 2.4)  # the last run's loss axis; the new run's first point
    assert ranges.sticky(kept, 2.31, 2.31, floor=0.0) == pytest.approx((2.2, 2.4))  # narrowed to it
    assert ranges.sticky(kept, 2.31, 2.31, floor=0.0, shrink=False) is None  # kept
    assert ranges.sticky(kept, 2.31, 2.9, floor=0.0, shrink=False)[1] >= 2.9  # widens
    assert ranges.sticky((0.0, 1000.0), 2.3, 2.3, floor=0.0, shrink=False)[1] < 10  # far larger: goes
    assert ranges.sticky((-0.015, 0.015), -0.004, 0.006, pad=0.02, shrink=False) is None


def test_the_next_runs_first_points_keep_the_axes(qtbot):
    from .test_dashboard_keys import shown_dashboard
    from .test_dashboard_next_run import run

    h, d = shown_dashboard(qtbot)
    run(h, ["a"])
    d.refresh()
    kept = {p: p.getViewBox().viewRange() for p in (d.loss_plot, d.lr_plot, d.hist_plot)}
    h.reset()
    d.clear(keep_layout=True)
    h.start({"epochs": 2, "steps_per_epoch": 50, "start_epoch": 1})
    h.add_step(10, 1.9, 1e-3)  # one point: inside the last run's ranges
    d.refresh()
    assert {p: p.getViewBox().viewRange() for p in kept} == kept
    for step in range(20, 51, 10):
        h.add_step(step, 1.9, 1e-3)
    h.add_epoch({"epoch": 1, "step": 50, "train_loss": 1.9, "val_loss": 1.9, "val_accuracy": 0.5})
    d.refresh()  # an epoch in: the loss range fits the run's data
    y = d.loss_plot.getViewBox().viewRange()[1]
    assert y != kept[d.loss_plot][1] and y[0] <= 1.9 <= y[1]


def test_growing_jumps_ahead_and_is_capped_by_the_run_length():
    x = ranges.growing(None, 10)
    assert x == (0, 20)
    assert ranges.growing(x, 20) is None
    changes, current = 0, None
    for step in range(10, 4700, 10):
        new = ranges.growing(current, step, cap=4690)
        if new:
            changes, current = changes + 1, new
    assert changes <= 10 and current == (0, 4690)


def test_dashboard_axes_follow_the_data(qtbot):
    from netbuilder.app.history import RunHistory
    from ui.training.dashboard import Dashboard

    h = RunHistory()
    d = Dashboard(h)
    qtbot.addWidget(d)
    d.show()
    h.start({"steps_per_epoch": 100, "epochs": 10, "start_epoch": 1})
    for step in range(10, 160, 10):
        h.add_step(step, 2.0 / step ** 0.5, 1e-3)
    h.add_epoch({"epoch": 1, "step": 100, "train_loss": 0.3, "val_loss": 0.35,
                 "val_accuracy": 0.9})
    h.add_grads(100, {"fc1": 1e-3, "fc2": 0.2},
                {"gradients": {"fc1": {"counts": [1, 5, 2], "min": -0.1, "max": 0.1}},
                 "weights": {}})
    d.refresh()
    (x0, x1), (y0, y1) = d.loss_plot.getViewBox().viewRange()
    # the step axes show the whole run (1000 steps, with room for the last epoch's symbols)
    assert x0 <= 10 and 1000 <= x1 <= 1050 and y0 <= 0.16 and y1 >= 2.0 / 10 ** 0.5
    assert d.lr_plot.getViewBox().viewRange()[0] == [x0, x1]
    assert d.grad_plot.getViewBox().viewRange()[0] == [x0, x1]
    (_, _), (g0, g1) = d.grad_plot.getViewBox().viewRange()
    assert g0 <= -3 and g1 >= math.log10(0.2)
    (_, _), (m0, m1) = d.metric_plot.getViewBox().viewRange()
    assert m0 < 0.9 < m1
    h.add_step(190, 0.1, 1e-3)  # and stay put as the steps come: no re-drawn step axes
    d.refresh()
    assert d.loss_plot.getViewBox().viewRange()[0] == [x0, x1]
    # a user's zoom is kept; the plot's auto-range button hands the range back
    d.loss_plot.getViewBox().setRange(xRange=(20, 40), padding=0)
    h.add_step(160, 0.1, 1e-3)
    d.refresh()
    assert d.loss_plot.getViewBox().viewRange()[0] == [20, 40]
    d.loss_plot.getViewBox().enableAutoRange()
    h.add_step(170, 0.1, 1e-3)
    d.refresh()
    assert d.loss_plot.getViewBox().viewRange()[0][1] >= 170
    # hidden (another tab): the timer draws nothing until shown again
    d.hide()
    before = d.redraws
    h.add_step(180, 0.1, 1e-3)
    d._tick()
    assert d.redraws == before
    d.show()
    d._tick()  # every plot with news at once: the loss, lr and gradient plots share the steps
    assert d.redraws == before + 3 and d.step_curve.getData()[0][-1] == 180


def test_a_left_axis_never_narrows(qtbot):
    """A narrower axis would re-lay out and repaint all five plots (the GUI thread holds the
    GIL meanwhile, and the training thread waits for it)."""
    from netbuilder.app.history import RunHistory
    from ui.training.dashboard import Dashboard

    h = RunHistory()
    d = Dashboard(h)
    qtbot.addWidget(d)
    d.resize(900, 360)
    d.show()
    widths = []
    for loss in (0.0123456, 1.23456):  # labels like 0.01275, then like 1.275
        h.reset()
        d.clear()
        h.start({"steps_per_epoch": 100, "epochs": 2, "start_epoch": 1})
        for step in range(10, 100, 10):
            h.add_step(step, loss * (1 + step / 1000), 1e-3)
        d.refresh()
        d.grab()  # painted: the axis has measured its labels
        qtbot.wait(1)  # and its new width has been laid out
        widths.append(d.loss_plot.getAxis("left").width())
    assert widths[0] > 40 and widths[1] == widths[0]
