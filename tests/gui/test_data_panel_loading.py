"""The Data tab loads in a loader thread: the GUI stays live, only the newest source is shown,
closing joins the thread; the model's output is checked against the data's targets."""

from __future__ import annotations

import threading

import pytest
import torch
from PySide6.QtCore import QTimer

from netbuilder.session import load_project_data
from netbuilder.templates import load_template
from ui.commands import SetParam
from ui.document import Document
from ui.training import data_panel as data_panel_module
from ui.training.data_panel import DataPanel

GATE_TIMEOUT = 10  # s: a gate that is never opened fails the load instead of hanging the test


class Gates:
    """Stands in for load_project_data: each load waits until the test opens its gate."""

    def __init__(self):
        self.gates: dict[str, threading.Event] = {}
        self.entered: dict[str, threading.Event] = {}
        self.calls: list[str] = []
        self.results: dict[str, object] = {}
        self.returned: list[str] = []
        self.active = self.max_active = 0
        self.threads: list[tuple[bool, int]] = []  # (in the GUI thread?, torch threads)
        self.lock = threading.Lock()

    def gate(self, name: str) -> threading.Event:
        return self.gates.setdefault(name, threading.Event())

    def arrived(self, name: str) -> threading.Event:
        return self.entered.setdefault(name, threading.Event())

    def __call__(self, project, base_dir):
        name = project.data["name"]
        with self.lock:
            self.calls.append(name)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            # get_ident, not current_thread(): that would leave a dummy Thread behind
            self.threads.append((threading.get_ident() == threading.main_thread().ident,
                                 torch.get_num_threads()))
        self.arrived(name).set()
        try:
            if not self.gate(name).wait(GATE_TIMEOUT):
                raise RuntimeError(f"the gate of {name} was never opened")
            bundle = self.results[name] = load_project_data(project, base_dir)
            self.returned.append(name)
            return bundle
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def gates(monkeypatch):
    g = Gates()
    monkeypatch.setattr(data_panel_module, "load_project_data", g)
    return g


def make_panel(qtbot, template="mlp") -> DataPanel:
    panel = DataPanel(Document(load_template(template)))
    qtbot.addWidget(panel)
    return panel


def set_builtin(panel: DataPanel, name: str) -> None:
    panel.document.project.data = {"kind": "builtin", "name": name}
    panel.reload()


def test_a_load_completes_in_the_loader_thread_and_shows_the_shape(qtbot, gates):
    gates.gate("moons").set()
    panel = make_panel(qtbot)
    with qtbot.waitSignal(panel.bundle_loaded) as loaded, \
            qtbot.waitSignal(panel.problem_changed) as problem:
        panel.reload()
    assert loaded.args == [gates.results["moons"]] and panel.bundle is gates.results["moons"]
    assert problem.args == [None]
    assert panel.shape_label.text() == "✓ Each sample reaches the Input as [2] float32."
    assert "samples" in panel.summary.text() and panel.table.model().rowCount() > 0
    assert not panel.loading and panel.preview.isEnabled()
    assert gates.threads == [(False, 1)]  # off the GUI thread, and serial (see threads.py)


def test_a_slow_load_leaves_the_event_loop_running(qtbot, gates):
    panel = make_panel(qtbot)
    panel.reload()
    assert panel.loading and panel.shape_label.text() == "Loading data…"
    assert gates.arrived("moons").wait(GATE_TIMEOUT)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    qtbot.waitUntil(lambda: len(ticks) >= 3)  # a load on the GUI thread would block this
    timer.stop()
    assert panel.loading and panel.bundle is None and gates.returned == []
    with qtbot.waitSignal(panel.bundle_loaded):
        gates.gate("moons").set()
    assert not panel.loading and panel.bundle is gates.results["moons"]


def test_only_the_newest_source_is_shown_and_loads_do_not_pile_up(qtbot, gates):
    panel = make_panel(qtbot)
    panel.reload()
    assert gates.arrived("moons").wait(GATE_TIMEOUT)
    set_builtin(panel, "circles")  # waits behind moons...
    set_builtin(panel, "xor")  # ...and is replaced before it starts
    shown = []
    panel.bundle_loaded.connect(shown.append)
    for name in ("moons", "circles", "xor"):
        gates.gate(name).set()
    qtbot.waitUntil(lambda: not panel.loading)
    assert gates.calls == ["moons", "xor"] and gates.max_active == 1
    assert shown == [gates.results["xor"]]  # the moons result arrived outdated: dropped
    assert panel.bundle is gates.results["xor"]
    assert "✓" in panel.shape_label.text() and panel.preview.isEnabled()


def test_going_back_to_the_source_in_flight_loads_it_once(qtbot, gates):
    panel = make_panel(qtbot)
    panel.reload()
    assert gates.arrived("moons").wait(GATE_TIMEOUT)
    moons = dict(panel.document.project.data)
    set_builtin(panel, "circles")
    panel.document.project.data = moons  # the load in flight is the right one again
    panel.reload()
    with qtbot.waitSignal(panel.bundle_loaded) as loaded:
        gates.gate("moons").set()
    qtbot.waitUntil(lambda: not panel.loading)
    assert gates.calls == ["moons"] and loaded.args == [gates.results["moons"]]


def test_closing_during_a_load_joins_the_loader_thread(qtbot, gates):
    panel = make_panel(qtbot)
    panel.reload()
    assert gates.arrived("moons").wait(GATE_TIMEOUT)
    thread = panel.loader.thread
    assert thread.is_alive() and thread is not threading.current_thread()
    set_builtin(panel, "xor")  # waits: must not start once the panel is shut
    gates.gate("moons").set()
    panel.close()
    assert gates.returned == ["moons"] and not thread.is_alive()
    assert gates.calls == ["moons"]


def test_closing_the_window_during_a_load_joins_the_loader_thread(make_window, qtbot, gates):
    gates.gate("moons").set()
    w = make_window(load_template("mlp"))
    panel = w.training.data_panel
    qtbot.waitUntil(lambda: panel.bundle is not None)
    set_builtin(panel, "circles")
    assert gates.arrived("circles").wait(GATE_TIMEOUT) and panel.loading
    thread = panel.loader.thread
    gates.gate("circles").set()
    w.document.undo_stack.setClean()
    w.close()  # TrainingPanel.shutdown joins the Data tab's thread too
    assert gates.returned == ["moons", "circles"] and not thread.is_alive()


def test_an_output_that_does_not_fit_the_classes_is_a_problem(make_window, qtbot):
    w = make_window(load_template("mlp"))  # moons: 2 classes
    panel = w.training.data_panel
    qtbot.waitUntil(lambda: panel.bundle is not None)
    assert w.problems.count == 0

    w.document.push(SetParam(w.document, "fc3", "out_features", 3))
    qtbot.waitUntil(lambda: w.problems.count == 1)
    row = w.problems.topLevelItem(0)
    message = "'fc3' outputs 3 values per sample but the data has 2 classes: set its " \
              "out_features to 2."
    assert row.text(1) == "fc3" and row.text(2) == message
    assert panel.shape_label.text() == message
    assert "1 problem" in w.valid_label.text()

    w.document.undo_stack.undo()
    qtbot.waitUntil(lambda: w.problems.count == 0)
    assert panel.shape_label.text().startswith("✓")
