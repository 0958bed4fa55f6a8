"""install(window): put the training UI into the editor's main window.

Adds the "Training", "Data" and "Evaluation" bottom tabs, a Train menu (Train F5, Continue Last
Run Ctrl+F5, Continue Run from Folder…, Pause F6, Stop Shift+F5) and stops the training thread
cleanly when the window closes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from ui.tasks import shutdown_all

from .panel import TrainingPanel
from .runner import IDLE, PAUSED, PREPARING, RUNNING


class _CloseGuard(QObject):
    """Joins every background task under the window before it goes away: the training run
    first (it stops after its batch), then every other `Tasks` object (ui/tasks.py)."""

    def __init__(self, panel: TrainingPanel, parent):
        super().__init__(parent)
        self.panel = panel

    def eventFilter(self, obj, event):
        if event.type() != QEvent.Close:
            return False
        # Let the window decide first (it may ask to save and be cancelled), then join. Joining
        # first would freeze the window until a run or data load ends before the question
        # shows, and would stop the panels of a window that stays open.
        obj.closeEvent(event)
        if event.isAccepted():
            self.panel.shutdown()  # also stops the dashboard timer
            shutdown_all(obj)
        return True


def _action(window, text: str, shortcut: str | None, slot, tip: str) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def install(window) -> TrainingPanel:
    panel = TrainingPanel(window.document, canvas=getattr(window, "canvas", None), parent=window)
    window.add_bottom_tab(panel, "Training")
    window.add_bottom_tab(panel.data_panel, "Data")
    window.add_bottom_tab(lambda: panel.evaluation, "Evaluation")  # built when first shown
    runner = panel.runner
    train = _action(window, "&Train", "F5", panel.start, "Train the network on its data")
    pause = _action(window, "&Pause / Resume", "F6",
                    lambda: runner.resume() if runner.state == PAUSED else runner.pause(),
                    "Pause or resume training")
    stop = _action(window, "&Stop", "Shift+F5", runner.stop, "Stop after the current batch")
    cont = _action(window, "&Continue Last Run", "Ctrl+F5", panel.continue_last_run,
                   "Train more epochs of this window's last run with the current settings")
    cont_folder = _action(window, "Continue Run from &Folder…", None, panel.continue_from_folder,
                          "Pick a run folder from an earlier session and train it on")
    panel.continue_available.connect(cont.setEnabled)

    tabs = getattr(window, "bottom_tabs", None)

    def sync(state: str) -> None:  # GUI thread: runner lives there
        train.setEnabled(not runner.busy)
        cont.setEnabled(panel.can_continue())
        cont_folder.setEnabled(not runner.busy)
        pause.setEnabled(state in (RUNNING, PAUSED))
        stop.setEnabled(runner.busy)
        if state == PREPARING and tabs is not None:
            tabs.setCurrentWidget(panel)  # a run starts: show its plots

    runner.state_changed.connect(sync)
    run = window.document.run  # the model's run state: the export takes the last run's weights
    runner.state_changed.connect(lambda state: run.started() if state == PREPARING else
                                 run.ended() if state == IDLE else None)
    runner.run_finished.connect(run.finished)
    sync(runner.state)
    for action in (train, cont, cont_folder, pause, stop):
        window.add_menu_action("Train", action)
        window.addAction(action)  # shortcuts work with the menu closed
    toolbar = getattr(window, "toolbar", None)  # the editor has none yet; use it when it does
    if toolbar is not None and hasattr(toolbar, "addAction"):
        toolbar.addSeparator()
        toolbar.addAction(train)
        toolbar.addAction(stop)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    panel.actions_ = {"train": train, "continue": cont, "continue_folder": cont_folder,
                      "pause": pause, "stop": stop}
    window.installEventFilter(_CloseGuard(panel, window))
    return panel
