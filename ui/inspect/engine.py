"""InspectEngine: computes the inspect views off the GUI thread, on its own copy of the model.

The training thread only hands over copies of the weights (TrainingWorker.snapshot_weights);
building the model, loading those weights and every forward pass for a view happen in the
engine's tasks (ui/tasks.py), so neither the run nor the GUI waits. Each kind of job has a
Tasks object of its own, so the latest request of a kind wins (InspectController asks for
one of a kind at a time), and the jobs take turns over the one model. They run serial torch at
the training thread's lowered priority (the GUI thread comes first).

Not lower than the training thread: the engine holds the GIL between its torch ops, and a
thread niced below the training thread can be descheduled while holding it, leaving the
training thread waiting for the GIL. (bench/bench_training_gui.py: at nice 10 the MLP's
preview epochs ran at 0.925-0.93 of the plain GUI epoch's speed; at the training thread's
niceness 0.975 and 0.83 in two runs; this 2-core machine's noise is as large as the effect.)"""

from __future__ import annotations

import json
import threading
import time
import traceback

from PySide6.QtCore import QObject, Signal

from ui.tasks import Tasks
from ui.training.threads import serial_low_priority


class _Outbox(QObject):
    """The engine's results, on the GUI thread."""

    result = Signal(str, object)  # kind, payload
    failed = Signal(str, str)  # kind, message


def _message(failure) -> str:
    err = failure.error
    message = getattr(err, "message", None) or f"{type(err).__name__}: {err}"
    if not isinstance(err, (ValueError, RuntimeError)):
        message += "\n" + "".join(traceback.format_exception(err, limit=3))
    return message


class InspectEngine:
    def __init__(self, parent: QObject | None = None):
        self.out = _Outbox(parent)
        self._tasks: dict[str, Tasks] = {}  # kind -> its Tasks (children of self.out)
        self._context_lock = threading.Lock()
        self._context: tuple | None = None  # (project, state_dict or None): the next model
        self._closed = False
        # the jobs' threads, one at a time (they share the model)
        self._turn = threading.Lock()
        self._key = None
        self._model = None
        self.cpu_s = 0.0  # CPU time this engine has spent computing (the GUI bench reads it)

    # ----- GUI thread ------------------------------------------------------------------------
    def set_model(self, project, state: dict | None, analysis=None) -> None:
        """The model the next jobs run on: `project`'s graph with `state` (None: its initial
        weights, seeded as training seeds them); `analysis`: the project's, when it has one."""
        with self._context_lock:
            self._context = (project, state, analysis)

    def submit(self, kind: str, fn, *args) -> None:
        """Run fn(model, *args) off the GUI thread; its return value comes back as
        out.result(kind, value), an exception's message as out.failed(kind, message)."""
        if self._closed:
            return
        tasks = self._tasks.get(kind)
        if tasks is None:
            tasks = self._tasks[kind] = Tasks(self.out, name=f"netbuilder-inspect-{kind}",
                                              prepare=serial_low_priority)
            tasks.finished.connect(lambda value, k=kind: self.out.result.emit(k, value))
            tasks.failed.connect(lambda failure, k=kind: self.out.failed.emit(k, _message(failure)))
        tasks.start(self._compute, fn, args)

    def shutdown(self, timeout: float = 10.0) -> None:
        self._closed = True
        for tasks in self._tasks.values():
            tasks.shutdown(timeout)

    # ----- the jobs' threads -----------------------------------------------------------------
    def _compute(self, fn, args):
        with self._turn:
            started = time.thread_time()
            try:
                with self._context_lock:
                    context, self._context = self._context, None
                if context is not None:
                    self._load(*context)
                if self._model is None:
                    raise RuntimeError("no model yet")
                return fn(self._model, *args)
            finally:
                self.cpu_s += time.thread_time() - started

    def _load(self, project, state, analysis=None) -> None:
        import torch

        from netbuilder.compiler import build_model

        key = json.dumps(project.to_dict().get("graph") or project.to_dict().get("networks"), sort_keys=True, default=str)
        if state is None:  # initial weights: seeded on a forked RNG, the run's stays untouched
            self._model = self._key = None
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                self._model = build_model(project, analysis).eval()
        elif key != self._key or self._model is None:
            # on the meta device, then the weights assigned: building draws no random numbers
            # (a running training's dropout draws from the same generator)
            self._model = None
            model = build_model(project, analysis, device="meta")
            model.load_state_dict(state, assign=True)
            self._model = model.eval()
        else:
            self._model.load_state_dict(state)
        self._key = key
