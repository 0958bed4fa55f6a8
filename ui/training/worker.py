"""Training off the GUI thread: one run, as a background task (ui/tasks.py) whose function is
`TrainingWorker.run`, talking only through the worker's signals.

`QtReporter` turns the trainer's callbacks (training thread) into signals of the worker; they
are queued to the GUI-thread receivers, whose slots are decorated with @Slot. Pause blocks the
training thread on a threading.Event; Stop is polled by the trainer before every batch. These
controls are the worker's own: a task's plain stop request could not wake a paused run."""

from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QObject, Signal

from netbuilder.session import USER_ERRORS, Overrides, run_training
from netbuilder.train import Reporter

from ..errors import error_text


class QtReporter(Reporter):
    min_interval_s = 0.1  # the dashboard redraws at most ~20 times a second, often less

    def __init__(self, worker: TrainingWorker):
        self.worker = worker

    def on_start(self, info):
        self.worker.started.emit(info)

    def on_step(self, step, epoch, loss, lr):
        self.worker.step.emit(step, epoch, loss, lr)
        self.worker.snapshot_weights(step)

    def on_epoch(self, epoch, logs):
        self.worker.snapshot_weights(logs.get("step", 0))
        self.worker.epoch.emit(epoch, logs)

    def on_grad_stats(self, step, norms, histograms):
        self.worker.grad_stats.emit(step, norms, histograms)

    def on_samples(self, epoch, images):
        self.worker.samples.emit(epoch, images)

    def on_reconstructions(self, epoch, inputs, outputs):
        self.worker.reconstructions.emit(epoch, inputs, outputs)

    def should_stop(self):
        return self.worker.stop_requested.is_set()

    def wait_if_paused(self):
        if not self.worker.resume_event.is_set():
            self.worker.blocked.emit()  # the GUI can now say "paused" truthfully
            self.worker.resume_event.wait()  # set = running; cleared by pause()


class TrainingWorker(QObject):
    """One run. Create it on the GUI thread and run `run` as a task (TrainingRunner does)."""

    prepared = Signal(object)              # session.Prepared: data and model, before step 1
    started = Signal(object)               # dict: the trainer's start info
    step = Signal(int, int, float, float)  # step, epoch, mean loss, lr
    epoch = Signal(int, object)            # epoch, logs dict
    grad_stats = Signal(int, object, object)  # step, norms, histograms
    finished = Signal(object)              # TrainResult
    failed = Signal(str, str)              # message, details (a traceback for our own bugs)
    blocked = Signal()                     # the training thread is now waiting in a pause
    weights = Signal(int, object)          # step, a CPU copy of the state_dict (when wanted)
    samples = Signal(int, object)          # epoch, a generative run's samples [N, C, H, W] (CPU)
    reconstructions = Signal(int, object, object)  # epoch, validation inputs, their reconstructions

    def __init__(self, project, base_dir, out_dir=None, project_path=None,
                 overrides: Overrides | None = None, report_every: int = 10, resume_from=None):
        super().__init__()
        self.project, self.base_dir, self.out_dir = project, base_dir, out_dir
        self.resume_from = resume_from  # a run folder to continue
        self.project_path, self.overrides, self.report_every = project_path, overrides, report_every
        self.stop_requested = threading.Event()
        self.resume_event = threading.Event()
        self.resume_event.set()
        # live previews (ui/inspect): copies of the weights, taken on the training thread
        # between two steps, at most every weights_interval_s and only while a view wants them
        self.weights_wanted = threading.Event()
        self.weights_interval_s = 0.5
        self._model = None
        self._weights_at = 0.0
        self.weights_copy_s = 0.0  # training-thread time spent copying weights (the GUI bench)

    def _on_prepared(self, prepared) -> None:
        self._model = prepared.model
        self.prepared.emit(prepared)

    def snapshot_weights(self, step: int) -> None:
        """Training thread: hand a detached CPU copy of the weights to the views."""
        now = time.perf_counter()
        if (self._model is None or not self.weights_wanted.is_set()
                or now - self._weights_at < self.weights_interval_s):
            return
        self._weights_at = now
        state = {k: v.detach().to("cpu", copy=True) for k, v in self._model.state_dict().items()}
        self.weights.emit(step, state)
        self.weights_copy_s += time.perf_counter() - now

    # thread-safe controls: called from the GUI thread, read by the training thread
    def request_stop(self) -> None:
        self.stop_requested.set()
        self.resume_event.set()  # a paused run must wake up to see the stop

    def pause(self) -> None:
        self.resume_event.clear()

    def resume(self) -> None:
        self.resume_event.set()

    @property
    def paused(self) -> bool:
        return not self.resume_event.is_set()

    def run(self, *, state) -> None:
        """The task's function, in the training thread (see TrainingRunner.start)."""
        state.on_stop(self.request_stop)  # closing the window stops a paused run too
        try:
            result = run_training(self.project, self.base_dir, overrides=self.overrides,
                                  out_dir=self.out_dir, project_path=self.project_path,
                                  reporter=QtReporter(self), report_every=self.report_every,
                                  resume_from=self.resume_from, on_prepared=self._on_prepared)
        except USER_ERRORS as err:
            self.failed.emit(error_text(err), "")
        except MemoryError:
            self.failed.emit("Out of memory: lower the batch size or the model's size.", "")
        except Exception as err:  # noqa: BLE001 - a bug must not take the app down
            self.failed.emit(f"Training failed unexpectedly: {type(err).__name__}: {err}",
                             traceback.format_exc())
        else:
            self.finished.emit(result)
