"""Build the torch loss, optimizer, LR schedule and device named in TrainSettings."""

from __future__ import annotations

import torch

from .errors import TrainError


def make_loss(settings) -> torch.nn.Module:
    return getattr(torch.nn, settings.loss)(**settings.loss_args)


def optimizer_args(args: dict, l2: float) -> dict:
    """The optimizer's keyword arguments: l2 is plain weight decay, added to any it has."""
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items() if k != "type"}
    if l2:
        args["weight_decay"] = args.get("weight_decay", 0.0) + l2
    return args


def make_optimizer(settings, params) -> torch.optim.Optimizer:
    args = optimizer_args(settings.optimizer_args, settings.l2)
    return getattr(torch.optim, settings.optimizer)(params, **args)


def schedule_args(schedule: dict | None, epochs: int) -> dict | None:
    """The schedule with the defaults that follow from the epoch count filled in."""
    if not schedule:
        return None
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in schedule.items()}
    kind = args["type"]
    if kind == "CosineAnnealingLR":
        args.setdefault("T_max", epochs)
    if kind == "StepLR":
        args.setdefault("step_size", max(1, epochs // 3))
    if kind == "ExponentialLR":
        args.setdefault("gamma", 0.95)
    return args


def make_scheduler(settings, optimizer):
    args = schedule_args(settings.schedule, settings.epochs)
    if args is None:
        return None
    kind = args.pop("type")
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
