"""The Data tab on sequences: the Window row turns a CSV into a series (samples [window,
features], split in time order), and a text column read as tokens feeds an Embedding."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.resources import resource
from netbuilder.templates import load_template
from ui.document import Document
from ui.training.data_panel import DataPanel

from .test_data_panel_fixes import pick_item, wait_loaded


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


def test_a_text_column_read_as_tokens_reaches_the_embedding(qtbot, tmp_path):
    """Type "tokens" picked in the column table: word ids [32] int64; the tab offers the Input
    shape and the Embedding size the data needs, one click each."""
    (tmp_path / "sentences.csv").write_bytes(resource("data", "sentences.csv").read_bytes())
    project = load_template("transformer")
    project.data = {"kind": "csv", "path": "sentences.csv", "target": "topic"}
    project.set_param("fc", "out_features", 4)
    doc = Document(project)
    doc.path = str(tmp_path / "p.json")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1300, 450)
    panel.show()
    qtbot.waitExposed(panel)
    wait_loaded(qtbot, panel)
    assert panel.bundle.info["layout"] == "tabular"  # free text: a bag of words by default
    table = panel.columns
    row = next(i for i, c in enumerate(table.columns) if c["name"] == "sentence")
    cell = table.visualItemRect(table.item(row, 1)).center()  # its Type
    QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, cell)  # opens its combo box
    combo = table.indexWidget(table.model().index(row, 1))
    assert combo.currentText() == "text"
    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is not None):
        pick_item(qtbot, combo, "tokens")
    wait_loaded(qtbot, panel)
    assert doc.project.data["types"] == {"sentence": "tokens"}
    assert panel.bundle.x_train.dtype == torch.int64 and panel.bundle.input_shape == (32,)
    for expected in ("Set tokens.shape to [32]", "Set embed.num_embeddings to 193"):
        qtbot.waitUntil(lambda e=expected: panel.fix_button.text() == e and panel.fix_button.isVisible())
        QTest.mouseClick(panel.fix_button, Qt.LeftButton)
        wait_loaded(qtbot, panel)
    qtbot.waitUntil(lambda: panel.shape_label.text().startswith("✓"))
    panel.views.setCurrentIndex(1)  # the rows: sentences a person can read
    shown = panel.table.model().index(0, 0).data()
    assert len(shown.split()) >= 4 and f"\n{shown}," in (tmp_path / "sentences.csv").read_text()
