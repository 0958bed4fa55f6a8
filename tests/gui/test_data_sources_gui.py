"""A declared data source appears in the Data tab's chooser with its own file filter, and a
file of it loads: the tensors source, picked from the chooser with the keyboard."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from netbuilder.data.sources import SOURCES
from netbuilder.templates import load_template
from ui.document import Document
from ui.training.data_panel import DataPanel


def test_the_chooser_offers_each_declared_source_and_a_tensor_file_loads(qtbot, tmp_path, monkeypatch):
    filters = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (filters.append(a[-1]), ("", ""))[1]))  # Cancel
    x = torch.randn(90, 2)
    torch.save({"x": x, "y": (x[:, 0] > 0).long()}, tmp_path / "pairs.pt")
    doc = Document(load_template("mlp"))
    doc.path = str(tmp_path / "p.json")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.bundle is not None and not panel.loading, timeout=20000)
    combo = panel.source
    assert [combo.itemText(i) for i in range(combo.count())] == [s.label for s in SOURCES]
    combo.setFocus()
    while combo.currentData() != "tensors":
        qtbot.keyClick(combo, Qt.Key_Down)
    assert filters[-1] == "PyTorch tensors (*.pt)"  # the declared filter, in the file dialog
    qtbot.keyClicks(panel.path, "pairs.pt")
    qtbot.keyClick(panel.path, Qt.Key_Return)
    qtbot.waitUntil(lambda: not panel.loading and panel.bundle is not None
                    and panel.bundle.info.get("kind") == "tensors", timeout=20000)
    assert doc.project.data["kind"] == "tensors" and doc.project.data["path"] == "pairs.pt"
    assert panel.bundle.input_shape == (2,) and panel.bundle.num_classes == 2
    panel.grab().save(str(tmp_path / "tensors.png"))
