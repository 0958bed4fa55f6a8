"""The torch loss, optimizer and LR schedule named in TrainSettings (the runtime builds them
from the same values: netbuilder/runtime/build.py holds the rules), and the device."""

from __future__ import annotations

import torch

from ..runtime import build as rb
from ..runtime.build import optimizer_args, schedule_args  # noqa: F401 (the runtime's rules)
from .errors import TrainError


def make_loss(settings) -> torch.nn.Module:
    return rb.make_loss({"type": settings.loss, **settings.loss_args})


def make_optimizer(settings, params) -> torch.optim.Optimizer:
    return rb.make_optimizer({"type": settings.optimizer, **settings.optimizer_args},
                             settings.l2, params)


def make_scheduler(settings, optimizer):
    return rb.make_scheduler(settings.schedule, settings.epochs, optimizer)


def pick_device(name: str) -> torch.device:
    has_mps = getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else
                            "mps" if has_mps else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainError("training.device is \"cuda\" but no CUDA GPU is available here; use "
                         '"auto" or "cpu".', field="training.device")
    if name == "mps" and not has_mps:
        raise TrainError("training.device is \"mps\" but Apple's Metal backend is not "
                         'available here; use "auto" or "cpu".', field="training.device")
    return torch.device(name)
