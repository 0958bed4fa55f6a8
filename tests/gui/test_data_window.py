"""The Data tab's Window row: typing a window turns a CSV into a series (samples [window,
features], split in time order) and the summary says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.resources import resource
from netbuilder.templates import load_template
from ui.document import Document
from ui.training.data_panel import DataPanel

from .test_data_panel_fixes import wait_loaded


def test_typing_a_window_makes_the_csv_a_series(qtbot, tmp_path):
    (tmp_path / "elnino.csv").write_bytes(resource("data", "elnino.csv").read_bytes())
    project = load_template("gru_forecaster")
    project.data = {"kind": "csv", "path": "elnino.csv", "target": "sst"}
    doc = Document(project)
    doc.path = str(tmp_path / "p.json")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1300, 450)
    panel.show()
    qtbot.waitExposed(panel)
    wait_loaded(qtbot, panel)
    assert panel.window.isVisible() and panel.window.text() == "off"
    assert panel.bundle is None and "set a window (data.window)" in panel.shape_label.text()

    panel.window.setFocus()
    panel.window.selectAll()
    QTest.keyClicks(panel.window, "32")
    QTest.keyClick(panel.window, Qt.Key_Enter)
    qtbot.waitUntil(lambda: doc.project.data.get("window") == 32)
    wait_loaded(qtbot, panel)
    assert panel.bundle.input_shape == (32, 1) and panel.bundle.info["layout"] == "sequence"
    assert "window of 32 rows in file order" in panel.summary.text()
    assert panel.horizon.isEnabled()
