"""Tasks: the one way the GUI runs engine calls off its thread (in the manner of Orange's
ConcurrentMixin and TaskState).

    loader = Tasks(self, "Loading the data", name="netbuilder-data", prepare=serial_torch)
    loader.finished.connect(self._loaded)      # @Slot receivers, called on the GUI thread
    loader.failed.connect(self._load_failed)   # a Failure: message, details, the exception
    loader.start(load_project_data, project, base_dir)   # runs fn(*args) in a thread

A function that reports progress or partial results, or that can stop early, takes a
`state` keyword (a TaskState): `state.progress(message, fraction)`, `state.emit(event)`,
`state.should_stop()`. It must never touch a widget; it gets copies of what it reads.

- One task at a time per Tasks object, and the latest request wins: a request made while a
  task runs waits, replacing any request that waited before it, and the task running is
  superseded: `should_stop()` turns true and whatever it still reports or returns is dropped.
  A request with the same `key` as the task running is answered by that task instead.
- `stop()` asks the running task to stop early; what it returns then still arrives (a search
  returns the trials it finished). `cancel()` drops it as a newer request would.
- Every exception in a task arrives as `failed`: the app survives them all.
- `join()` waits for the task (without stopping it) and delivers its outcome before it
  returns; `shutdown()` stops and joins. Closing the main window shuts down every Tasks object
  under it (`shutdown_all`), and the tests' leak check (tests/conftest.py) fails a test that
  leaves any thread running.

The threads are plain Python threads: unlike a QThread running Python code, they leave no
`threading._DummyThread` behind, and `threading.enumerate()` stays truthful."""

from __future__ import annotations

import inspect
import threading
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, Qt, Signal, Slot

from netbuilder.session import USER_ERRORS  # not imported in a task's thread

from .errors import error_text


class Failure(NamedTuple):
    message: str  # one readable paragraph
    details: str  # a traceback for our own bugs, "" for the user's mistakes
    error: BaseException


def failure_of(err: BaseException, what: str | None = None) -> Failure:
    """The user's mistakes (the engine's errors) say what is wrong; anything else is a bug,
    said with its type and traceback, prefixed "<what> failed: "."""
    if isinstance(err, USER_ERRORS):
        return Failure(error_text(err), "", err)
    if isinstance(err, MemoryError):
        return Failure("Out of memory: lower the batch size or the size of the data or model.",
                       "", err)
    text = f"{type(err).__name__}: {err}"
    return Failure(f"{what} failed: {text}" if what else text,
                   "".join(traceback.format_exception(err)), err)


