"""What the dashboard draws: the run's numbers, as the trainer reports them.

The GUI's runner appends here (cheap) in the GUI thread; the dashboard's timer redraws only when
`version` moved, so the plots refresh at most at the timer's rate however often the trainer
reports. Gradient flags are the trainer's own (netbuilder.train.gradstats), never judged again."""

from __future__ import annotations

import time


class RunHistory:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.info: dict = {}
        self.steps: list[int] = []
        self.step_loss: list[float] = []
        self.step_lr: list[float] = []
        self.epochs: list[dict] = []
        self.grad_steps: list[int] = []
        self.grad_norms: dict[str, list[float]] = {}  # layer -> norm per grad_steps entry
        self.histograms: dict[str, dict] = {}  # latest per layer
        self.flags: dict[str, str] = {}  # layer -> "vanishing" | "exploding"
        self.last_step = 0
        self.start_step = 0  # a continued run starts after the steps of its earlier epochs
        self.started_at: float | None = None
        self.paused_for = 0.0
        self._paused_at: float | None = None
        self.version = 0

    # ----- appenders (GUI thread) ------------------------------------------------------------
    def start(self, info: dict) -> None:
        """A continued run brings its earlier epochs in info["history"] and its reported
        steps in info["steps"]: the curves (the gradient norms too, one reading per earlier
        epoch) show them from the start."""
        self.info = {k: v for k, v in info.items() if k not in ("history", "steps")}
        self.epochs = list(info.get("history") or [])
        for step, loss, lr in info.get("steps") or []:
            self.add_step(step, loss, lr)
        for logs in self.epochs:  # each epoch's log holds the gradient norms and flags at its end
            if logs.get("grad_norms"):
                self.add_grads(int(logs.get("step", 0)), logs["grad_norms"],
                               {"flags": logs.get("grad_flags") or {}})
        spe = int(info.get("steps_per_epoch", 0))
        self.start_step = int(info.get("start_step",
                                       (int(info.get("start_epoch", 1)) - 1) * spe))
        self.last_step = self.start_step
        self.started_at = time.monotonic()
        self.version += 1

    def add_step(self, step: int, loss: float, lr: float) -> None:
        self.steps.append(step)
        self.step_loss.append(loss)
        self.step_lr.append(lr)
        self.last_step = step
        self.version += 1

    def add_epoch(self, logs: dict) -> None:
        self.epochs.append(logs)
        self.last_step = max(self.last_step, logs.get("step", 0))
        self.version += 1

    def add_grads(self, step: int, norms: dict, histograms: dict) -> None:
        """One gradient reading (Reporter.on_grad_stats): norms, histograms and flags."""
        n = len(self.grad_steps)
        self.grad_steps.append(step)
        for name, norm in norms.items():
            series = self.grad_norms.setdefault(name, [float("nan")] * n)
            series.append(norm)
        for series in self.grad_norms.values():  # layers without a gradient this time
            if len(series) < n + 1:
                series.append(float("nan"))
        self.histograms = histograms
        self.flags = dict(histograms.get("flags") or {})
        self.version += 1

    def set_paused(self, paused: bool) -> None:
        now = time.monotonic()
        if paused and self._paused_at is None:
            self._paused_at = now
        elif not paused and self._paused_at is not None:
            self.paused_for += now - self._paused_at
            self._paused_at = None

    # ----- derived -----------------------------------------------------------------------------
    @property
    def total_steps(self) -> int:
        """Steps at the planned end; a continued run counts its earlier steps as they were
        (the batch size may have changed since)."""
        epochs_left = int(self.info.get("epochs", 0)) - int(self.info.get("start_epoch", 1)) + 1
        return self.start_step + int(self.info.get("steps_per_epoch", 0)) * max(0, epochs_left)

    @property
    def done_steps(self) -> int:
        """Steps trained since this start: the pace for the ETA."""
        return self.last_step - self.start_step

    @property
    def finished_epochs(self) -> int:
        return self.epochs[-1]["epoch"] if self.epochs else int(self.info.get("start_epoch", 1)) - 1

    def progress(self) -> float:
        total = self.total_steps
        return min(1.0, max(0.0, self.last_step / total)) if total else 0.0

    def eta_seconds(self) -> float | None:
        """Remaining time from the pace so far (paused time excluded)."""
        if self.started_at is None or not self.total_steps:
            return None
        done = self.done_steps
        if done <= 0:
            return None
        now = self._paused_at or time.monotonic()
        elapsed = now - self.started_at - self.paused_for
        left = self.total_steps - self.last_step
        return max(0.0, elapsed / done * left)

    def metric_names(self) -> list[str]:
        names: list[str] = []
        for logs in self.epochs:
            for key in logs:
                if key.startswith("val_") and key not in ("val_loss", "val_on_train") \
                        and key not in names:
                    names.append(key)
        return names
