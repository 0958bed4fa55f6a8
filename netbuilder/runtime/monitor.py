"""Best-epoch tracking and early stopping on one monitored value (val_loss by default)."""

from __future__ import annotations

import math

from .metrics import HIGHER_IS_BETTER


class Monitor:
    def __init__(self, name: str = "val_loss", patience: int | None = None,
                 min_delta: float = 0.0):
        self.name, self.patience, self.min_delta = name, patience, min_delta
        self.higher_is_better = name.removeprefix("val_") in HIGHER_IS_BETTER
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0  # epochs since the last improvement by more than min_delta
        self._ref: float | None = None  # the value improvements are measured against

    def _better(self, value: float, than: float | None, delta: float) -> bool:
        if than is None:
            return True
        return value > than + delta if self.higher_is_better else value < than - delta

    def update(self, epoch: int, logs: dict) -> bool:
        """Record an epoch; True when it is the best so far."""
        value = logs.get(self.name)
        if value is None or not math.isfinite(value):
            self.wait += 1
            return False
        if self._better(value, self._ref, self.min_delta):
            self._ref, self.wait = value, 0
        else:
            self.wait += 1
        if self._better(value, self.best, 0.0):
            self.best, self.best_epoch = value, epoch
            return True
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.wait >= self.patience

    def state(self) -> dict:
        return {"name": self.name, "best": self.best, "best_epoch": self.best_epoch,
                "wait": self.wait, "ref": self._ref}

    def load(self, state: dict) -> None:
        self.best, self.best_epoch = state.get("best"), state.get("best_epoch")
        self.wait, self._ref = state.get("wait", 0), state.get("ref")
