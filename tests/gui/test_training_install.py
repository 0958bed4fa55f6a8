"""install(window) in the real main window: tabs, Train menu, closing during a run."""

from __future__ import annotations

from netbuilder.templates import load_template
from ui.training.install import install


def test_install_adds_tabs_and_menu_and_close_joins_the_thread(qtbot, make_window, tmp_path):
    project = load_template("mlp")
    project.training = {**project.training, "epochs": 500}
    w = make_window(project)
    panel = install(w)
    panel.runs_root = tmp_path
    titles = [w.bottom_tabs.tabText(i) for i in range(w.bottom_tabs.count())]
    assert {"Training", "Data", "Evaluation"} <= set(titles)
    actions = [a.text() for a in w.menus["Train"].actions()]
    assert "&Train" in actions and "&Stop" in actions
    with qtbot.waitSignal(panel.runner.epoch_done, timeout=60_000):
        panel.actions_["train"].trigger()
    assert w.bottom_tabs.currentWidget() is panel
    w.close()  # must stop and join the training thread, not abort the process
    assert panel.runner.thread is None  # joined inside close()
    qtbot.waitUntil(lambda: panel.runner.last_result is not None)  # its queued result
    assert panel.runner.last_result.status == "stopped"


def test_choosing_the_training_tab_makes_room_for_the_plots(qtbot, make_window):
    from PySide6.QtCore import Qt

    w = make_window(load_template("mlp"))
    qtbot.waitUntil(lambda: w.bottom_dock.height() > 0)
    small = w.bottom_dock.height()
    assert small < w.height() * 0.4  # the editor gets most of the window at first
    bar = w.bottom_tabs.tabBar()
    index = w.bottom_tabs.indexOf(w.training)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert w.bottom_tabs.currentWidget() is w.training
    qtbot.waitUntil(lambda: w.bottom_dock.height() >= w.height() * 0.4)
