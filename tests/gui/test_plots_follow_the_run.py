"""Every series, legend and chooser on the dashboard comes from the current run and project:
nothing of an earlier run (another task, other layers) is left on screen or redrawn."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.evaluation import IDLE_TEXT
from ui.training.panel import TrainingPanel

TIMEOUT = 60_000


def regression_project():
    project = load_template("gru_forecaster")
    project.data = {**project.data, "n": 200}
    project.training = {**project.training, "epochs": 2, "metrics": ["mae", "r2"]}
    return project


@pytest.fixture
def panel(qtbot, tmp_path):
    project = load_template("mlp")
    project.training = {**project.training, "epochs": 2}
    p = TrainingPanel(Document(project), runs_root=tmp_path / "runs")
    qtbot.addWidget(p)
    p.resize(1100, 420)
    p.show()
    yield p
    assert p.shutdown()


def train(qtbot, p):
    with qtbot.waitSignal(p.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(p.train_button, Qt.LeftButton)
    assert p.runner.last_result.status == "done", p.message.text()
    p.dashboard.refresh(force=True)


def metric_title(p) -> str:
    return p.dashboard.metric_plot.titleLabel.text


def test_a_new_project_clears_the_last_runs_plots_and_status(qtbot, panel):
    p = panel
    train(qtbot, p)
    assert "accuracy" in metric_title(p) and p.progress.format().startswith("finished")
    p.document.set_project(regression_project())  # what File > New and File > Open do
    d = p.dashboard
    assert not d.metric_curves and not d.grad_curves and d.layer_box.count() == 0
    assert "accuracy" not in metric_title(p)
    assert d.step_curve.getData()[0] is None or len(d.step_curve.getData()[0]) == 0
    assert p.progress.format() == "" and p.status.text() == "Ready."
    assert p.evaluation.status.text() == IDLE_TEXT
    p.grab().save("/tmp/shots/after_new_project.png")


def test_a_regression_run_after_a_classifier_shows_only_its_own_series(qtbot, panel):
    p = panel
    train(qtbot, p)
    classifier_layers = set(p.dashboard.grad_curves)
    assert classifier_layers and "accuracy" in metric_title(p)
    p.document.set_project(regression_project())
    train(qtbot, p)
    d = p.dashboard
    assert set(d.metric_curves) == {"val_mae", "val_r2"}
    assert "accuracy" not in metric_title(p) and "f1" not in metric_title(p)
    node_ids = {n.id for n in p.document.project.nodes}
    assert d.grad_curves and set(d.grad_curves) <= node_ids and not set(d.grad_curves) & classifier_layers
    assert [d.layer_box.itemText(i) for i in range(d.layer_box.count())] == list(d.grad_curves)
    # the first metric of this run has the first metric colour, not a left-over's
    assert d.metric_curves["val_mae"].opts["pen"].color().name() == "#3fb950"
    p.grab().save("/tmp/shots/regression_after_classifier.png")
