"""Explain a Predict result: select a predicted row with the mouse, click "Explain row…", and the
attribution view (the Failures tab's ExplainPanel) explains that row per column, in the
columns' original units, with the numbers the core computes."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.compiler import build_model
from netbuilder.data.plan import save_plan
from netbuilder.data.plan_apply import encode_rows
from netbuilder.inspect import attribute
from netbuilder.inspect.attribution import table_rows
from netbuilder.inspect.inputs import original_units, table_baseline
from netbuilder.session import load_project_data
from netbuilder.train import train
from netbuilder.train.checkpoint import load_model, save_model

from .test_data_columns import panel_on

ROWS = ("island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
        "Dream,40,18,190,3600,female,2008\nBiscoe,47.5,14.2,215,5000,male,2009\n")


def test_explain_a_predicted_row_per_column_in_original_units(qtbot, tmp_path):
    panel = panel_on(qtbot, tmp_path, {"kind": "csv", "path": "penguins.csv", "target": "species"})
    project = panel.document.project
    project.node("x").params["shape"] = [9]
    project.node("fc3").params["out_features"] = 3
    bundle = load_project_data(project, tmp_path)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    model = build_model(project)
    train(model, bundle, {**project.training, "epochs": 15})  # a few seconds' worth of learning
    save_model(run / "best.safetensors", model)
    save_plan(run, bundle)
    new = tmp_path / "new.csv"
    new.write_text(ROWS)

    QTest.mouseClick(panel.predict_button, Qt.LeftButton)
    dialog = panel.predict_dialog
    qtbot.addWidget(dialog)
    dialog.data.setText(str(new))
    with qtbot.waitSignal(dialog.finished_predicting):
        QTest.mouseClick(dialog.predict_button, Qt.LeftButton)
    assert not dialog.explain_button.isEnabled()  # nothing selected yet
    cell = dialog.table.visualItemRect(dialog.table.item(1, 0)).center()
    QTest.mouseClick(dialog.table.viewport(), Qt.LeftButton, Qt.NoModifier, cell)
    assert dialog.explain_button.isEnabled()
    QTest.mouseClick(dialog.explain_button, Qt.LeftButton)
    explain = dialog.explain_dialog
    qtbot.addWidget(explain)
    with qtbot.waitSignal(explain.explained, timeout=60_000):
        pass
    text = explain.panel.text.text()

    # the core's numbers for the same row: encoded by the saved plan, against the average row
    header, *cells = [line.split(",") for line in ROWS.strip().splitlines()]
    x = encode_rows(header, [cells[1]], bundle.plan)[0][0]
    import torch

    sample = torch.tensor(x, dtype=torch.float32)
    trained = build_model(project)
    load_model(run / "best.safetensors", trained)
    baseline = table_baseline(bundle)
    a = attribute(trained.eval(), sample, None, "integrated_gradients", baseline, project=project)
    rows = table_rows(a, original_units(bundle, sample), original_units(bundle, baseline),
                      list(bundle.feature_names))
    shown = re.findall(r"<tr><td>([^<]+)</td><td align=right>([^<]+)</td><td align=right>"
                       r"[^<]+</td><td align=right[^>]*>([^<]+)</td></tr>", text)
    assert [name for name, _, _ in shown] == [r["column"] for r in rows]  # every column, ranked
    for (name, value, effect), r in zip(shown, rows):
        assert float(value) == float(f"{r['value']:.4g}")
        assert np.isclose(float(effect), r["attribution"], rtol=2e-2, atol=1e-3), name
    units = {name: float(value) for name, value, _ in shown}
    assert units["bill_length_mm"] == 47.5 and units["body_mass_g"] == 5000  # raw units
    assert units["island=Biscoe"] == 1 and units["sex=male"] == 1
    predicted = dialog.result.values[1][0]
    assert f"predicted <b>{predicted}</b>" in explain.panel.title.text()
    assert f"for <b>{predicted}</b>" in text  # the predicted class is the one explained
    label = explain.panel.text
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()) > 100)
    explain.grab().save(str(tmp_path / "explain_row.png"))
    explain.close()
    dialog.close()