class TaskState:
    """One request, as its function sees it. Thread-safe: the task's thread reports through it,
    the GUI thread asks it to stop."""

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, key: Any, post: Callable):
        self.fn, self.args, self.kwargs, self.key = fn, args, kwargs, key
        self._post = post
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._on_stop: list[Callable[[], None]] = []
        self.superseded = False  # a newer request came: what this one says is dropped
        self.outcome: tuple[str, Any] | None = None  # ("finished", value) / ("failed", Failure)
        self.delivered = False

    # ----- the task's thread -------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self._stop.is_set() or self.superseded

    def progress(self, message: str, fraction: float) -> None:
        self._post(self, "progress", (message, fraction))

    def emit(self, event: Any) -> None:
        """A partial result (a trial, an epoch...), delivered as Tasks.event."""
        self._post(self, "event", event)

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the task is asked to stop (at once if it was): a function
        blocked on its own event (a paused training run) wakes up there."""
        with self._lock:
            asked = self._stop.is_set()
            if not asked:
                self._on_stop.append(callback)
        if asked:
            callback()

    # ----- the GUI thread ----------------------------------------------------------------------
    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            callbacks, self._on_stop = self._on_stop, []
        for callback in callbacks:
            callback()


class Tasks(QObject):
    """Runs one function at a time in a thread of its own; see the module's text."""

    progress = Signal(str, float)  # message, fraction 0..1
    event = Signal(object)         # a partial result
    finished = Signal(object)      # the task's return value
    failed = Signal(object)        # Failure
    ended = Signal()               # no task runs any more (nothing waits either)

    _posted = Signal(object, str, object)  # emitted in the task's thread: state, what, payload

    def __init__(self, parent: QObject | None = None, what: str | None = None, *,
                 name: str = "netbuilder-task", prepare: Callable[[], None] | None = None):
        """`what` names the work in a bug's message ("Loading the data failed: ..."); `prepare`
        runs first in each task's thread (how many cores torch may use, see threads.py)."""
        super().__init__(parent)
        self.what, self.name, self.prepare = what, name, prepare
        self.latest: TaskState | None = None  # the newest request (its outcome is shown)
        self.thread: threading.Thread | None = None
        self._running: TaskState | None = None
        self._waiting: TaskState | None = None
        self._held = False
        self._posted.connect(self._on_posted, Qt.QueuedConnection)

    @property
    def busy(self) -> bool:
        """A task runs (or its outcome is not delivered yet)."""
        return self._running is not None

    @property
    def waiting(self) -> bool:
        """A request waits for the running task (or for `resume`)."""
        return self._waiting is not None

    @property
    def held(self) -> bool:
        return self._held

    # ----- requests ----------------------------------------------------------------------------
    def start(self, fn: Callable, *args, key: Any = None, **kwargs) -> TaskState:
        """Run fn(*args, **kwargs) in a thread (with state=TaskState when fn takes `state`)."""
        running = self._running
        if running is not None and key is not None and running.key == key:
            running.superseded, self._waiting, self.latest = False, None, running
            return running  # the task in flight is this request: it answers it
        state = TaskState(fn, args, kwargs, key, self._post)
        self.latest = state
        if running is None and not self._held:
            self._run(state)
        else:
            if running is not None:
                running.superseded = True
            self._waiting = state  # the request that waited before is dropped
        return state

    @Slot()
    def stop(self) -> None:
        """Ask the running task to stop early (what it returns still arrives); drop the
        request that waits."""
        self._waiting = None
        if self._running is not None:
            self._running.request_stop()

    @Slot()
    def cancel(self) -> None:
        """Nothing asked for is wanted any more: the running task stops early and nothing more
        it says arrives; the request that waits is dropped."""
        self._waiting = None
        if self._running is not None:
            self._running.superseded = True
            self._running.request_stop()

    def hold(self) -> None:
        """Start nothing new until `resume` (requests wait; the latest is kept)."""
        self._held = True

    def resume(self) -> None:
        self._held = False
        self._start_waiting()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the running task's thread and deliver its outcome now (a task that has
        not ended within `timeout_s` is left running: False)."""
        state, thread = self._running, self.thread
        if state is None:
            return True
        thread.join(timeout_s)
        if thread.is_alive():
            return False
        self._deliver(state)
        return True

    def shutdown(self, timeout_s: float | None = 30.0) -> bool:
        """Stop, drop what waits, join; start nothing afterwards (`resume` undoes it)."""
        self.hold()
        self.stop()
        return self.join(timeout_s)

    # ----- the thread --------------------------------------------------------------------------
    def _run(self, state: TaskState) -> None:
        thread = threading.Thread(target=self._work, args=(state,), name=self.name, daemon=True)
        self._running, self.thread = state, thread
        thread.start()

    def _work(self, state: TaskState) -> None:
        try:
            if self.prepare is not None:
                self.prepare()
            kwargs = dict(state.kwargs)
            if _takes_state(state.fn):
                kwargs["state"] = state
            outcome = ("finished", state.fn(*state.args, **kwargs))
        except Exception as err:  # noqa: BLE001 - a bug in a task must not take the app down
            outcome = ("failed", failure_of(err, self.what))
        state.outcome = outcome
        self._post(state, "outcome", None)

    def _post(self, state: TaskState, what: str, payload: Any) -> None:
        try:
            self._posted.emit(state, what, payload)
        except RuntimeError:  # the Tasks object is gone (its window closed): nobody listens
            pass

    # ----- the GUI thread ----------------------------------------------------------------------
    @Slot(object, str, object)
    def _on_posted(self, state: TaskState, what: str, payload: Any) -> None:
        if what == "outcome":
            self._deliver(state)
        elif state is self._running and not state.superseded:
            if what == "progress":
                self.progress.emit(*payload)
            else:
                self.event.emit(payload)

    def _deliver(self, state: TaskState) -> None:
        if state.delivered or state is not self._running:
            return
        state.delivered = True
        self.thread.join()  # it has posted its outcome: only returning is left
        self._running = self.thread = None
        self._start_waiting()
        if not state.superseded:
            kind, value = state.outcome
            (self.finished if kind == "finished" else self.failed).emit(value)
        if self._running is None:
            self.ended.emit()

    def _start_waiting(self) -> None:
        if self._waiting is not None and self._running is None and not self._held:
            state, self._waiting = self._waiting, None
            self._run(state)


def _takes_state(fn: Callable) -> bool:
    try:
        return "state" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return False


def shutdown_all(root: QObject, timeout_s: float = 30.0) -> bool:
    """Stop and join every Tasks object under `root` (a window that closes)."""
    joined = [tasks.shutdown(timeout_s) for tasks in root.findChildren(Tasks)]  # each, always
    return all(joined)
