"""ui/tasks.py, the one background-task helper: the latest request wins, a task can be stopped
or cancelled, its errors reach the GUI thread as messages, and closing the window joins it."""

from __future__ import annotations

import threading

import pytest

from netbuilder.errors import ProjectError
from ui.tasks import Tasks

WAIT_S = 10  # a gate never opened fails the task instead of hanging the test


def gated(gate: threading.Event, value):
    def fn():
        if not gate.wait(WAIT_S):
            raise RuntimeError("the gate was never opened")
        return value
    return fn


@pytest.fixture
def tasks(qtbot):
    t = Tasks(None, "Testing", name="netbuilder-test")
    yield t
    t.shutdown()
    t.deleteLater()


def record(tasks: Tasks) -> dict:
    seen = {"finished": [], "failed": [], "event": [], "progress": [], "ended": 0,
            "threads": set()}

    def on(kind):
        def slot(*args):
            seen["threads"].add(threading.get_ident())
            seen[kind].append(args[0] if len(args) == 1 else args)
        return slot
    tasks.finished.connect(on("finished"))
    tasks.failed.connect(on("failed"))
    tasks.event.connect(on("event"))
    tasks.progress.connect(on("progress"))
    tasks.ended.connect(lambda: seen.__setitem__("ended", seen["ended"] + 1))
    return seen


def test_two_quick_requests_only_the_second_result_arrives(qtbot, tasks):
    seen = record(tasks)
    first_gate, second_gate = threading.Event(), threading.Event()
    first = tasks.start(gated(first_gate, "first"))
    second = tasks.start(gated(second_gate, "second"))  # waits; the first is superseded
    assert tasks.busy and tasks.waiting and tasks.latest is second
    assert first.should_stop() and not second.should_stop()
    first_gate.set()
    qtbot.waitUntil(lambda: not tasks.waiting)  # the first ended: the second runs
    assert tasks.busy and second.outcome is None
    second_gate.set()
    with qtbot.waitSignal(tasks.ended, timeout=WAIT_S * 1000):
        pass
    assert first.outcome == ("finished", "first")  # it did return, but nobody hears it
    assert seen["finished"] == ["second"] and seen["failed"] == [] and seen["ended"] == 1
    assert seen["threads"] == {threading.get_ident()}  # delivered on the GUI thread
    assert not tasks.busy and tasks.thread is None


def test_a_request_for_the_task_in_flight_is_answered_by_it(qtbot, tasks):
    seen = record(tasks)
    gate, other = threading.Event(), threading.Event()
    running = tasks.start(gated(gate, "A"), key="A")
    tasks.start(gated(other, "B"), key="B")  # supersedes A...
    again = tasks.start(gated(gate, "A again"), key="A")  # ...then A is wanted again
    assert again is running and not running.superseded and not tasks.waiting
    with qtbot.waitSignal(tasks.ended, timeout=WAIT_S * 1000):
        gate.set()
    assert seen["finished"] == ["A"] and not other.is_set()  # B never ran


def test_stop_ends_a_task_early_and_its_partial_result_arrives(qtbot, tasks):
    seen = record(tasks)
    looping = threading.Event()

    def count(limit, *, state):
        n = 0
        while not state.should_stop() and n < limit:
            n += 1
            if n == 3:
                state.emit(("tick", n))
                state.progress("counting", 0.5)
                looping.set()
        return n

    tasks.start(count, 10**12)
    assert looping.wait(WAIT_S)
    with qtbot.waitSignal(tasks.finished, timeout=WAIT_S * 1000) as done:
        tasks.stop()
    assert tasks.latest.stop_requested and 3 <= done.args[0] < 10**12
    assert seen["event"] == [("tick", 3)] and seen["progress"] == [("counting", 0.5)]


def test_cancel_drops_what_the_task_still_says(qtbot, tasks):
    seen = record(tasks)
    gate, listening = threading.Event(), threading.Event()
    woken = []

    def blocked(*, state):
        state.on_stop(gate.set)  # its own wait wakes when it is asked to stop
        listening.set()
        gate.wait(WAIT_S)
        state.emit("late")
        return "late"

    tasks.start(blocked)
    assert listening.wait(WAIT_S)
    with qtbot.waitSignal(tasks.ended, timeout=WAIT_S * 1000):
        tasks.cancel()
        woken.append(gate.is_set())
    assert woken == [True] and seen["finished"] == [] and seen["event"] == []


def test_an_exception_in_a_task_reaches_the_gui_and_the_next_task_runs(qtbot, tasks):
    seen = record(tasks)
    with qtbot.waitSignal(tasks.failed, timeout=WAIT_S * 1000) as failed:
        tasks.start(lambda: 1 / 0)
    failure = failed.args[0]
    assert failure.message == "Testing failed: ZeroDivisionError: division by zero"
    assert "Traceback" in failure.details and isinstance(failure.error, ZeroDivisionError)

    def user_mistake():
        raise ProjectError("'fc1' has no parameter 'units'.", node="fc1", field="units")

    with qtbot.waitSignal(tasks.failed, timeout=WAIT_S * 1000) as failed:
        tasks.start(user_mistake)
    assert failed.args[0].message == "'fc1' has no parameter 'units'." and not failed.args[0].details

    with qtbot.waitSignal(tasks.finished, timeout=WAIT_S * 1000) as done:
        tasks.start(lambda: 42)
    assert done.args == [42] and len(seen["failed"]) == 2 and seen["ended"] == 3


def test_closing_the_window_joins_every_task_under_it(make_window, qtbot):
    w = make_window()
    tasks = Tasks(w.training, "Waiting", name="netbuilder-close-test")  # deep under the window
    started = threading.Event()

    def wait_for_stop(*, state):
        started.set()
        while not state.should_stop():
            started.wait(0.01)  # polls as a long computation would
        return "stopped"

    tasks.start(wait_for_stop)
    assert started.wait(WAIT_S)
    thread = tasks.thread
    w.document.undo_stack.setClean()
    assert w.close()
    assert not thread.is_alive() and not tasks.busy and tasks.latest.stop_requested


def test_a_bug_in_a_data_load_is_shown_and_the_next_load_works(qtbot, monkeypatch):
    from netbuilder.session import load_project_data
    from netbuilder.templates import load_template
    from ui.document import Document
    from ui.training import data_panel as data_panel_module

    def load(project, base_dir):
        if project.data["name"] == "moons":
            raise KeyError("a bug")
        return load_project_data(project, base_dir)

    monkeypatch.setattr(data_panel_module, "load_project_data", load)
    panel = data_panel_module.DataPanel(Document(load_template("mlp")))  # moons
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.bundle_loaded, timeout=WAIT_S * 1000) as loaded:
        panel.reload()
    assert loaded.args == [None]
    assert panel.shape_label.text() == "Loading the data failed: KeyError: 'a bug'"
    panel.document.project.data = {"kind": "builtin", "name": "circles"}
    with qtbot.waitSignal(panel.bundle_loaded, timeout=WAIT_S * 1000) as loaded:
        panel.reload()
    assert loaded.args[0] is not None and panel.shape_label.text().startswith("✓")
