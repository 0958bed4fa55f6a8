"""Runs, Cross-validation and Search tabs driven as a user would: the Runs tab lists runs the
CLI made, filters, compares and renames them; a field's context menu adds it to the search;
a search runs in the background and Apply Best is one undoable edit; cross-validation shows
its mean ± std table."""

from __future__ import annotations

import json
from pathlib import Path

from experiments_helpers import mlp_doc  # tests/ is on sys.path (rootdir of the gui package)
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from netbuilder.cli import main
from netbuilder.spec import load_project


def _project_file(tmp_path, **kw) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(mlp_doc(**kw)), encoding="utf-8")
    return path


def _click_row(table, row: int, modifier=Qt.NoModifier) -> None:
    rect = table.visualRect(table.model().index(row, 1))
    QTest.mouseClick(table.viewport(), Qt.LeftButton, modifier, rect.center())


def test_runs_tab_lists_filters_compares_and_renames_cli_runs(make_window, tmp_path, qtbot):
    path = _project_file(tmp_path, epochs=2)
    for i, lr in enumerate((0.05, 0.01)):
        path.write_text(json.dumps(mlp_doc(epochs=2, lr=lr)))
        assert main(["train", str(path), "--out", str(tmp_path / "runs" / f"cli{i}")]) == 0
    w = make_window(load_project(path), str(path))
    runs = w.experiments.runs
    w.experiments.actions["runs"].trigger()
    assert w.experiments.current_panel() is runs
    assert runs.proxy.rowCount() == 2
    qtbot.keyClicks(runs.filter, "0.01")
    assert runs.proxy.rowCount() == 1 and runs.proxy.index(0, 0).data() == "cli1"
    runs.filter.clear()
    _click_row(runs.table, 0)
    _click_row(runs.table, 1, Qt.ControlModifier)
    assert len(runs.selected()) == 2
    runs.views.setCurrentWidget(runs.diff)
    assert runs.diff.rowCount() == 1 and runs.diff.item(0, 0).text() == "training.optimizer.lr"
    assert {runs.diff.item(0, 1).text(), runs.diff.item(0, 2).text()} == {"0.05", "0.01"}
    assert {"train_loss", "val_loss", "val_accuracy"} <= set(runs.plots)
    assert len(runs.plots["val_loss"].listDataItems()) == 2  # one curve per selected run
    _click_row(runs.table, 0)
    runs.rename_selected("baseline")
    assert "baseline" in [runs.proxy.index(i, 0).data() for i in range(runs.proxy.rowCount())]
    # a new CLI run appears on refresh
    assert main(["train", str(path), "--out", str(tmp_path / "runs" / "cli2")]) == 0
    QTest.mouseClick(runs.buttons["refresh"], Qt.LeftButton)
    assert runs.proxy.rowCount() == 3


def test_restore_a_runs_project_is_undoable(make_window, tmp_path):
    path = _project_file(tmp_path, epochs=1, width=5)
    assert main(["train", str(path), "--out", str(tmp_path / "runs" / "old")]) == 0
    path.write_text(json.dumps(mlp_doc(epochs=1, width=9)))
    w = make_window(load_project(path), str(path))
    runs = w.experiments.runs
    _click_row(runs.table, 0)
    QTest.mouseClick(runs.buttons["restore"], Qt.LeftButton)
    assert w.document.project.node("fc1").params["out_features"] == 5
    w.document.undo_stack.undo()
    assert w.document.project.node("fc1").params["out_features"] == 9


def _context_menu(fields, widget):
    menus = []
    fields.exec_menu = lambda menu, pos: menus.append(menu)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(3, 3), widget.mapToGlobal(QPoint(3, 3))))
    assert menus, "no context menu"
    return next(a for a in menus[0].actions() if a.objectName() == "search-over-this")


def test_search_over_this_then_apply_best_is_one_undoable_edit(make_window, tmp_path, qtbot):
    path = _project_file(tmp_path, epochs=1, n=60)
    w = make_window(load_project(path), str(path))
    ex = w.experiments
    w.document.set_selection(["fc1"])
    _context_menu(ex.fields, w.inspector.fields["out_features"]).trigger()
    _context_menu(ex.fields, w.training.settings.fields["lr"]).trigger()
    search = ex.search
    assert ex.current_panel() is search
    space = search.space()
    assert space == {"fc1.out_features": {"int": [2, 32]},
                     "training.optimizer.lr": {"log_uniform": [0.005, 0.5]}}
    search.trials.setValue(3)
    QTest.mouseClick(search.start_button, Qt.LeftButton)
    assert search.task.busy and not search.start_button.isEnabled()
    qtbot.waitUntil(lambda: not search.task.busy, timeout=120000)
    assert search.trials_table.rowCount() == 3
    assert search.result.best is not None and search.apply_button.isEnabled()
    assert (tmp_path / "runs" / "search.db").is_file()
    before = w.document.project.to_dict()
    QTest.mouseClick(search.apply_button, Qt.LeftButton)
    best = search.result.best["params"]
    assert w.document.project.node("fc1").params["out_features"] == best["fc1.out_features"]
    assert w.document.project.training["optimizer"]["lr"] == best["training.optimizer.lr"]
    w.canvas.setFocus()
    QTest.keyClick(w, Qt.Key_Z, Qt.ControlModifier)  # one undo takes back every value
    assert w.document.project.to_dict() == before


def test_cross_validate_shows_mean_and_std(make_window, tmp_path, qtbot):
    path = _project_file(tmp_path, epochs=1, n=60)
    w = make_window(load_project(path), str(path))
    cv = w.experiments.cv
    cv.folds.setValue(3)
    cv.workers.setValue(1)
    w.experiments.actions["cv"].trigger()
    assert w.experiments.current_panel() is cv
    qtbot.waitUntil(lambda: not cv.task.busy, timeout=120000)
    assert cv.result is not None and len(cv.result.folds) == 3
    last = cv.table.rowCount() - 1
    assert cv.table.item(last, 0).text() == "mean ± std"
    assert "±" in cv.table.item(last, 1).text()
    assert len(cv.loss_plot.listDataItems()) == 3  # one curve per fold


def test_cancel_stops_the_search_and_leaves_the_study_consistent(make_window, tmp_path, qtbot):
    import optuna

    path = _project_file(tmp_path, epochs=300, n=60)  # a long trial: Cancel lands inside it
    w = make_window(load_project(path), str(path))
    search = w.experiments.search
    search.add_dimension("training.optimizer.lr")
    search.trials.setValue(50)
    events = []
    search.task.event.connect(lambda e: events.append(e[0]))
    w.experiments.show(search)
    QTest.mouseClick(search.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "epoch" in events, timeout=120000)  # the first trial is training
    assert search.cancel_button.isEnabled()
    QTest.mouseClick(search.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not search.task.busy, timeout=60000)
    started = events.count("trial_start")
    assert started == 1  # no more trials started after Cancel
    study = optuna.load_study(study_name="tiny-mlp",
                              storage=f"sqlite:///{tmp_path / 'runs' / 'search.db'}")
    trials = study.get_trials(deepcopy=False)
    states = [t.state.name for t in trials]
    assert len(trials) == started and "RUNNING" not in states, states  # none left half-open
    assert states == ["FAIL"] and trials[0].user_attrs["error"] == "cancelled"
    assert events.count("epoch") < 300  # it stopped mid-trial
    assert search.status.text().startswith("Cancelled.") and f"{started} trials" in search.status.text()
    assert search.start_button.isEnabled() and not search.cancel_button.isEnabled()  # usable again
