"""Reporter: the trainer's only way out. Every method is a no-op; GUI and CLI override them.

Calls come from the training thread. on_step and on_grad_stats are throttled by the trainer
(every `report_every` steps, and no more often than `min_interval_s`), because a callback per
step costs real time."""

from __future__ import annotations


class Reporter:
    min_interval_s = 0.0  # on_step/on_grad_stats at most this often (a GUI needs ~10 a second)

    def on_start(self, info: dict) -> None:
        """Device, sample counts, steps per epoch, parameter count, notes."""

    def on_step(self, step: int, epoch: int, loss: float, lr: float) -> None:
        """Mean training loss over the steps since the last call."""

    def on_epoch(self, epoch: int, logs: dict) -> None:
        """train_loss, val_loss, val_<metric>, lr, epoch_time, grad_norms, grad_flags..."""

    def on_grad_stats(self, step: int, norms: dict, histograms: dict) -> None:
        """Per top-level layer gradient norm, sampled histograms and the layers flagged:
        {"gradients": {layer: {"counts", "min", "max"}}, "weights": {...},
        "flags": {layer: "vanishing" | "exploding"}} (the flags the epoch's log then holds)."""

    def on_samples(self, epoch: int, images) -> None:
        """A generative run's samples from its fixed noise after each epoch: a float tensor
        [N, C, H, W] in [0, 1] for images (on the CPU)."""

    def on_reconstructions(self, epoch: int, inputs, outputs) -> None:
        """An autoencoder's first validation samples and their reconstructions after each
        epoch: float tensors [N, C, H, W] (on the CPU)."""

    def should_stop(self) -> bool:
        """Polled every batch: return True to stop after the current batch."""
        return False

    def wait_if_paused(self) -> None:
        """Polled every batch: block here while the user has paused training."""

    def on_end(self, result) -> None:
        """The TrainResult, whatever the outcome."""
