"""The Data tab on real tables: the column table (roles editable), one-click fixes for the
mismatches it explains, the loss a decimal target needs, image folders without a target row,
and Predict (the table it shows is the core call's)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from netbuilder.data.predict import predict_file
from netbuilder.session import load_project_data
from netbuilder.templates import load_template
from ui.document import Document
from ui.training.data_panel import DataPanel

from .test_data_panel_fixes import pick_item, wait_loaded

PENGUINS = Path(__file__).parent.parent / "data" / "penguins.csv"


@pytest.fixture(autouse=True)
def no_file_dialog(monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))


def panel_on(qtbot, tmp_path, data: dict, training: dict | None = None) -> DataPanel:
    shutil.copy(PENGUINS, tmp_path / "penguins.csv")
    project = load_template("mlp")
    project.data = data
    if training is not None:
        project.training = training
    doc = Document(project)
    doc.path = str(tmp_path / "p.json")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1300, 450)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: bool(panel.bundle is not None or panel.error_text) and not panel.loading,
                    timeout=20000)  # the first CSV imports pandas and pyarrow in the loader thread
    wait_loaded(qtbot, panel)
    return panel


def click(qtbot, panel, button) -> None:
    assert button.isVisible()
    QTest.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.loading and not panel._reload_timer.isActive())


def test_column_table_roles_and_one_click_fixes(qtbot, tmp_path):
    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv", "target": "species"})
    table = panel.columns
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert names[:3] == ["species", "island", "bill_length_mm"]
    assert table.item(0, 2).text() == "target"
    assert table.item(names.index("sex"), 3).text() == "11"  # missing
    assert "▁" in table.item(names.index("year"), 5).text() or "█" in table.item(
        names.index("year"), 5).text()  # a small histogram
    # the template's Input [2] cannot take 9 features: one click sets it
    assert panel.fix_button.text() == "Set x.shape to [9]"
    click(qtbot, panel, panel.fix_button)
    assert list(panel.document.project.node("x").params["shape"]) == [9]
    qtbot.waitUntil(lambda: panel.fix_button.text() == "Set fc3.out_features to 3")
    click(qtbot, panel, panel.fix_button)
    qtbot.waitUntil(lambda: panel.shape_label.text().startswith("✓"))
    assert not panel.fix_button.isVisible()

    # a role chosen in the table: island ignored, the input shrinks by its three levels
    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is not None):
        pick_item(qtbot, table.role_combo("island"), "ignored")
    assert panel.document.project.data["ignore"] == ["island"]
    wait_loaded(qtbot, panel)
    assert panel.bundle.input_shape == (6,) and "expects [9]" in panel.shape_label.text()
    panel.document.undo_stack.undo()  # one undo step brings it back
    qtbot.waitUntil(lambda: panel.bundle is not None and panel.bundle.input_shape == (9,))


def test_decimal_target_offers_the_regression_loss(qtbot, tmp_path):
    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv",
                                       "target": "bill_length_mm"})
    assert "decimals" in panel.shape_label.text() and panel.bundle is None
    assert panel.fix_button.text() == "Use MSELoss"
    click(qtbot, panel, panel.fix_button)
    training = panel.document.project.training
    assert training["loss"] == "MSELoss" and "metrics" not in training  # regression's own
    qtbot.waitUntil(lambda: panel.bundle is not None)
    assert panel.bundle.task == "regression"


def test_no_loss_in_the_project_preselects_the_one_the_target_implies(qtbot, tmp_path):
    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv",
                                       "target": "body_mass_g"},
                     training={"optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 2})
    qtbot.waitUntil(lambda: (panel.document.project.training or {}).get("loss") == "MSELoss")


def test_image_folder_has_no_target_row_and_no_csv_path(qtbot, tmp_path):
    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv", "target": "species"})
    assert panel.target.isVisible()
    panel.source.setCurrentIndex(panel.source.findData("images"))  # the folder dialog: Cancel
    assert panel.path.text() == "" and not panel.target.isVisible()
    assert not panel.predict_button.isVisible()


def test_predict_dialog_shows_the_core_predictions(qtbot, tmp_path):
    from netbuilder.compiler import build_model
    from netbuilder.data.plan import save_plan
    from netbuilder.train.checkpoint import save_model

    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv", "target": "species"})
    project = panel.document.project
    project.node("x").params["shape"] = [9]
    project.node("fc3").params["out_features"] = 3
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    save_model(run / "best.safetensors", build_model(project))  # untrained weights will do
    save_plan(run, load_project_data(project, tmp_path))
    other = tmp_path / "runs" / "other-project-run"  # newer, but another project's
    other.mkdir()
    (other / "best.safetensors").write_bytes((run / "best.safetensors").read_bytes())
    (other / "project.json").write_text(json.dumps({"name": project.name + " (another)"}))
    os.utime(other / "best.safetensors", (time.time() + 60, time.time() + 60))
    new = tmp_path / "new.csv"
    new.write_text("island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
                   "Dream,40,18,190,3600,female,2008\nBiscoe,,15,220,,male,2009\n")
    QTest.mouseClick(panel.predict_button, Qt.LeftButton)
    dialog = panel.predict_dialog
    qtbot.addWidget(dialog)
    assert dialog.weights.text() == str(run / "best.safetensors")  # the newest run of this project
    dialog.data.setText(str(new))
    with qtbot.waitSignal(dialog.finished_predicting):
        QTest.mouseClick(dialog.predict_button, Qt.LeftButton)
    expected = predict_file(project, tmp_path, run / "best.safetensors", new)
    header = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert header[:4] == ["prediction", "p_Adelie", "p_Chinstrap", "p_Gentoo"]  # first, in view
    shown = [[dialog.table.item(r, c).text() for c in range(len(header))] for r in range(2)]
    assert shown == [extra + row for row, extra in zip(expected.rows, expected.values)]
    assert "missing" in dialog.status.text()  # how the empty cells were filled
    dialog.close()


def test_evaluation_reports_the_test_split(qtbot):
    from netbuilder.train.result import TrainResult
    from ui.training.evaluation import EvaluationPanel

    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    result = TrainResult("done", 3, 0.1, 0.2, {"accuracy": 0.9}, None, best_epoch=2,
                         test_metrics={"loss": 0.25, "accuracy": 0.875})
    panel.show_result(result, "classification", ["a", "b"])
    assert "Test split" in panel.status.text() and "Accuracy 0.8750" in panel.status.text()
    panel.show_result(TrainResult("done", 3, 0.1, 0.2, {"accuracy": 0.9}, None),
                      "classification", ["a", "b"])
    assert "Test split" not in panel.status.text()  # no test split, nothing claimed
