"""The Data tab for someone who has just pointed it at a table: the columns show before a target
is chosen (the target is one click in the column table) and under a loss that does not fit the
target (with its one-click fix), and the validation/test split is set in the tab."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from ui.training.commands import set_section

from .test_data_panel_fixes import pick_item, shown_panel

LOAD_TIMEOUT = 20_000  # ms: the first table read imports pyarrow, slow on a loaded machine


def wait_loaded(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loading and not panel._reload_timer.isActive(),
                    timeout=LOAD_TIMEOUT)


def wait_task(qtbot, panel, task: str) -> None:
    """Wait until the tab holds data of `task` ("regression", "classification") and has settled."""
    qtbot.waitUntil(lambda: panel.bundle is not None and panel.bundle.task == task,
                    timeout=LOAD_TIMEOUT)
    wait_loaded(qtbot, panel)


def write_table(path):
    rows = [f"{i},{'ab'[i % 2]},{i * 0.37:.2f},{(i * 7) % 13 + 0.5}" for i in range(1, 41)]
    path.write_text("id,group,x,price\n" + "\n".join(rows) + "\n")
    return path


def test_columns_show_without_a_target_and_the_target_is_one_click(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv"))}, "data")
    qtbot.waitUntil(lambda: "data.target is missing" in panel.shape_label.text(),
                    timeout=LOAD_TIMEOUT)
    wait_loaded(qtbot, panel)
    names = [panel.columns.item(r, 0).text() for r in range(panel.columns.rowCount())]
    assert names == ["id", "group", "x", "price"]
    assert panel.columns.role_combo("id").currentText() == "ignored"  # named like an index
    pick_item(qtbot, panel.columns.role_combo("price"), "target")
    qtbot.waitUntil(lambda: (doc.project.data or {}).get("target") == "price")
    qtbot.waitUntil(lambda: panel.columns.rowCount() == 4 and panel.columns.role_combo(
        "price").currentText() == "target", timeout=LOAD_TIMEOUT)


def test_columns_show_under_a_loss_that_does_not_fit_and_the_fix_is_one_click(qtbot, tmp_path):
    panel = shown_panel(qtbot)  # the MLP template: CrossEntropyLoss
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "price"}, "data")
    qtbot.waitUntil(lambda: "holds decimals" in panel.shape_label.text(), timeout=LOAD_TIMEOUT)
    wait_loaded(qtbot, panel)
    assert panel.bundle is None
    assert panel.columns.rowCount() == 4 and panel.table.model().rowCount() > 0  # columns and rows
    assert panel.fix_button.isVisible() and panel.fix_button.text() == "Use MSELoss"
    QTest.mouseClick(panel.fix_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: doc.project.training.get("loss") == "MSELoss")
    wait_task(qtbot, panel, "regression")  # the price is trained standardised, and the tab says so
    assert "target is standardised on the training rows (mean " in panel.summary.text()


def test_the_test_split_is_typed_in_the_tab(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    assert "split" not in doc.project.data  # untouched: the project keeps none
    panel.test_split.setFocus()
    QTest.keyClick(panel.test_split, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(panel.test_split, "25")
    QTest.keyClick(panel.test_split, Qt.Key_Return)
    qtbot.waitUntil(lambda: doc.project.data.get("split") == {"test": 0.25})
    qtbot.waitUntil(lambda: panel.bundle is not None
                    and panel.bundle.info["counts"].get("test") == 250,  # of the 1,000 moons
                    timeout=LOAD_TIMEOUT)
    assert "250 test" in panel.summary.text()


def test_the_target_scaling_is_one_click(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "price"}, "data")
    set_section(doc, "training", {**doc.project.training, "loss": "MSELoss"}, "loss")
    wait_task(qtbot, panel, "regression")
    box = panel.scale_target
    assert box.isVisible() and box.isChecked() and panel.bundle.target_scale is not None
    QTest.mouseClick(box, Qt.LeftButton, Qt.NoModifier, QPoint(8, box.height() // 2))  # its box
    qtbot.waitUntil(lambda: doc.project.data.get("scale_target") is False)
    qtbot.waitUntil(lambda: panel.bundle is not None and panel.bundle.target_scale is None,
                    timeout=LOAD_TIMEOUT)
    assert "standardised" not in panel.summary.text()
    doc.undo_stack.undo()  # one edit: undone, the target is standardised again
    qtbot.waitUntil(lambda: "scale_target" not in doc.project.data and box.isChecked())


def test_the_tab_and_the_loader_share_one_default_for_the_target_scaling(qtbot, tmp_path,
                                                                         monkeypatch):
    """data.scale_target's default is declared once (data.tabular.SCALE_TARGET): with it off,
    a project that does not set it loads unscaled, the box shows unticked, and ticking it
    writes the setting."""
    from netbuilder.data import tabular

    monkeypatch.setattr(tabular, "SCALE_TARGET", False)
    panel = shown_panel(qtbot)
    doc = panel.document
    set_section(doc, "training", {**doc.project.training, "loss": "MSELoss"}, "loss")
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "price"}, "data")
    wait_task(qtbot, panel, "regression")
    box = panel.scale_target
    assert not box.isChecked() and panel.bundle.target_scale is None
    QTest.mouseClick(box, Qt.LeftButton, Qt.NoModifier, QPoint(8, box.height() // 2))
    qtbot.waitUntil(lambda: doc.project.data.get("scale_target") is True)
    qtbot.waitUntil(lambda: panel.bundle is not None and panel.bundle.target_scale is not None,
                    timeout=LOAD_TIMEOUT)


def test_the_target_scaling_box_is_greyed_with_the_reason_for_a_class_target(qtbot, tmp_path):
    panel = shown_panel(qtbot)  # the MLP template: CrossEntropyLoss
    doc = panel.document
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "group"}, "data")
    wait_task(qtbot, panel, "classification")
    box = panel.scale_target
    assert box.isVisible() and not box.isEnabled()
    assert "Not used: the target is a class" in box.toolTip()
    set_section(doc, "training", {**doc.project.training, "loss": "MSELoss"}, "loss")
    set_section(doc, "data", {**doc.project.data, "target": "price"}, "data")
    wait_task(qtbot, panel, "regression")
    assert box.isEnabled() and "mean 0 and std 1" in box.toolTip()


def test_a_scale_target_that_is_not_true_or_false_is_the_tabs_problem(qtbot, tmp_path):
    panel = shown_panel(qtbot)
    doc = panel.document
    problems = []
    panel.problem_changed.connect(problems.append)
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "group", "scale_target": "yes"}, "data")
    qtbot.waitUntil(lambda: "data.scale_target must be true or false" in panel.shape_label.text(),
                    timeout=LOAD_TIMEOUT)
    wait_loaded(qtbot, panel)
    assert problems and problems[-1] is not None and "scale_target" in problems[-1].message


def test_a_short_tab_scrolls_its_left_pane_instead_of_squeezing_it(qtbot, tmp_path):
    """The bottom area is often ~170 px: the form's rows keep their height and the shape
    message and the summary are scrolled to, whole, not cut off."""
    panel = shown_panel(qtbot)
    doc = panel.document
    set_section(doc, "training", {**doc.project.training, "loss": "MSELoss"}, "loss")
    set_section(doc, "data", {"kind": "csv", "path": str(write_table(tmp_path / "t.csv")),
                              "target": "price"}, "data")
    qtbot.waitUntil(lambda: panel.bundle is not None and "standardised" in panel.summary.text(),
                    timeout=LOAD_TIMEOUT)
    wait_loaded(qtbot, panel)
    panel.resize(1000, 170)
    qtbot.waitUntil(lambda: panel.height() == 170)  # a pane that cannot scroll stays taller
    for field in (panel.path, panel.target, panel.val_split):
        assert field.height() >= field.minimumSizeHint().height()
    assert panel.fix_button.isVisible()  # the one-click fix for fc3's out_features
    for label in (panel.shape_label, panel.summary):
        panel.left_scroll.ensureWidgetVisible(label)
        qtbot.waitUntil(lambda label=label: label.visibleRegion().boundingRect().height() == label.height())
        assert label.height() >= label.heightForWidth(label.width())  # every wrapped line
    panel.grab().save(str(tmp_path / "short_data_tab.png"))
