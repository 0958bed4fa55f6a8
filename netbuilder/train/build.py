"""Build the torch loss, optimizer, LR schedule and device named in TrainSettings."""

from __future__ import annotations

import torch

from .errors import TrainError


def make_loss(settings) -> torch.nn.Module:
    return getattr(torch.nn, settings.loss)(**settings.loss_args)


def make_optimizer(settings, params) -> torch.optim.Optimizer:
    args = dict(settings.optimizer_args)
    if settings.l2:  # l2 is plain weight decay, added to any the optimizer already has
        args["weight_decay"] = args.get("weight_decay", 0.0) + settings.l2
    return getattr(torch.optim, settings.optimizer)(params, **args)


def make_scheduler(settings, optimizer):
    if not settings.schedule:
        return None
    args = {k: v for k, v in settings.schedule.items() if k != "type"}
    kind = settings.schedule["type"]
    if kind == "CosineAnnealingLR":
        args.setdefault("T_max", settings.epochs)
    if kind == "StepLR":
        args.setdefault("step_size", max(1, settings.epochs // 3))
    if kind == "ExponentialLR":
        args.setdefault("gamma", 0.95)
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **args)


def pick_device(name: str) -> torch.device:
    has_mps = getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else
                            "mps" if has_mps else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainError("training.device is \"cuda\" but no CUDA GPU is available here; use "
                         '"auto" or "cpu".', field="device")
    if name == "mps" and not has_mps:
        raise TrainError("training.device is \"mps\" but Apple's Metal backend is not "
                         'available here; use "auto" or "cpu".', field="device")
    return torch.device(name)
