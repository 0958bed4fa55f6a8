"""Data tab fixes: the target column combo, clearing the preview on an error, a cancelled close
during a load, data problems marked on their node."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.data.sources import SOURCES
from netbuilder.session import load_project_data
from netbuilder.templates import load_template
from ui.document import Document
from ui.training import data_panel as data_panel_module
from ui.training.commands import set_section
from ui.training.data_panel import DataPanel

from .helpers import click_node

GATE_TIMEOUT = 10  # s: a gate never opened fails the load instead of hanging the test


@pytest.fixture(autouse=True)
def no_file_dialog(monkeypatch):
    """Choosing a file source without a path opens a file dialog: answer Cancel."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))


def write_csv(path, header=("label", "x1", "x2")):
    rows = [f"{i % 2},{(i % 2) * 2 + i / 100:.3f},{i / 50:.3f}" for i in range(60)]
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")
    return path


def shown_panel(qtbot, template="mlp") -> DataPanel:
    panel = DataPanel(Document(load_template(template)))
    qtbot.addWidget(panel)
    panel.resize(1100, 400)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.bundle is not None and not panel.loading)
    return panel


def pick_item(qtbot, combo, text: str) -> None:
    """Open the combo's popup and click the item, as a user does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = combo.model().index(combo.findText(text), 0)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())


def wait_loaded(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loading and not panel._reload_timer.isActive())


# ----- 1: the target column --------------------------------------------------------------------
def test_browsing_to_a_csv_leaves_the_target_unchosen_and_the_first_column_can_be_picked(
        qtbot, tmp_path, monkeypatch):
    csv_path = write_csv(tmp_path / "table.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(csv_path), "")))
    panel = shown_panel(qtbot)
    doc = panel.document
    panel.source.setFocus()
    with qtbot.waitSignal(panel.problem_changed,
                          check_params_cb=lambda p: p is not None and "target" in p.message):
        QTest.keyClick(panel.source, Qt.Key_Down)  # "CSV / TSV file": the file dialog opens
    assert panel.source.currentData() == "csv"
    assert doc.project.data["path"] == str(csv_path) and "target" not in doc.project.data
    # nothing looks chosen: a blank entry under the placeholder, not the first column
    assert panel.target.currentIndex() == -1 and panel.target.currentText() == ""
    assert panel.target.lineEdit().placeholderText() == "choose the target column"
    assert [panel.target.itemText(i) for i in range(panel.target.count())] == ["label", "x1", "x2"]
    assert "data.target is missing" in panel.shape_label.text()

    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is not None):
        pick_item(qtbot, panel.target, "label")  # the first column
    assert doc.project.data["target"] == "label"
    assert panel.target.currentText() == "label"
    wait_loaded(qtbot, panel)
    assert panel.shape_label.text().startswith("✓")


def test_typing_a_csv_path_then_picking_the_first_column_writes_it(qtbot, tmp_path):
    csv_path = write_csv(tmp_path / "table.csv")
    panel = shown_panel(qtbot)
    doc = panel.document
    panel.source.setCurrentIndex(panel.source.findData("csv"))  # the file dialog: Cancel
    panel.path.setFocus()  # the path is typed instead
    QTest.keyClicks(panel.path, str(csv_path))
    with qtbot.waitSignal(panel.problem_changed,
                          check_params_cb=lambda p: p is not None and "target" in p.message):
        QTest.keyClick(panel.path, Qt.Key_Return)
    assert doc.project.data == {"kind": "csv", "path": str(csv_path)}
    assert panel.target.currentText() == ""  # not "label", which the project does not name
    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is not None):
        pick_item(qtbot, panel.target, "label")
    assert doc.project.data == {"kind": "csv", "path": str(csv_path), "target": "label"}
    assert panel.target.currentText() == "label" and panel.target.currentIndex() == 0


def test_cancelling_the_folder_dialog_fades_the_old_preview_and_says_what_to_do(qtbot, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    panel = shown_panel(qtbot)  # moons: its summary, rows and class balance
    assert panel.summary.isEnabled()
    panel.source.setFocus()
    pick_item(qtbot, panel.source, next(s.label for s in SOURCES if s.folder))  # the folder dialog: Cancel
    assert panel.source.currentData() == "images" and panel.path.text() == ""
    assert not panel.summary.isEnabled() and not panel.preview.isEnabled()  # the moons' no longer
    assert panel.shape_label.text() == "Browse… for the folder, or type its path."


# ----- 2: an error clears the preview -----------------------------------------------------------
@pytest.mark.parametrize("case", ["missing target", "missing file"])
def test_an_error_clears_the_preview_table_and_the_class_balance(qtbot, tmp_path, case):
    panel = shown_panel(qtbot)  # moons: a table and a two-bar class balance
    axis = panel.balance_plot.getAxis("bottom")
    assert panel.table.model().rowCount() > 0 and panel.table.model().columnCount() == 3
    assert panel.balance.isVisible() and axis._tickLevels is not None
    csv_path = write_csv(tmp_path / "table.csv")
    if case == "missing file":
        csv_path = tmp_path / "nowhere.csv"
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is None):
        panel.set_path(str(csv_path))
    wait_loaded(qtbot, panel)
    assert panel.error_text and panel.shape_label.text() == panel.error_text
    assert panel.table.model().rowCount() == 0 and panel.table.model().columnCount() == 0  # no "1 2 3" header
    assert not panel.balance.isVisible() and axis._tickLevels is None
    assert panel.summary.text() == ""

    panel.document.undo_stack.undo()  # back to moons: all of it shows again
    with qtbot.waitSignal(panel.bundle_loaded, check_params_cb=lambda b: b is not None):
        pass
    assert panel.table.model().columnCount() == 3 and panel.balance.isVisible()
    assert [label for _, label in axis._tickLevels[0]] == ["upper", "lower"]


# ----- 3: a cancelled close during a load -------------------------------------------------------
class Gates:
    """Stands in for load_project_data: a builtin set's load waits until its gate opens."""

    def __init__(self):
        self.gates: dict[str, threading.Event] = {}
        self.entered: dict[str, threading.Event] = {}
        self.calls: list[str] = []
        self.returned: list[str] = []
        self.results: dict[str, object] = {}

    def gate(self, name):
        return self.gates.setdefault(name, threading.Event())

    def arrived(self, name):
        return self.entered.setdefault(name, threading.Event())

    def __call__(self, project, base_dir):
        name = project.data["name"]
        self.calls.append(name)
        self.arrived(name).set()
        if not self.gate(name).wait(GATE_TIMEOUT):
            raise RuntimeError(f"the gate of {name} was never opened")
        bundle = self.results[name] = load_project_data(project, base_dir)
        self.returned.append(name)
        return bundle


