"""What each draw of the live plots costs the GUI thread (which holds the GIL the training
thread waits for): one paint per draw, no re-plot of every curve when a y range moves, and a
new run's first data drawn at the next tick, not after the last run's last wait."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ui.training.dashboard import MAX_INTERVAL_MS, REDRAW_HZ
from ui.training.runner import PREPARING

from .test_dashboard_keys import shown_dashboard
from .test_dashboard_next_run import run
from .test_training_panel import TIMEOUT, panel  # noqa: F401 - the fixture


def test_a_draw_that_moves_the_axes_is_painted_once(qtbot):
    h, d = shown_dashboard(qtbot)
    qtbot.waitExposed(d)
    run(h, ["a", "b"])
    d.refresh()
    qtbot.waitUntil(lambda: d.graphics.paints > 0)
    h.add_step(110, 9.0, 5e-3)  # far outside the loss and lr ranges: both move
    h.add_grads(110, {"a": 50.0, "b": 1e-4}, {})
    before = [p.getViewBox().viewRange() for p in (d.loss_plot, d.lr_plot, d.grad_plot)]
    painted = d.graphics.paints
    d.refresh()
    assert [p.getViewBox().viewRange() for p in (d.loss_plot, d.lr_plot, d.grad_plot)] != before
    qtbot.waitUntil(lambda: d.graphics.paints > painted)
    for _ in range(20):  # the moved views' transforms were settled before that paint
        QApplication.processEvents()
    assert d.graphics.paints == painted + 1


def test_curves_skip_the_range_limit_until_the_user_zooms(qtbot):
    h, d = shown_dashboard(qtbot)
    run(h, ["a"])
    d.refresh()
    curves = [d.step_curve, d.train_curve, d.val_curve, *d.metric_curves.values()]
    assert all(c.opts["dynamicRangeLimit"] is None for c in curves)
    calls = []
    d.train_curve.updateItems = lambda *a, **k: calls.append(1)  # a y change re-plots no curve
    d._set_range(d.loss_plot, None, (0.0, 50.0))
    assert calls == []
    del d.train_curve.updateItems

    vb = d.loss_plot.getViewBox()
    vb.scaleBy((0.5, 0.5))  # as the mouse wheel does
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
    assert all(c.opts["dynamicRangeLimit"] == 1e6 for c in (d.step_curve, d.train_curve, d.val_curve))
    assert d.metric_curves["val_accuracy"].opts["dynamicRangeLimit"] is None  # another plot

    h.reset()
    d.clear(keep_layout=True)  # the next run manages the zoomed plot again
    assert all(c.opts["dynamicRangeLimit"] is None for c in (d.step_curve, d.train_curve, d.val_curve))


def test_the_next_run_is_drawn_once_its_loss_has_a_line(qtbot):
    h, d = shown_dashboard(qtbot)
    run(h, ["a"])
    d._tick()
    d.timer.setInterval(MAX_INTERVAL_MS)  # the last run's draws were slow
    d._cost_s = 0.012
    h.reset()
    d.clear(keep_layout=True)
    assert d.timer.interval() == 1000 // REDRAW_HZ  # not the last run's last wait
    h.reset()  # as TrainingRunner.start does after the panel's clear
    h.start({"epochs": 1, "steps_per_epoch": 50})
    h.add_step(10, 2.0, 1e-3)
    h.add_grads(10, {"a": 0.1}, {})
    redraws = d.redraws
    d._tick()  # one point is no line: not drawn yet, and the ticks stay quick
    assert d.redraws == redraws and d.timer.interval() == 1000 // REDRAW_HZ
    h.add_step(20, 1.9, 1e-3)
    qtbot.waitUntil(lambda: d.redraws > redraws)  # within a tick
    assert len(d.step_curve.getData()[0]) == 2
    # after that first draw the budget spaces them as the last run's draws cost
    assert d.timer.interval() == 1200


def test_no_epoch_count_while_the_data_loads(qtbot, panel):  # noqa: F811
    p = panel(epochs=2)
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        p.train_button.click()
        assert p.runner.state == PREPARING and not p.runner.history.info
        p._update_progress()  # the progress timer's tick before the run says its size
        assert p.progress.format() == ""  # not "epoch 0/0 · step 0/0"
        qtbot.waitUntil(lambda: p.progress.format().startswith("epoch "), timeout=TIMEOUT)
