"""The loss, optimizer and learning-rate schedule a run's config names, with their defaults.

The config is plain JSON (the app writes it from the project's training section; an export
ships it as train_config.json). Each rule lives here once: the schedule defaults that follow
from the epoch count, and L2 as weight decay added to the optimizer's own."""

from __future__ import annotations

import torch

SCHEDULE_DEFAULTS = {  # values that follow from the run's epoch count, unless set
    "CosineAnnealingLR": lambda epochs: {"T_max": epochs},
    "StepLR": lambda epochs: {"step_size": max(1, epochs // 3)},
    "ExponentialLR": lambda epochs: {"gamma": 0.95},
}


def _tuples(args: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def make_loss(spec: dict) -> torch.nn.Module:
    args = _tuples(spec)
    return getattr(torch.nn, args.pop("type"))(**args)


def optimizer_args(spec: dict, l2: float) -> dict:
    """The optimizer's keyword arguments: l2 is plain weight decay, added to any it has."""
    args = {k: v for k, v in _tuples(spec).items() if k != "type"}
    if l2:
        args["weight_decay"] = args.get("weight_decay", 0.0) + l2
    return args


def make_optimizer(spec: dict, l2: float, params) -> torch.optim.Optimizer:
    return getattr(torch.optim, spec["type"])(params, **optimizer_args(spec, l2))


def schedule_args(schedule: dict | None, epochs: int) -> dict | None:
    """The schedule with the defaults that follow from the epoch count filled in."""
    if not schedule:
        return None
    args = _tuples(schedule)
    return {**SCHEDULE_DEFAULTS.get(args["type"], lambda e: {})(epochs), **args}


def make_scheduler(schedule: dict | None, epochs: int, optimizer):
    args = schedule_args(schedule, epochs)
    if args is None:
        return None
    return getattr(torch.optim.lr_scheduler, args.pop("type"))(optimizer, **args)


def is_plateau(scheduler) -> bool:
    return isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)


def step_scheduler(scheduler, val_loss: float) -> None:
    """Once per epoch, after it: ReduceLROnPlateau follows the validation loss."""
    if scheduler is None:
        return
    if is_plateau(scheduler):
        scheduler.step(val_loss)
    else:
        scheduler.step()


def l1_penalty(params) -> torch.Tensor:
    """The L1 term: the sum of absolute weights (matrices and kernels; not biases or norm
    scales), one fused kernel."""
    return torch.stack(torch._foreach_norm(params, 1)).sum()