@pytest.fixture
def gates(monkeypatch):
    g = Gates()
    monkeypatch.setattr(data_panel_module, "load_project_data", g)
    return g


def test_a_cancelled_close_during_a_load_keeps_loading_the_newest_source(
        make_window, qtbot, gates, dialogs, monkeypatch):
    gates.gate("moons").set()
    w = make_window(load_template("mlp"))
    panel = w.training.data_panel
    qtbot.waitUntil(lambda: panel.bundle is not None and not panel.loading)
    w.bottom_tabs.setCurrentWidget(panel)
    pick_item(qtbot, panel.builtin, "circles")  # A: loads (held at its gate)
    qtbot.waitUntil(gates.arrived("circles").is_set)  # after the reload timer
    pick_item(qtbot, panel.builtin, "sequences")  # B: waits behind A
    qtbot.waitUntil(lambda: panel.loader.waiting)
    assert w.document.dirty

    in_flight_when_asked = []

    def question(*args, **kw):
        in_flight_when_asked.append(panel.loader.thread is not None and panel.loader.thread.is_alive())
        return dialogs.question(*args, **kw)

    monkeypatch.setattr(QMessageBox, "question", question)
    dialogs.answer = QMessageBox.Cancel
    assert not w.close()  # "Unsaved changes" → Cancel: the window stays
    assert [d[1] for d in dialogs.shown] == ["Unsaved changes"]
    assert in_flight_when_asked == [True]  # asked at once, not after A's load was joined
    assert gates.returned == ["moons"] and panel.loading and w.isVisible()

    with qtbot.waitSignal(panel.bundle_loaded, timeout=GATE_TIMEOUT * 1000):
        gates.gate("circles").set()
        gates.gate("sequences").set()
    wait_loaded(qtbot, panel)
    assert gates.calls == ["moons", "circles", "sequences"]
    assert panel.bundle is gates.results["sequences"]
    message = panel.shape_label.text()
    assert "Input 'x' expects" in message  # B's 32 steps do not fit the Input's [2]
    assert w.problems.count == 1 and w.problems.topLevelItem(0).text(2) == message

    dialogs.answer = QMessageBox.Discard  # now really close: the panel is shut down
    assert w.close()
    assert panel.loader.held and not panel.loading


def test_a_panel_shut_down_during_a_load_forgets_nothing_and_resumes_when_shown(qtbot, gates):
    gates.gate("moons").set()
    panel = shown_panel(qtbot)
    set_section(panel.document, "data", {"kind": "builtin", "name": "circles"})
    qtbot.waitUntil(gates.arrived("circles").is_set)
    set_section(panel.document, "data", {"kind": "builtin", "name": "xor"})
    qtbot.waitUntil(lambda: panel.loader.waiting)  # xor waits behind circles
    gates.gate("circles").set()
    gates.gate("xor").set()
    panel.shutdown()  # joins circles; starts nothing else
    assert gates.returned == ["moons", "circles"]
    qtbot.waitUntil(lambda: not panel.loading)  # circles' result arrives: outdated, dropped
    assert gates.calls == ["moons", "circles"] and panel.bundle is gates.results["moons"]
    assert panel.shape_label.text() == "Loading data…"  # not circles' (or moons') ✓

    panel.hide()
    with qtbot.waitSignal(panel.bundle_loaded):
        panel.show()  # the panel lives on: the queued source loads
    assert gates.calls == ["moons", "circles", "xor"] and panel.bundle is gates.results["xor"]
    assert panel.shape_label.text().startswith("✓")


