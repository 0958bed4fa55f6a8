"""BackgroundTask: run one long core call (cross-validation, a search) off the GUI thread.

The same pattern as training (ui/training/worker.py): a QObject moved to a QThread, talking
through queued signals to @Slot receivers in the GUI thread; cancel is a threading.Event the
core call polls through `should_stop`. The app survives any error raised in the thread."""

from __future__ import annotations

import threading
import time
import traceback

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from netbuilder.session import USER_ERRORS, error_message

from ..training.threads import forget_dummy_thread, use_cores_in_this_thread


class _Worker(QObject):
    event = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)
    done = Signal()

    def __init__(self, fn, stop: threading.Event):
        super().__init__()
        self.fn, self.stop = fn, stop

    @Slot()
    def run(self) -> None:
        use_cores_in_this_thread()
        try:
            result = self.fn(on_event=self.event.emit, should_stop=self.stop.is_set)
        except USER_ERRORS as err:
            self.failed.emit(error_message(err), "")
        except Exception as err:  # noqa: BLE001 - a bug must not take the app down
            self.failed.emit(f"{type(err).__name__}: {err}", traceback.format_exc())
        else:
            self.finished.emit(result)
        finally:
            forget_dummy_thread()  # Optuna's warning about a cancelled trial asked for it
            self.done.emit()


class BackgroundTask(QObject):
    """One task at a time. `start(fn)`: fn(on_event=..., should_stop=...) -> result."""

    event = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)
    ended = Signal()  # the thread is gone: a new task may start

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread: QThread | None = None
        self.worker: _Worker | None = None
        self.stop_event = threading.Event()
        self.started_at = 0.0

    @property
    def busy(self) -> bool:
        return self.thread is not None

    def start(self, fn, name: str = "netbuilder-task") -> bool:
        if self.busy:
            return False
        self.stop_event = threading.Event()
        worker = _Worker(fn, self.stop_event)
        thread = QThread(self)
        thread.setObjectName(name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run, Qt.QueuedConnection)
        worker.event.connect(self._on_event)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(thread.quit, Qt.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self.thread, self.worker = thread, worker
        self.started_at = time.perf_counter()
        thread.start()
        return True

    @Slot()
    def cancel(self) -> None:
        self.stop_event.set()

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        if self.thread is None:
            return True
        self.stop_event.set()
        ended = self.thread.wait(timeout_ms)
        if ended:
            self._on_thread_finished()
        return ended

    @Slot(object)
    def _on_event(self, event) -> None:
        self.event.emit(event)

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.finished.emit(result)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self.failed.emit(message, details)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self.thread is None:
            return
        thread, worker = self.thread, self.worker
        self.thread = self.worker = None
        thread.wait()
        worker.deleteLater()
        thread.deleteLater()
        self.ended.emit()


def eta_text(done: int, total: int, eta: float | None, unit: str) -> str:
    left = "" if eta is None else (f", about {eta:.0f} s left" if eta < 120 else
                                   f", about {eta / 60:.0f} min left")
    return f"{done} of {total} {unit}{left}"
