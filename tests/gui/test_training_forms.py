"""Settings form and data panel: edits go through the undo stack; shape problems are named."""

from __future__ import annotations

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.data_panel import DataPanel
from ui.training.settings_form import SettingsForm


def test_settings_form_edits_training_through_undo(qtbot):
    doc = Document(load_template("mlp"))
    form = SettingsForm(doc)
    qtbot.addWidget(form)
    f = form.fields
    f["optimizer"].setCurrentText("SGD")
    f["momentum"].setValue(0.9)
    f["nesterov"].setChecked(True)
    f["schedule"].setCurrentText("CosineAnnealingLR")
    f["patience"].setValue(3)
    t = doc.project.training
    assert t["optimizer"] == {"type": "SGD", "lr": 0.01, "momentum": 0.9, "nesterov": True}
    assert t["schedule"] == {"type": "CosineAnnealingLR"}
    assert t["early_stopping"] == {"patience": 3}
    assert t["metrics"] == ["accuracy"]  # fields the form does not show are kept
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert doc.project.training == load_template("mlp").training
    assert f["optimizer"].currentText() == "Adam"  # the form follows the document
    assert not f["momentum"].isEnabled()


def test_data_panel_names_the_input_node_on_a_shape_mismatch(qtbot):
    project = load_template("mlp")
    project.set_param("x", "shape", [3])
    doc = Document(project)
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.bundle_loaded):  # loads in the loader thread
        panel.reload()
    assert panel.bundle is not None and panel.table.model().rowCount() > 0
    assert "Input 'x' expects [3] but the data gives [2]" in panel.shape_label.text()
    with qtbot.waitSignal(panel.bundle_loaded):
        panel.builtin.setCurrentText("digits")  # an edit of the data goes through the document
        assert doc.project.data["name"] == "digits"
        panel.reload()
    assert panel.thumbs.count() > 0 and "[1, 8, 8]" in panel.shape_label.text()
