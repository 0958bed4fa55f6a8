"""The settings form's metric checkboxes, early-stopping monitor and mixed precision, clicked."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from netbuilder.templates import load_template
from netbuilder.train import TrainSettings
from ui.document import Document
from ui.training.settings_form import SettingsForm


def click_box(qtbot, box):
    assert box.isVisible() and box.isEnabled()
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(6, box.height() // 2))  # on the check mark


def choose(qtbot, combo, text):
    """Pick a combo item with the keyboard, as a user tabbing through the form would."""
    combo.setFocus()
    index = combo.findText(text)
    assert index >= 0, text
    qtbot.keyClick(combo, Qt.Key_Home)
    for _ in range(index):
        qtbot.keyClick(combo, Qt.Key_Down)
    assert combo.currentText() == text


def shown_metrics(form):
    return [name for name, box in form.metric_boxes.items() if box.isVisible()]


def test_metric_checkboxes_monitor_and_amp_edit_the_project(qtbot):
    project = load_template("mlp")
    project.training.pop("metrics")
    doc = Document(project)
    form = SettingsForm(doc)
    qtbot.addWidget(form)
    form.show()
    # no metrics in the project: the task's defaults are shown checked, and nothing is written
    assert shown_metrics(form) == ["accuracy", "precision", "recall", "f1", "auroc"]
    assert [n for n, b in form.metric_boxes.items() if b.isChecked()] == ["accuracy", "f1"]
    assert not form.fields["monitor"].isEnabled()

    click_box(qtbot, form.metric_boxes["auroc"])
    assert doc.project.training["metrics"] == ["accuracy", "f1", "auroc"]
    click_box(qtbot, form.metric_boxes["accuracy"])
    assert doc.project.training["metrics"] == ["f1", "auroc"]

    form.fields["patience"].setValue(4)
    assert form.fields["monitor"].isEnabled()
    choose(qtbot, form.fields["monitor"], "val_auroc")
    assert doc.project.training["early_stopping"] == {"patience": 4, "monitor": "val_auroc"}
    choose(qtbot, form.fields["mixed_precision"], "bf16")
    assert doc.project.training["mixed_precision"] == "bf16"
    assert TrainSettings.from_dict(doc.project.training).mixed_precision == "bf16"

    # a regression loss: regression metrics, the classifier choice and monitor are dropped
    choose(qtbot, form.fields["loss"], "MSELoss")
    t = doc.project.training
    assert "metrics" not in t and t["early_stopping"]["monitor"] == "val_loss"
    assert shown_metrics(form) == ["mse", "rmse", "mae", "r2"]
    assert [n for n, b in form.metric_boxes.items() if b.isChecked()] == ["mae", "r2"]
    assert form.fields["monitor"].findText("val_r2") >= 0
    assert form.fields["monitor"].findText("val_auroc") < 0

    doc.undo_stack.undo()  # back to the classifier, its metrics and monitor
    assert doc.project.training["metrics"] == ["f1", "auroc"]
    assert not form.metric_boxes["accuracy"].isChecked() and form.metric_boxes["f1"].isChecked()
    assert form.fields["monitor"].currentText() == "val_auroc"


def type_value(qtbot, spin, text):
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def test_schedule_knobs_follow_the_chosen_schedule(qtbot):
    doc = Document(load_template("mlp"))
    form = SettingsForm(doc)
    qtbot.addWidget(form)
    form.show()
    f = form.fields
    assert not f["sched_epochs"].isVisible() and not f["sched_factor"].isVisible()
    choose(qtbot, f["schedule"], "StepLR")
    assert doc.project.training["schedule"] == {"type": "StepLR"}
    assert form.label_of("sched_epochs") == "Step every (epochs)"
    assert f["sched_epochs"].text() == "auto: a third of the epochs"
    type_value(qtbot, f["sched_epochs"], "5")
    type_value(qtbot, f["sched_factor"], "0.5")
    assert doc.project.training["schedule"] == {"type": "StepLR", "step_size": 5, "gamma": 0.5}
    assert TrainSettings.from_dict(doc.project.training).schedule["step_size"] == 5
    choose(qtbot, f["schedule"], "CosineAnnealingLR")  # a new type starts from its defaults
    assert doc.project.training["schedule"] == {"type": "CosineAnnealingLR"}
    assert f["sched_epochs"].isVisible() and not f["sched_factor"].isVisible()
    assert form.label_of("sched_epochs") == "Cosine over (epochs)"
    doc.undo_stack.undo()
    assert f["sched_epochs"].value() == 5 and f["sched_factor"].value() == 0.5
