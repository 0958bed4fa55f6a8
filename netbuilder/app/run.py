"""What the app knows about training runs, beside the widgets that show them.

The run last finished in this window supplies the weights an export writes."""

from __future__ import annotations

from pathlib import Path

from .events import Events


class RunState:
    def __init__(self):
        self.last_result = None  # the TrainResult of the run last finished (done or stopped)
        self.running = False
        self.events = Events("changed")

    def started(self) -> None:
        self.last_result, self.running = None, True
        self.events.changed.emit()

    def finished(self, result) -> None:
        self.last_result, self.running = result, False
        self.events.changed.emit()

    def ended(self) -> None:
        """The run's thread is over, with or without a result (a failed run has none)."""
        if self.running:
            self.running = False
            self.events.changed.emit()

    def best_weights(self) -> Path | None:
        """The best epoch's weights of the last finished run, when they are on disk."""
        result = self.last_result
        if result is None or not getattr(result, "run_dir", None):
            return None
        best = Path(result.run_dir) / "best.safetensors"
        return best if best.is_file() else None
