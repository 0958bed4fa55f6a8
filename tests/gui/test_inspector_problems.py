"""Inspector edits (validated, undoable) and errors on nodes and in the problems list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .helpers import chain_project, click_node


def _select(w, node_id):
    click_node(w.canvas, node_id)
    assert w.document.selection == [node_id]
    return w.inspector


def test_edit_param_changes_shape_label(make_window):
    w = make_window()
    insp = _select(w, "n1")
    spin = insp.fields["out_channels"]
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "8")
    QTest.keyClick(spin.lineEdit(), Qt.Key_Return)
    assert w.document.project.node("n1").params["out_channels"] == 8
    edge = w.document.project.incoming("n2")[0]
    assert w.canvas.net_scene.edges[id(edge)].label == "[8, 24, 24]"
    assert "in_channels" in insp.derived.text() and "[8, 24, 24]" in insp.derived.text()
    w.document.undo_stack.undo()
    assert w.canvas.net_scene.edges[id(edge)].label == "[6, 24, 24]"
    assert insp.fields["out_channels"].value() == 6


def test_out_of_range_is_refused_with_range(make_window):
    w = make_window()
    insp = _select(w, "n3")
    spin = insp.fields["out_features"]
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "0")
    assert not insp.messages["out_features"].isHidden()
    assert "at least 1" in insp.messages["out_features"].text()
    QTest.keyClick(spin.lineEdit(), Qt.Key_Return)
    assert w.document.project.node("n3").resolved()["out_features"] == 10
    assert w.document.undo_stack.count() == 0


def test_text_field_validation(make_window):
    w = make_window()
    insp = _select(w, "n1")
    field = insp.fields["kernel_size"]
    field.selectAll()
    QTest.keyClicks(field, "3, a")
    assert "whole numbers" in insp.messages["kernel_size"].text()
    field.selectAll()
    QTest.keyClicks(field, "3, 5")
    assert insp.messages["kernel_size"].text() == ""
    QTest.keyClick(field, Qt.Key_Return)
    assert w.document.project.node("n1").params["kernel_size"] == (3, 5)


def test_mismatch_lights_node_red_and_lists_problem(make_window):
    w = make_window(chain_project(("Conv2d", {"out_channels": 4, "kernel_size": 3}), ("Linear", {"out_features": 10})))
    item = w.canvas.net_scene.nodes["n2"]
    assert item.errors and "Flatten" in item.errors[0]
    assert "Flatten" in item.toolTip()
    assert w.problems.count >= 1
    row = w.problems.topLevelItem(0)
    assert row.text(1) == "n2"
    rect = w.problems.visualItemRect(row)
    QTest.mouseClick(w.problems.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert w.document.selection == ["n2"]
    assert item.isSelected()
    assert "problem" in w.valid_label.text()
    assert w.params_label.text() == "? parameters"  # no partial total while the graph is broken


def test_data_that_cannot_reach_the_input_is_a_problem(make_window, qtbot):
    from netbuilder.templates import load_template
    from ui.commands import SetParam

    w = make_window(load_template("mlp"))  # moons: 2 features per sample
    qtbot.waitUntil(lambda: w.training.data_panel.bundle is not None)
    assert w.problems.count == 0 and "valid" in w.valid_label.text()

    w.document.push(SetParam(w.document, "x", "shape", [3]))
    qtbot.waitUntil(lambda: w.problems.count == 1)
    row = w.problems.topLevelItem(0)
    assert row.text(1) == "x" and "expects [3]" in row.text(2) and "[2]" in row.text(2)
    assert "1 problem" in w.valid_label.text()
    assert w.params_label.text() != "? parameters"  # the graph itself is fine

    w.document.undo_stack.undo()
    qtbot.waitUntil(lambda: w.problems.count == 0)
