"""File ▸ Import Model… and Train ▸ Start from Weights…, driven as a user would."""

from __future__ import annotations

from pathlib import Path

import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

MODELS = Path(__file__).parents[1] / "import_models" / "models.py"


def _menu_action(w, menu, text):
    return next(a for a in w.menus[menu].actions() if a.text() == text)


def test_import_asks_before_running_the_file_then_opens_the_graph(make_window, qtbot, dialogs, monkeypatch, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("gui_import_models", MODELS)
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    torch.save(models.LeNet().state_dict(), tmp_path / "lenet.pt")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "lenet.json"), ""))
    w = make_window()
    _menu_action(w, "File", "&Import Model…").trigger()
    dialog = w.transfer.dialog
    qtbot.waitExposed(dialog)
    QTest.keyClicks(dialog.source, str(MODELS))
    QTest.keyClicks(dialog.class_name, "LeNet")
    QTest.keyClicks(dialog.input_shape, "1, 28, 28")
    QTest.keyClicks(dialog.weights, str(tmp_path / "lenet.pt"))
    dialog.grab().save("/tmp/transfer_import_dialog.png")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
    dialogs.answer = QMessageBox.Cancel  # "Run this file's code?" declined: nothing happens
    QTest.mouseClick(ok, Qt.LeftButton)
    assert dialogs.shown[-1][1] == "Run this file's code?" and "runs the Python code" in dialogs.shown[-1][2]
    assert dialog.isVisible() and not (tmp_path / "lenet.json").exists()
    dialogs.answer = QMessageBox.Yes
    QTest.mouseClick(ok, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert w.document.path == tmp_path / "lenet.json" and (tmp_path / "lenet.safetensors").is_file()
    assert {"conv1", "conv2", "fc1", "fc2", "fc3"} <= {n.id for n in w.document.project.nodes}
    assert w.document.project.training["init_weights"] == "lenet.safetensors"
    asked = len(dialogs.shown)
    _menu_action(w, "File", "&Import Model…").trigger()  # the second import from the file asks no more
    w.transfer.dialog.source.setText(str(MODELS))
    QTest.keyClicks(w.transfer.dialog.class_name, "NoSuchClass")
    QTest.mouseClick(w.transfer.dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok), Qt.LeftButton)
    assert len(dialogs.shown) == asked and "has no nn.Module class 'NoSuchClass'" in w.transfer.dialog.error.text()
    w.transfer.dialog.grab().save("/tmp/transfer_import_error.png")
    w.transfer.dialog.reject()
    w.grab().save("/tmp/transfer_imported.png")


def test_start_from_weights_shows_the_match_report_and_binds_the_weights(make_window, dialogs, tmp_path):
    from netbuilder.compiler import build_model

    w = make_window()
    w.document.save(tmp_path / "p.json")
    state = build_model(w.document.project).state_dict()
    state["n3.weight"] = torch.zeros(5, 3456)  # a head for 5 classes: the wrong shape here
    torch.save(state, tmp_path / "w.pt")
    dialogs.answer = QMessageBox.Ok
    assert w.transfer.use_weights(str(tmp_path / "w.pt"))
    _, title, text = dialogs.shown[-1]
    assert title == "Start from these weights?" and "loaded 3 tensors into n1, n3" in text
    assert "n3.weight is [5, 3456] in the file but [10, 3456] in the graph" in text
    assert w.document.project.training["init_weights"] == "w.pt"
    w.document.undo_stack.undo()
    assert "init_weights" not in (w.document.project.training or {})
