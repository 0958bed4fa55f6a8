"""Data-parallel runs from the app: what `netbuilder train --nproc-per-node N` runs (torchrun and
its workers, as netbuilder/cli_launch.py builds the command), in child processes.

The settings form offers "Processes (GPUs)" only where torch sees more than one GPU. Such a run
cannot report through a thread's signals (its ranks are other processes), so LaunchedRun follows
the run folder instead: state.json, which rank 0 rewrites after each committed epoch, brings the
run's sizes, every epoch's logs and the reported steps. Stop creates the file named by
NETBUILDER_STOP_FILE; the ranks agree to stop after the current epoch."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal, Slot
from PySide6.QtWidgets import QSpinBox

from netbuilder.cli_launch import launch_env, project_for_launch, train_command
from netbuilder.cli_train import STOP_FILE
from netbuilder.spec import save_project
from netbuilder.train import TrainResult
from netbuilder.train.checkpoint import read_json

FOLLOW_MS = 300  # how often state.json is read while the run goes on


def gpu_count() -> int:
    import torch

    return torch.cuda.device_count()


def processes_box(parent=None) -> QSpinBox | None:
    """The "Processes (GPUs)" choice: 1 to the GPU count; None with fewer than two GPUs."""
    count = gpu_count()
    if count < 2:
        return None
    box = QSpinBox(parent)
    box.setRange(1, count)
    box.setValue(1)
    box.setToolTip(f"Data-parallel: train in this many processes, one per GPU ({count} found), "
                   "under torchrun, as `netbuilder train --nproc-per-node N` does. The plots "
                   "follow each finished epoch; Stop ends the run after the current epoch.")
    return box


class LaunchedRun(QObject):
    """One `netbuilder train --nproc-per-node N` child process, followed through its run folder."""

    started = Signal(object)  # the run's info (as Trainer's on_start gives it)
    step = Signal(int, int, float, float)  # step, epoch, loss, lr
    epoch = Signal(int, object)
    finished = Signal(object)  # TrainResult
    failed = Signal(str, str)  # message, details
    done = Signal()  # the process has ended (after finished or failed)

    def __init__(self, project, base_dir, out_dir: Path, nproc: int, device: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.out_dir, self.nproc = Path(out_dir), int(nproc)
        self.tmp = Path(tempfile.mkdtemp(prefix="netbuilder-launch-"))
        self.project_file = self.tmp / "project.json"
        save_project(project_for_launch(project, base_dir), self.project_file)
        self.stop_file = self.tmp / "stop"
        self.info: dict | None = None
        self.epochs_seen = self.steps_seen = 0
        self.process = QProcess(self)
        env = QProcessEnvironment()
        for key, value in launch_env({**os.environ, STOP_FILE: str(self.stop_file)}).items():
            env.insert(key, value)
        self.process.setProcessEnvironment(env)
        self.process.finished.connect(self._ended)
        self.process.errorOccurred.connect(self._error)
        self.command = train_command(self.project_file, self.nproc, self.out_dir, device)
        self.timer = QTimer(self, interval=FOLLOW_MS)
        self.timer.timeout.connect(self.follow)
        self._over = False

    def start(self) -> None:
        self.process.start(self.command[0], self.command[1:])
        self.timer.start()

    def request_stop(self) -> None:
        self.stop_file.touch()

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop, wait for the end of the epoch; past the timeout the processes are killed."""
        self.request_stop()
        if self.process.state() != QProcess.NotRunning and not self.process.waitForFinished(timeout_ms):
            self.process.kill()
            self.process.waitForFinished(5000)
        self._ended(self.process.exitCode(), QProcess.NormalExit)
        return True

    @Slot()
    def follow(self) -> None:
        """Whatever state.json holds that was not shown yet: the start, new epochs, new steps."""
        try:
            view = read_json(self.out_dir / "state.json")
        except (OSError, ValueError):
            return  # not written yet (the data is loading), or being replaced right now
        if not isinstance(view, dict) or not isinstance(view.get("run"), dict):
            return
        if self.info is None:
            self.info = {**view["run"], "run_dir": str(self.out_dir), "notes": []}
            self.started.emit(self.info)
        history = view.get("history") or []
        for row in (view.get("steps") or [])[self.steps_seen:]:
            step, loss, lr = row
            self.step.emit(int(step), self.epochs_seen + 1, float(loss), float(lr))
        self.steps_seen = len(view.get("steps") or [])
        for logs in history[self.epochs_seen:]:
            self.epoch.emit(int(logs["epoch"]), dict(logs))
        self.epochs_seen = max(self.epochs_seen, len(history))

    @Slot(QProcess.ProcessError)
    def _error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self._ended(-1, QProcess.CrashExit)

    @Slot(int, QProcess.ExitStatus)
    def _ended(self, code: int, status=None) -> None:
        if self._over:
            return
        self._over = True
        self.timer.stop()
        self.follow()  # the last epoch and the ending
        out = bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        err = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        result = _last_json(out)
        if code == 0 and result is not None and "error" not in result:
            self.finished.emit(self._result(result))
        else:
            message = (result or {}).get("error") or _last_error(err) or (
                f"The training processes ended with exit code {code}.")
            self.failed.emit(message, err)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.done.emit()

    def _result(self, out: dict) -> TrainResult:
        try:
            history = read_json(self.out_dir / "state.json").get("history") or []
        except (OSError, ValueError, AttributeError):
            history = []
        return TrainResult(status=out.get("status", "done"), epochs=int(out.get("epochs", 0)),
                           train_loss=out.get("train_loss"), val_loss=out.get("val_loss"),
                           metrics=dict(out.get("metrics") or {}), checkpoint=out.get("checkpoint"),
                           history=history, stopped_early=bool(out.get("stopped_early")),
                           best_epoch=out.get("best_epoch"),
                           test_metrics=dict(out.get("test_metrics") or {}), run_dir=str(self.out_dir))


def _last_json(text: str) -> dict | None:
    for line in reversed(text.splitlines()):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


def _last_error(text: str) -> str:
    lines = [line.removeprefix("error: ") for line in text.splitlines() if line.startswith("error: ")]
    return lines[-1] if lines else ""
