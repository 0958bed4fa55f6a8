"""Code view (live, debounced, node highlight, copy) and the export dialog (worker thread, overwrite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from netbuilder.shapes import analyze
from netbuilder.spec import Edge
from netbuilder.templates import load_template
from ui.code_view import CodeView
from ui.export_dialog import ExportDialog


@pytest.fixture
def view(qtbot):
    w = CodeView()
    qtbot.addWidget(w)
    w.resize(640, 700)
    w.show()
    return w


def test_code_view_renders_debounced_and_highlights_node(qtbot, view, tmp_path):
    project = load_template("resnet")
    view.set_project(project)
    view.set_project(project, analyze(project))  # bursts collapse into one render
    assert view.pending() and view.text() == ""
    with qtbot.waitSignal(view.sourceChanged, timeout=3000) as signal:
        pass
    assert "class Model(nn.Module):" in signal.args[0] and view.text() == signal.args[0]
    view.highlight_node("block2_conv1")
    lines = view.node_lines("block2_conv1")
    texts = [view.text().split("\n")[i] for i in lines]
    assert any("self.block2_conv1 = nn.Conv2d(" in t for t in texts)
    assert any(t.strip().startswith("block2_conv1 = self.block2_conv1(") for t in texts)
    assert len(view.editor.extraSelections()) == len(lines) == 4  # wrapped constructor (3) + forward
    assert view.editor.textCursor().blockNumber() == lines[0]
    view.grab().save(str(tmp_path / "code_view.png"))


def test_code_view_follows_edits_and_reports_invalid_graph(qtbot, view):
    project = load_template("lenet5")
    view.set_project(project)
    qtbot.waitUntil(lambda: "self.fc1 = nn.Linear(400, 120)" in view.text(), timeout=3000)
    project.set_param("fc1", "out_features", 100)
    view.set_project(project)
    qtbot.waitUntil(lambda: "self.fc1 = nn.Linear(400, 100)" in view.text(), timeout=3000)
    project.edges = [e for e in project.edges if e.target != "fc1"] + [Edge("pool2", "fc1")]
    view.set_project(project)
    qtbot.waitUntil(lambda: "problems" in view.text(), timeout=3000)
    assert "[fc1]" in view.text() and not view.copy_button.isEnabled() and view.source == ""


def test_code_view_copy_button(qtbot, view):
    view.set_project(load_template("mlp"))
    qtbot.waitUntil(lambda: bool(view.source), timeout=3000)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == view.source


@pytest.fixture
def dialog(qtbot, tmp_path):
    d = ExportDialog(load_template("lenet5"), default_dir=tmp_path)
    qtbot.addWidget(d)
    d.show()
    return d


def test_export_dialog_exports_python_off_the_gui_thread(qtbot, dialog, tmp_path):
    dialog.path_edit.setText(str(tmp_path / "lenet"))
    with qtbot.waitSignal(dialog.exported, timeout=30000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.busy() and not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=5000)
    assert signal.args[0].path == tmp_path / "lenet"
    assert (tmp_path / "lenet" / "model.py").is_file() and (tmp_path / "lenet" / "train.py").is_file()
    assert "Exported to" in dialog.status.text() and dialog.export_button.isEnabled()
    dialog.grab().save(str(tmp_path / "export_dialog.png"))


def test_export_dialog_asks_before_overwriting(qtbot, dialog, tmp_path):
    dialog.set_format("pt2")
    target = tmp_path / "model.pt2"
    target.write_text("keep")
    dialog.path_edit.setText(str(target))
    asked = []
    dialog.confirm_overwrite = lambda path: asked.append(path) or False
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert asked == [target] and not dialog.busy() and target.read_text() == "keep"
    dialog.confirm_overwrite = lambda path: True
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=5000)
    assert target.stat().st_size > 1000


def test_export_dialog_reports_invalid_graph(qtbot, tmp_path):
    project = load_template("lenet5")
    project.edges = [e for e in project.edges if e.target != "fc1"] + [Edge("pool2", "fc1")]
    d = ExportDialog(project, default_dir=tmp_path)
    qtbot.addWidget(d)
    d.set_format("onnx")
    d.path_edit.setText(str(tmp_path / "m.onnx"))
    qtbot.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.busy(), timeout=10000)
    assert "fc1" in d.status.text() and not Path(tmp_path / "m.onnx").exists()


def pick_item(qtbot, combo, text: str) -> None:
    """Open the combo's popup and click the item, as a user does."""
    from PySide6.QtTest import QTest

    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = combo.model().index(combo.findText(text), 0)
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())


def test_export_dialog_chooses_the_network_of_an_onnx_file(qtbot, tmp_path):
    import onnxruntime as ort

    d = ExportDialog(load_template("dcgan"), default_dir=tmp_path)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    assert d.network_box.isHidden()  # the folder holds every network: nothing to choose
    pick_item(qtbot, d.format_box, "ONNX model (.onnx)")
    assert not d.network_box.isHidden() and d.network_box.currentText() == "Generator"  # as the CLI's default
    pick_item(qtbot, d.network_box, "Discriminator")
    assert Path(d.path_edit.text()) == tmp_path / "dcgan_discriminator.onnx"
    d.grab().save(str(tmp_path / "export_network.png"))
    with qtbot.waitSignal(d.exported, timeout=60000):
        qtbot.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.busy(), timeout=5000)
    (given,) = ort.InferenceSession(str(tmp_path / "dcgan_discriminator.onnx")).get_inputs()
    assert given.shape[1:] == [1, 16, 16]  # the discriminator's images, not the generator's noise


def test_export_dialog_gives_an_onnx_file_the_datas_input_shape(qtbot, tmp_path):
    """An Input that leaves its shape to the data (a table) exports as training sees it."""
    import onnxruntime as ort
    from test_export_formats import _table_project

    from netbuilder.spec import load_project

    d = ExportDialog(load_project(_table_project(tmp_path)), base_dir=tmp_path, default_dir=tmp_path)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    pick_item(qtbot, d.format_box, "ONNX model (.onnx)")
    d.path_edit.setText(str(tmp_path / "m.onnx"))
    with qtbot.waitSignal(d.exported, timeout=60000):
        qtbot.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.busy(), timeout=5000)
    (given,) = ort.InferenceSession(str(tmp_path / "m.onnx")).get_inputs()
    assert given.shape[1:] == [5]  # the table's features: u, v and w's three levels
