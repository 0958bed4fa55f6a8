"""The model-forward path every view shares: eval mode, no gradients, batches, first output.

`forward` is what the trainer's evaluation does (`Trainer.predict`), for a model outside a run;
the drawing pad, the gallery and the decision map all predict through it."""

from __future__ import annotations

import torch

BATCH = 1024


def first_output(out):
    return out[0] if isinstance(out, (tuple, list)) else out


@torch.no_grad()
def forward(model: torch.nn.Module, x: torch.Tensor, batch: int = BATCH) -> torch.Tensor:
    """The model's (first) output for every sample of `x`, as float32 on the CPU."""
    was_training = model.training
    model.eval()
    try:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        outs = [first_output(model(x[i:i + batch].to(device))).float().cpu()
                for i in range(0, len(x), batch)]
    finally:
        model.train(was_training)
    return torch.cat(outs) if outs else torch.empty(0)


def probabilities(out: torch.Tensor, task: str, loss: str = "CrossEntropyLoss") -> torch.Tensor | None:
    """Class probabilities [N, classes] from model outputs, as the metrics read them; None for
    regression. A binary model has one output: the probability of class 1 (after a sigmoid
    unless it was trained with BCELoss, whose outputs already are probabilities)."""
    if task == "classification":
        return out.softmax(-1)
    if task == "binary":
        p = out.reshape(len(out), -1)[:, :1].float()
        p = p if loss == "BCELoss" else p.sigmoid()
        return torch.cat([1 - p, p], dim=1)
    return None