# ----- 4: a data problem is marked on its node --------------------------------------------------
def test_a_data_problem_naming_a_node_is_marked_on_the_canvas(make_window, qtbot):
    w = make_window(load_template("mlp"))  # moons: 2 classes
    panel = w.training.data_panel
    qtbot.waitUntil(lambda: panel.bundle is not None and not panel.loading)
    item = w.canvas.net_scene.nodes["fc3"]
    assert item.errors == [] and w.problems.count == 0

    w.canvas.center_on_node("fc3")
    click_node(w.canvas, "fc3")
    spin = w.inspector.fields["out_features"]
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), "3")
    with qtbot.waitSignal(panel.problem_changed, check_params_cb=lambda p: p is not None):
        QTest.keyClick(spin.lineEdit(), Qt.Key_Return)
    message = ("'fc3' outputs 3 values per sample but the data has 2 classes: set its "
               "out_features to 2.")
    assert w.problems.count == 1 and w.problems.topLevelItem(0).text(1) == "fc3"
    assert item.errors == [message]  # what paints the red outline and the ⚠ line
    assert f"⚠ {message}" in item.toolTip()
    assert "fc3" in w.canvas.net_scene.external_errors
    w.grab().save("/tmp/data_problem_on_node.png")

    with qtbot.waitSignal(panel.problem_changed, check_params_cb=lambda p: p is None):
        w.document.undo_stack.undo()
    assert w.problems.count == 0
    assert item.errors == [] and "⚠" not in item.toolTip()
    assert w.canvas.net_scene.external_errors == {}


# ----- 5: the settings form follows the core's loss -> task rule --------------------------------
def test_the_settings_form_offers_the_metrics_of_the_task_the_core_gives_each_loss(qtbot):
    from netbuilder.data.targets import task_for_loss
    from netbuilder.metrics import metric_names
    from ui.training.settings_form import LOSSES, SettingsForm

    form = SettingsForm(Document(load_template("mlp")))
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    combo = form.fields["loss"]
    for loss in LOSSES:
        pick_item(qtbot, combo, loss)
        assert form.document.project.training["loss"] == loss
        shown = [name for name, box in form.metric_boxes.items() if box.isVisible()]
        assert shown == list(metric_names(task_for_loss(loss))), loss
        monitor = form.fields["monitor"]
        monitors = [monitor.itemText(i) for i in range(monitor.count())]
        assert monitors == ["val_loss", "train_loss"] + [f"val_{m}" for m in shown]


# ----- loading again and again ----------------------------------------------------------------
def test_csv_paths_typed_in_quick_succession_show_the_last_with_a_bounded_preview(qtbot, tmp_path):
    """Paths typed one after another, each as soon as the one before was entered (the reload
    timer and the loader coalesce them): the panel shows the last file, its columns and a Rows
    preview of at most PREVIEW_ROWS x PREVIEW_COLUMNS, and lives on."""
    narrow = write_csv(tmp_path / "narrow.csv")
    wide_header = ("label", *(f"w{i}" for i in range(59)))
    rows = [",".join([str(i % 2), *(f"{(i * 37 + j * 11) % 101 / 10:.1f}" for j in range(59))])
            for i in range(2 * data_panel_module.PREVIEW_ROWS)]
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(wide_header) + "\n" + "\n".join(rows) + "\n")
    panel = shown_panel(qtbot)
    panel.document.project.data = {"kind": "csv", "path": str(narrow), "target": "label"}
    panel.document.analyzed.emit()  # the project opened with this data
    qtbot.waitUntil(lambda: panel.bundle is not None and panel.bundle.input_shape == (2,))
    for path in (wide, narrow, wide, narrow, wide):
        panel.path.selectAll()
        QTest.keyClicks(panel.path, str(path))
        QTest.keyClick(panel.path, Qt.Key_Return)
        assert panel.document.project.data["path"] == str(path)
    qtbot.waitUntil(lambda: not panel.loading and not panel._reload_timer.isActive()
                    and panel.bundle is not None and panel.bundle.input_shape != (2,))
    assert panel.document.project.data["path"] == str(wide)
    assert [c["name"] for c in panel.columns.columns] == list(wide_header)
    rows = panel.table.model()
    assert rows.rowCount() == data_panel_module.PREVIEW_ROWS
    assert rows.columnCount() == data_panel_module.PREVIEW_COLUMNS
    shown = [rows.headerData(c, Qt.Horizontal) for c in range(rows.columnCount())]
    assert shown == list(wide_header[:data_panel_module.PREVIEW_COLUMNS])  # in file order
