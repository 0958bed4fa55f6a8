"""The Data tab for someone who has just pointed it at a table: the columns show before a target
is chosen (the target is one click in the column table) and under a loss that does not fit the
target (with its one-click fix), and the validation/test split is set in the tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ui.training.commands import set_section

from .test_data_panel_fixes import pick_item, shown_panel, wait_loaded


def write_table(path):
    rows = [f"{i},{'ab'[i % 2]},{i * 0.37:.2f},{(i * 7) % 13 + 0.5}" for i in range(1, 41)]
    path.write_text("id,group,x,price\n" + "\n".join(rows) + "\n")
    return path


def test_columns_show_without_a_target_and_the_target_is_one_click(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv"))}, "data")
    wait_loaded(qtbot, panel)
    assert "data.target is missing" in panel.shape_label.text()
    names = [panel.columns.item(r, 0).text() for r in range(panel.columns.rowCount())]
    assert names == ["id", "group", "x", "price"]
    assert panel.columns.role_combo("id").currentText() == "ignored"  # named like an index
    pick_item(qtbot, panel.columns.role_combo("price"), "target")
    qtbot.waitUntil(lambda: (doc.project.data or {}).get("target") == "price")
    wait_loaded(qtbot, panel)
    assert panel.columns.role_combo("price").currentText() == "target"


def test_columns_show_under_a_loss_that_does_not_fit_and_the_fix_is_one_click(qtbot, tmp_path):
    panel = shown_panel(qtbot)  # the MLP template: CrossEntropyLoss
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "price"}, "data")
    wait_loaded(qtbot, panel)
    assert "holds decimals" in panel.shape_label.text() and panel.bundle is None
    assert panel.columns.rowCount() == 4 and panel.table.rowCount() > 0  # columns and rows
    assert panel.fix_button.isVisible() and panel.fix_button.text() == "Use MSELoss"
    QTest.mouseClick(panel.fix_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: doc.project.training.get("loss") == "MSELoss")
    wait_loaded(qtbot, panel)
    assert panel.bundle is not None and panel.bundle.task == "regression"


def test_the_test_split_is_typed_in_the_tab(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    assert "split" not in doc.project.data  # untouched: the project keeps none
    panel.test_split.setFocus()
    QTest.keyClick(panel.test_split, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(panel.test_split, "25")
    QTest.keyClick(panel.test_split, Qt.Key_Return)
    qtbot.waitUntil(lambda: doc.project.data.get("split") == {"test": 0.25})
    wait_loaded(qtbot, panel)
    assert panel.bundle.info["counts"]["test"] == 250  # of the 1,000 moons
    assert "250 test" in panel.summary.text()
