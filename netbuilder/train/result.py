"""TrainResult: what a run produced, in the shape CONTRACT.md's `train --json` prints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainResult:
    status: str  # "done" | "stopped" (by the user) | "failed"
    epochs: int  # epochs completed, resumed ones included
    train_loss: float | None  # of the best epoch (the weights kept in the model)
    val_loss: float | None
    metrics: dict  # validation metrics of the best epoch, CONTRACT keys
    checkpoint: str | None  # best.safetensors when a run folder was given
    history: list[dict] = field(default_factory=list)
    stopped_early: bool = False  # early stopping ended the run
    best_epoch: int | None = None
    evaluation: dict = field(default_factory=dict)  # confusion matrix, ROC, predictions
    test_metrics: dict = field(default_factory=dict)  # when the data has a test split
    run_dir: str | None = None
    message: str = ""

    def to_json(self) -> dict:
        return {"epochs": self.epochs, "train_loss": self.train_loss,
                "val_loss": self.val_loss, "metrics": self.metrics,
                "checkpoint": self.checkpoint, "status": self.status,
                "best_epoch": self.best_epoch, "stopped_early": self.stopped_early,
                "test_metrics": self.test_metrics}
