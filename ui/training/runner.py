"""TrainingRunner: the GUI-thread owner of one TrainingWorker at a time, run as a background
task (ui/tasks.py).

The worker's signals arrive here through queued connections (this object lives in the GUI
thread and its receivers are @Slot methods), are buffered in a RunHistory, and re-emitted as
GUI-thread signals for widgets. `shutdown()` stops and joins the thread: call it on close."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from netbuilder.app.history import RunHistory
from netbuilder.session import Overrides
from ui.tasks import Tasks

from .threads import use_cores_in_this_thread
from .worker import TrainingWorker

IDLE, PREPARING, RUNNING, PAUSED, STOPPING = "idle", "preparing", "running", "paused", "stopping"


class TrainingRunner(QObject):
    state_changed = Signal(str)
    prepared = Signal(object)        # session.Prepared
    run_started = Signal(object)     # start info dict
    epoch_done = Signal(int, object)
    grads_updated = Signal()
    run_finished = Signal(object)    # TrainResult (done or stopped)
    run_failed = Signal(str, str)    # message, details
    thread_ended = Signal()
    pause_confirmed = Signal()       # the training thread is blocked: no step runs until resume
    weights_updated = Signal(int, object)  # step, CPU state_dict copy (while weights_wanted)
    samples_updated = Signal(int, object)  # epoch, a generative run's samples from its fixed noise
    reconstructions_updated = Signal(int, object, object)  # epoch, inputs, reconstructions

    def __init__(self, parent: QObject | None = None, report_every: int = 10):
        super().__init__(parent)
        self.history = RunHistory()
        self.report_every = report_every
        self.state = IDLE
        self.tasks = Tasks(self, "Training", name="netbuilder-training",
                           prepare=use_cores_in_this_thread)
        self.tasks.failed.connect(self._on_task_failed)
        self.tasks.ended.connect(self._on_thread_finished)
        self.worker: TrainingWorker | None = None
        self.last_result = None
        self.weights_wanted = False  # live previews want copies of the weights during a run
        self.weights_interval_s = 0.5  # at most this often (previews twice a second)
        self.last_copy_s = 0.0  # the last run's training-thread time copying weights
        self.launched = None  # a data-parallel run in child processes (launch.LaunchedRun)

    def want_weights(self, wanted: bool) -> None:
        self.weights_wanted = wanted
        if self.worker is not None:
            (self.worker.weights_wanted.set if wanted else self.worker.weights_wanted.clear)()

    @property
    def thread(self):
        """The training thread, while a run in this process goes on."""
        return self.tasks.thread

    @property
    def busy(self) -> bool:
        return self.tasks.busy or self.launched is not None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.history.set_paused(state == PAUSED)
            self.state_changed.emit(state)

    # ----- controls ----------------------------------------------------------------------------
    def start(self, project, base_dir, out_dir=None, project_path=None,
              overrides: Overrides | None = None, resume_from=None) -> bool:
        """Train `project`; with `resume_from` (a run folder), continue that run instead."""
        if self.busy:
            return False
        self.history.reset()
        self.last_result = None
        worker = TrainingWorker(project, base_dir, out_dir, project_path, overrides,
                                self.report_every, resume_from)
        worker.prepared.connect(self._on_prepared)
        worker.started.connect(self._on_started)
        worker.step.connect(self._on_step)
        worker.epoch.connect(self._on_epoch)
        worker.grad_stats.connect(self._on_grads)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.blocked.connect(self._on_blocked)
        worker.weights.connect(self._on_weights)
        worker.samples.connect(self._on_samples)
        worker.reconstructions.connect(self._on_reconstructions)
        worker.weights_interval_s = self.weights_interval_s
        if self.weights_wanted:
            worker.weights_wanted.set()
        self.worker = worker
        self._set_state(PREPARING)
        self.tasks.start(worker.run)  # emitted in the training thread, the signals are queued
        return True

    def start_launched(self, project, base_dir, out_dir, processes: int) -> bool:
        """Train `project` in `processes` data-parallel processes (`netbuilder train
        --nproc-per-node N`), followed through its run folder; the same signals as `start`."""
        from .launch import LaunchedRun

        if self.busy:
            return False
        self.history.reset()
        self.last_result = None
        run = LaunchedRun(project, base_dir, out_dir, processes, parent=self)
        run.started.connect(self._on_started)
        run.step.connect(self._on_step)
        run.epoch.connect(self._on_epoch)
        run.finished.connect(self._on_finished)
        run.failed.connect(self._on_failed)
        run.done.connect(self._on_launched_ended)
        self.launched = run
        self._set_state(PREPARING)
        run.start()
        return True

    @Slot()
    def _on_launched_ended(self) -> None:
        run, self.launched = self.launched, None
        if run is not None:
            run.deleteLater()
        self._set_state(IDLE)
        self.thread_ended.emit()

    @Slot()
    def pause(self) -> None:
        if self.worker and self.state == RUNNING:
            self.worker.pause()
            self._set_state(PAUSED)

    @Slot()
    def resume(self) -> None:
        if self.worker and self.state == PAUSED:
            self.worker.resume()
            self._set_state(RUNNING)

    @Slot()
    def stop(self) -> None:
        if (self.worker or self.launched) and self.state not in (IDLE, STOPPING):
            (self.worker or self.launched).request_stop()
            self._set_state(STOPPING)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop the run and wait for its thread (window closing, app quitting)."""
        if self.launched is not None:
            return self.launched.shutdown(timeout_ms)
        if not self.tasks.busy:
            return True
        self.worker.request_stop()
        return self.tasks.join(timeout_ms / 1000)  # its end is handled before this returns

    # ----- receivers (GUI thread) --------------------------------------------------------------
    @Slot(int, object)
    def _on_samples(self, epoch: int, images) -> None:
        self.samples_updated.emit(epoch, images)

    @Slot(int, object, object)
    def _on_reconstructions(self, epoch: int, inputs, outputs) -> None:
        self.reconstructions_updated.emit(epoch, inputs, outputs)

    @Slot(object)
    def _on_prepared(self, prepared) -> None:
        self.prepared.emit(prepared)

    @Slot(object)
    def _on_started(self, info) -> None:
        self.history.start(info)
        if self.state == PREPARING:
            self._set_state(RUNNING)
        self.run_started.emit(info)

    @Slot(int, int, float, float)
    def _on_step(self, step, epoch, loss, lr) -> None:
        self.history.add_step(step, loss, lr)

    @Slot(int, object)
    def _on_epoch(self, epoch, logs) -> None:
        self.history.add_epoch(logs)
        self.epoch_done.emit(epoch, logs)

    @Slot(int, object, object)
    def _on_grads(self, step, norms, histograms) -> None:
        self.history.add_grads(step, norms, histograms)
        self.grads_updated.emit()

    @Slot(int, object)
    def _on_weights(self, step, state) -> None:
        self.weights_updated.emit(step, state)

    @Slot()
    def _on_blocked(self) -> None:
        self.pause_confirmed.emit()

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.last_result = result
        self.run_finished.emit(result)

    @Slot(str, str)
    def _on_failed(self, message, details) -> None:
        self.run_failed.emit(message, details)

    @Slot(object)
    def _on_task_failed(self, failure) -> None:  # the worker reports its own errors: a backstop
        self.run_failed.emit(failure.message, failure.details)

    @Slot()
    def _on_thread_finished(self) -> None:
        worker, self.worker = self.worker, None
        self.last_copy_s = worker.weights_copy_s
        worker.deleteLater()
        self._set_state(IDLE)
        self.thread_ended.emit()
