"""The settings form is built from the settings' one declaration (netbuilder/training_fields.py):
each labelled setting has its row, with the declared choices and range, and the form writes it
under its declared name."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox

from netbuilder import training_fields as F
from netbuilder.templates import load_template
from ui.document import Document
from ui.training.settings_form import PLAIN_ROWS, SettingsForm, form_rows


@pytest.fixture
def form(qtbot):
    form = SettingsForm(Document(load_template("mlp")))
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def declared_rows():
    return [(key, s) for key, _label, s in form_rows() if s is not None and s.kind != "metrics"]


def test_every_labelled_setting_has_its_row_with_the_declared_choices(form):
    labelled = {f.name: f for s in F.SETTINGS for f in (s, *s.fields) if f.label and f.kind != "section"}
    for name, s in labelled.items():  # the row, under the declared label
        assert name in form.rows and form.label_of(name) == s.label, name
    for key, s in declared_rows():
        box = form.fields[key]
        assert box.toolTip() == s.help
        if s.kind in ("choice", "typed") and s.choices:
            items = [box.itemText(i) for i in range(box.count())]
            assert items == (["none"] if s.default is None else []) + list(s.choices), key
        if s.kind in ("int", "float"):
            assert (box.minimum(), box.maximum()) == pytest.approx(s.box_range()), key
            assert box.specialValueText() == s.off


@pytest.mark.parametrize("key", [key for key, s in declared_rows() if s.kind in ("int", "float")])
def test_a_value_outside_the_declared_range_is_refused_with_that_range(form, qtbot, key):
    s, box = next(s for k, s in declared_rows() if k == key), form.fields[key]
    before = form.document.project.training
    lo, hi = s.box_range()
    box.setEnabled(True)
    low = f"{lo:g}" + (f" ({s.off})" if s.off else "")
    for typed in ("-1", str(int(hi) + 1) if s.kind == "int" else f"{hi * 10:g}"):  # below, above
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), typed)
        message = form.refusals[key]
        assert message.isVisible() and message.text().startswith(f"{typed} is refused: allowed {low} to {hi:g};")
        qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert form.document.project.training == before  # refused: nothing written


@pytest.mark.parametrize("key", PLAIN_ROWS)
def test_each_plain_row_writes_its_declared_setting(form, qtbot, key):
    s, box = F.BY_NAME[key], form.fields[key]
    if isinstance(box, QComboBox):
        value = next(c for c in s.choices if c != box.currentText())
        box.setCurrentText(value)  # as a pick from the list does
    elif isinstance(box, QCheckBox):
        value = not box.isChecked()
        qtbot.mouseClick(box, Qt.LeftButton, pos=box.rect().center())
    else:
        value = 2 if s.kind == "int" else 0.5
        box.lineEdit().selectAll()
        qtbot.keyClicks(box.lineEdit(), str(value))
        qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert form.document.project.training[key] == value
    assert form.error.text() == ""
