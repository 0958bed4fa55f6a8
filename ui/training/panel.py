"""TrainingPanel: Train / Continue / Pause / Resume / Stop, progress with ETA, the settings form
and the live dashboard; it also owns the Data and Evaluation tabs and the canvas's gradient flags.

Continue trains more epochs of an earlier run (this window's last one, or a run folder the user
picks) with the project's current settings: raise Epochs, then Continue."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from netbuilder.session import default_run_dir
from netbuilder.train import TrainError, TrainSettings
from netbuilder.train.checkpoint import has_finished_epoch, read_resume_state

from ..lazy import BuildOnShow
from ..plain import escape, plain
from ..settings import config_dir
from .data_panel import DataPanel, base_dir_of
from .runner import IDLE, PAUSED, PREPARING, RUNNING, STOPPING, TrainingRunner
from .settings_form import SettingsForm
from .threads import reserve_cores_for_training

FLAG_TEXT = {"vanishing": "Vanishing gradient: this layer barely learns (norm {norm:.2g}).",
             "exploding": "Exploding gradient: this layer's updates blow up (norm {norm:.2g})."}


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA —"
    seconds = round(seconds)
    if seconds >= 3600:
        return f"ETA {seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"ETA {seconds // 60}:{seconds % 60:02d}"


class TrainingPanel(QWidget):
    message_shown = Signal(str)
    continue_available = Signal(bool)  # whether "Continue Last Run" can start now
    confusion_cell_clicked = Signal(int, int)  # the Evaluation tab's: true class, predicted class

    def __init__(self, document, canvas=None, parent=None, runs_root=None):
        super().__init__(parent)
        reserve_cores_for_training()  # before the Data tab loads anything on this thread
        self.document, self.canvas = document, canvas
        self.runs_root = runs_root  # None: runs/ beside the project file
        self.runner = TrainingRunner(self)
        self.flagged: set[str] = set()
        self.last_run_dir: Path | None = None  # this window's last run folder: Continue's
        self.task: str | None = None
        self.class_names = None
        self._run_text = ""  # what the status line says while the run trains
        self._failed_at: int | None = None  # the document revision a failed run was started from

        self.train_button = QPushButton("▶  Train")
        self.train_button.setDefault(True)
        self.continue_button = QPushButton("▶▶  Continue")  # ⏩ has no glyph in common UI fonts
        self.pause_button = QPushButton("❚❚  Pause")
        self.resume_button = QPushButton("▶  Resume")
        self.stop_button = QPushButton("■  Stop")
        self.train_button.setToolTip("Train the network on the project's data (F5)")
        self.stop_button.setToolTip("Stop after the current batch; the best epoch is kept")
        self.continue_button.setToolTip("Train more epochs of the last run, with the current "
                                        "settings: raise Epochs first")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.eta = QLabel(format_eta(None))
        self.eta.setObjectName("dim")
        self.status = plain(QLabel("Ready."))
        self.status.setObjectName("dim")
        self.message = plain(QLabel())
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.hide()

        bar = QHBoxLayout()
        for b in (self.train_button, self.continue_button, self.pause_button,
                  self.resume_button, self.stop_button):
            bar.addWidget(b)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.eta)
        self.settings = SettingsForm(document)
        scroll = QScrollArea()
        scroll.setWidget(self.settings)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(250)
        scroll.setMaximumWidth(360)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # the plots (pyqtgraph) are built when the tab is first shown: they draw from the history
        self.dashboard_slot = BuildOnShow(self._build_dashboard)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.dashboard_slot)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

        self.data_panel = DataPanel(document)
        self._evaluation = None  # built when its tab is first shown (the `evaluation` property)
        self._evaluation_news: list = []  # what it is to be told then, in order

        self.train_button.clicked.connect(self.start)
        self.continue_button.clicked.connect(self.continue_last_run)
        document.loaded.connect(self._forget_last_run)
        if hasattr(document, "changed"):
            document.changed.connect(self._maybe_clear_failure)
        self.pause_button.clicked.connect(self.runner.pause)
        self.resume_button.clicked.connect(self.runner.resume)
        self.stop_button.clicked.connect(self.runner.stop)
        r = self.runner
        r.state_changed.connect(self._state_changed)
        r.prepared.connect(self._prepared)
        r.run_started.connect(self._run_started)
        r.epoch_done.connect(self._evaluation_epoch)
        r.epoch_done.connect(self._epoch_done)
        r.grads_updated.connect(self._grads_updated)
        r.run_finished.connect(self._finished)
        r.run_failed.connect(self._failed)
        self.progress_timer = QTimer(self)
        self.progress_timer.setInterval(250)
        self.progress_timer.timeout.connect(self._update_progress)
        self._state_changed(IDLE)

    # ----- the plots, built when first shown (ui/lazy.py) -----------------------------------------
    def _build_dashboard(self):
        from .dashboard import Dashboard

        dashboard = Dashboard(self.runner.history)
        dashboard.refresh(force=True)  # the run so far
        return dashboard

    @property
    def dashboard(self):
        return self.dashboard_slot.content()

    @property
    def evaluation(self):
        """The Evaluation tab's page, built on first use and told what happened before."""
        if self._evaluation is None:
            from .evaluation import EvaluationPanel

            # owned by this panel until its tab takes it: never deleted by Python's collector
            # (pyqtgraph items collected in the middle of another widget's paint crash)
            self._evaluation = EvaluationPanel(self)
            self._evaluation.hide()
            self._evaluation.cell_clicked.connect(self.confusion_cell_clicked)
            news, self._evaluation_news = self._evaluation_news, []
            for tell in news:
                tell(self._evaluation)
        return self._evaluation

    def _tell_evaluation(self, tell, clears: bool = False) -> None:
        """tell(evaluation) now, or once it is built; a `clears` news makes earlier ones moot."""
        if self._evaluation is not None:
            tell(self._evaluation)
        else:
            self._evaluation_news = [tell] if clears else self._evaluation_news + [tell]

    @Slot(int, object)
    def _evaluation_epoch(self, epoch: int, logs: dict) -> None:
        self._tell_evaluation(lambda ev: ev.on_epoch(epoch, logs))

    # ----- controls ----------------------------------------------------------------------------
    def runs_folder(self) -> Path:
        """runs_root, else runs/ beside the project file; an unsaved project has no folder of
        its own, so its runs go to the app's folder, not the cwd."""
        if self.runs_root:
            return Path(self.runs_root)
        path = getattr(self.document, "path", None)
        return Path(path).resolve().parent / "runs" if path else config_dir() / "runs"

    @Slot()
    def start(self) -> bool:
        if self.runner.busy:
            return False
        project = copy.deepcopy(self.document.project)  # edits during the run wait for the next
        path = getattr(self.document, "path", None)
        out = default_run_dir(project, path, self.runs_folder())
        self._clear_for_run()
        processes = self.settings.processes.value() if self.settings.processes is not None else 1
        if processes > 1:  # data-parallel, in child processes
            return self.runner.start_launched(project, base_dir_of(self.document), out, processes)
        return self.runner.start(project, base_dir_of(self.document), out_dir=out,
                                 project_path=path)

    def can_continue(self) -> bool:
        return (not self.runner.busy and self.last_run_dir is not None
                and has_finished_epoch(self.last_run_dir))

    @Slot()
    def continue_last_run(self) -> bool:
        return self.last_run_dir is not None and self.continue_run(self.last_run_dir)

    @Slot()
    def continue_from_folder(self) -> bool:
        """Pick a run folder (e.g. from an earlier session) and continue it."""
        start = self.last_run_dir.parent if self.last_run_dir else self.runs_folder()
        folder = QFileDialog.getExistingDirectory(self, "Continue Run from Folder", str(start))
        return bool(folder) and self.continue_run(Path(folder))

    def continue_run(self, run_dir: Path) -> bool:
        """Train `run_dir` on to the current Epochs. What can be checked without loading
        anything (a finished epoch, epochs left) is said here at once; the rest (the graph
        still fits the weights) comes from the trainer as a failed run's message."""
        if self.runner.busy:
            return False
        project = copy.deepcopy(self.document.project)
        try:
            read_resume_state(run_dir, TrainSettings.from_dict(project.training).epochs)
        except TrainError as err:
            self.show_message(err.message)
            self.status.setText("Not continued.")
            return False
        self._clear_for_run()
        return self.runner.start(project, base_dir_of(self.document),
                                 project_path=getattr(self.document, "path", None),
                                 resume_from=Path(run_dir))

    def _clear_for_run(self) -> None:
        self._clear_plots(keep_layout=True)
        self.status.setText("Loading data and building the model…")

    def _clear_plots(self, keep_layout: bool = False) -> None:
        """Every series, legend and chooser comes from the run about to be shown: the last
        run's numbers go first, so that nothing is redrawn from them. keep_layout (a new run):
        the plots keep their curves, keys and axes until the run says what it has
        (Dashboard.clear, expect)."""
        self.message.hide()
        self._failed_at, self._run_text = None, ""
        self.clear_flags()
        self.runner.history.reset()
        self._tell_evaluation(lambda ev: ev.clear(), clears=True)
        if self.dashboard_slot.is_built:
            self.dashboard.clear(keep_layout=keep_layout)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.eta.setText(format_eta(None))

    @Slot()
    def _forget_last_run(self) -> None:
        """Another project came in: this window's last run, its plots and its status belong to
        the one before (a run still going on keeps them until it ends)."""
        self.last_run_dir = None
        self._update_continue()
        if not self.runner.busy:
            self._clear_plots()
            self._tell_evaluation(lambda ev: ev.idle())
            self.status.setText("Ready.")

    def _update_continue(self) -> None:
        available = self.can_continue()
        self.continue_button.setEnabled(available)
        self.continue_available.emit(available)

    def shutdown(self) -> bool:
        """Stop any run and wait for its thread; call before the window closes."""
        self.progress_timer.stop()
        if self.dashboard_slot.is_built:
            self.dashboard.timer.stop()
        self.data_panel.shutdown()  # joins the Data tab's loader thread
        return self.runner.shutdown()

    def show_message(self, text: str, details: str = "") -> None:
        self.message.setText(text)
        self.message.setToolTip(escape(details[-4000:]) if details else "")
        self.message.show()
        self.message_shown.emit(text)

    # ----- canvas flags ------------------------------------------------------------------------
    def clear_flags(self) -> None:
        if self.canvas is not None:
            for node_id in self.flagged:
                self.canvas.set_node_flag(node_id, None)
        self.flagged = set()

    def _apply_flags(self, flags: dict, norms: dict) -> None:
        if self.canvas is None:
            self.flagged = set(flags)
            return
        project = self.document.project
        for node_id in self.flagged - set(flags):
            self.canvas.set_node_flag(node_id, None)
        for node_id, kind in flags.items():
            if project.has_node(node_id):
                self.canvas.set_node_flag(node_id, FLAG_TEXT[kind].format(
                    norm=norms.get(node_id, float("nan"))))
        self.flagged = {n for n in flags if project.has_node(n)}

    # ----- runner -> widgets -------------------------------------------------------------------
    @Slot(str)
    def _state_changed(self, state: str) -> None:
        busy = state != IDLE
        self.train_button.setEnabled(not busy)
        self._update_continue()
        self.pause_button.setEnabled(state == RUNNING and self.runner.launched is None)
        self.resume_button.setEnabled(state == PAUSED)
        self.stop_button.setEnabled(state in (PREPARING, RUNNING, PAUSED))
        self.pause_button.setVisible(state != PAUSED)
        self.resume_button.setVisible(state == PAUSED)
        self.settings.setEnabled(not busy)
        if busy:
            self.progress_timer.start()
        else:
            self.progress_timer.stop()
        if state == PAUSED:
            self.status.setText("Paused: Resume continues with the next batch.")
        elif state == STOPPING:
            self.status.setText("Stopping after the current epoch (all processes together)…"
                                if self.runner.launched is not None
                                else "Stopping after the current batch…")
        elif state == RUNNING and self._run_text:
            self.status.setText(self._run_text)  # resumed: "Paused" no longer holds
        self._update_progress()

    @Slot(object)
    def _prepared(self, prepared) -> None:
        b = prepared.bundle
        self.task, self.class_names = b.task, b.class_names
        if self.dashboard_slot.is_built and prepared.model is not None:
            from netbuilder.train.gradstats import layer_params

            self.dashboard.expect(layers=list(layer_params(prepared.model)))
        self._tell_evaluation(lambda ev: ev.set_task(b.task))

    @Slot(object)
    def _run_started(self, info: dict) -> None:
        self._run_dir = Path(info["run_dir"]) if info.get("run_dir") else None
        if self.dashboard_slot.is_built and info.get("metrics") is not None:
            self.dashboard.expect(metrics=list(info["metrics"]))
        if self.runner.launched is not None:  # no Prepared from child processes: the run says
            self.task, self.class_names = info.get("task"), None
            self.evaluation.set_task(self.task)
        notes = " ".join(info.get("notes", []))
        continuing = (f"Continuing from epoch {info['start_epoch']} of {info['epochs']}. "
                      if info.get("start_epoch", 1) > 1 else "")
        self._run_text = (f"{continuing}Training on {info['device']}: {info['n_train']:,} "
                          f"samples, {info['params']:,} parameters. {notes}").strip()
        self.status.setText(self._run_text)

    @Slot(int, object)
    def _epoch_done(self, epoch: int, logs: dict) -> None:
        self._apply_flags(logs.get("grad_flags") or {}, logs.get("grad_norms") or {})
        if self.dashboard_slot.is_built and epoch >= int(self.runner.history.info.get("epochs", 0)) > 0:
            # the last epoch (its steps and gradients came before it): drawn and painted now,
            # while the trainer evaluates the best weights (torch ops, mostly without the
            # GIL), instead of after the run, which it lengthened by ~30 ms
            self.dashboard.refresh()

    @Slot()
    def _grads_updated(self) -> None:
        h = self.runner.history
        norms = {k: v[-1] for k, v in h.grad_norms.items() if v}
        self._apply_flags(h.flags, norms)

    @Slot()
    def _update_progress(self) -> None:
        h = self.runner.history
        state = self.runner.state
        if state == IDLE:
            self.eta.setText(format_eta(None) if not h.epochs else "")
            return
        epochs = h.info.get("epochs", 0)
        epoch = h.finished_epochs
        value = int(h.progress() * 1000)
        text = (f"epoch {min(epoch + 1, epochs)}/{epochs}  ·  step {h.last_step:,}/{h.total_steps:,}"
                if epochs else "")  # no run info yet (the data loads): no "epoch 0/0"
        bar = self.progress
        if value != bar.value() or text != bar.format():
            # one paint, later, in the event loop: setValue repaints at once (from this
            # Python slot, holding the GIL the training thread waits for) and setFormat again
            bar.setUpdatesEnabled(False)
            bar.setValue(value)
            bar.setFormat(text)
            bar.setUpdatesEnabled(True)
        self.eta.setText(format_eta(h.eta_seconds()))

    def _remember_run(self) -> None:
        """Continue Last Run offers this run only once it has an epoch to continue from (a run
        stopped in its first epoch is deleted, and the one before stays on offer)."""
        run_dir = getattr(self, "_run_dir", None)
        if run_dir is not None and has_finished_epoch(run_dir):
            self.last_run_dir = run_dir

    @Slot(object)
    def _finished(self, result) -> None:
        self._remember_run()
        h = self.runner.history
        if result.epochs and result.epochs < int(h.info.get("epochs", 0)):
            h.info["epochs"] = result.epochs  # stopped early: the axes fit the epochs it ran
            if self.dashboard_slot.is_built:
                self.dashboard.rescale()
        if self.dashboard_slot.is_built:
            self.dashboard.refresh()  # the news since the last tick: a redraw of all five
            # plots was ~10 ms more of the run's end, and their paint more again
        if result.status == "done":
            self.progress.setValue(1000)
        where = f" Run saved in {result.run_dir}." if result.run_dir else ""
        what = {"done": "Finished", "stopped": "Stopped"}.get(result.status, result.status)
        early = " (early stopping)" if result.stopped_early else ""
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.metrics.items())
        epochs = f"{result.epochs} epoch{'s' * (result.epochs != 1)}"
        self.status.setText(f"{what}{early} after {epochs}. {metrics}.{where}")
        self.progress.setFormat(f"{what.lower()}: {epochs}")
        self.eta.setText("")
        if result.metrics and self.task:
            task, names = self.task, self.class_names
            self._tell_evaluation(lambda ev: ev.show_result(result, task, names))

    @Slot()
    def _maybe_clear_failure(self) -> None:
        """A failed run's red banner goes once the graph was edited into a valid one: what it
        says may no longer hold (the next Train says again what still fails)."""
        doc = self.document
        if self._failed_at is None or getattr(doc, "revision", None) == self._failed_at:
            return
        analysis = getattr(doc, "analysis", None)
        if analysis is not None and not analysis.errors:
            self._failed_at = None
            self.message.hide()
            self.status.setText("The project changed since the failed run: Train to try again.")
            self.progress.setFormat("")

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        self._failed_at = getattr(self.document, "revision", None)
        self._remember_run()
        if self.dashboard_slot.is_built:
            self.dashboard.refresh(force=True)
        self.status.setText("Training failed.")
        self.progress.setFormat("failed")
        self.show_message(message, details)
