"""InspectEngine: computes the inspect views on a thread of its own, on its own copy of the model.

The training thread only hands over copies of the weights (TrainingWorker.snapshot_weights);
building the model, loading those weights and every forward pass for a view happen here, so
neither the run nor the GUI waits. Jobs are keyed by kind and only the latest of each kind is
kept: a view that asks twice a second while the engine is busy gets the newest answer,
never a queue. The thread runs serial torch at the training thread's lowered priority (the GUI
thread comes first) and ends itself after a few idle seconds.

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

IDLE_EXIT_S = 5.0


class _Outbox(QObject):
    """Signals emitted on the engine thread, queued to the GUI-thread receivers' slots."""

    result = Signal(str, object)  # kind, payload
    failed = Signal(str, str)  # kind, message


def _serial_low_priority() -> None:
    import os

    import torch

    from ui.training.threads import TRAINING_NICENESS

    torch.set_num_threads(1)  # no OpenMP team of its own beside the training thread's
    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)
        except OSError:
            pass


class InspectEngine:
    def __init__(self, parent: QObject | None = None):
        self.out = _Outbox(parent)
        self._cond = threading.Condition()
        self._jobs: dict[str, tuple] = {}
        self._context: tuple | None = None  # (project, state_dict or None): the next model
        self._thread: threading.Thread | None = None
        self._closed = False
        # engine thread only
        self._key = None
        self._model = None
        self.cpu_s = 0.0  # CPU time this engine has spent computing (the GUI bench reads it)

    # ----- GUI thread ------------------------------------------------------------------------
    def set_model(self, project, state: dict | None, analysis=None) -> None:
        """The model the next jobs run on: `project`'s graph with `state` (None: its initial
        weights, seeded as training seeds them); `analysis`: the project's, when it has one."""
        with self._cond:
            self._context = (project, state, analysis)

    def submit(self, kind: str, fn, *args) -> None:
        """Run fn(model, *args) on the engine thread; its return value comes back as
        out.result(kind, value), an exception's message as out.failed(kind, message)."""
        with self._cond:
            if self._closed:
                return
            self._jobs[kind] = (fn, args)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="netbuilder-inspect",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # ----- engine thread ---------------------------------------------------------------------
    def _loop(self) -> None:
        _serial_low_priority()
        while True:
            with self._cond:
                if not self._jobs and not self._closed:
                    self._cond.wait(IDLE_EXIT_S)
                if self._closed or not self._jobs:
                    return  # idle (or closing): a later submit starts a fresh thread
                kind = next(iter(self._jobs))
                fn, args = self._jobs.pop(kind)
                context, self._context = self._context, None
            started = time.thread_time()
            try:
                if context is not None:
                    self._load(*context)
                if self._model is None:
                    raise RuntimeError("no model yet")
                value = fn(self._model, *args)
            except Exception as err:  # noqa: BLE001 - a view's failure must not end the app
                message = getattr(err, "message", None) or f"{type(err).__name__}: {err}"
                if not isinstance(err, (ValueError, RuntimeError)):
                    message += "\n" + traceback.format_exc(limit=3)
                self.out.failed.emit(kind, message)
            else:
                self.out.result.emit(kind, value)
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
