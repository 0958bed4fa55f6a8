"""Training without Qt: a trainer over preloaded tensors that talks through a Reporter.

`train(model, bundle, settings, reporter=None, out_dir=None, ...)` runs it; the GUI overrides
Reporter's methods (called from the training thread) and polls nothing else."""

from .errors import TrainError
from .reporter import Reporter
from .result import TrainResult
from .settings import TrainSettings
from .trainer import Trainer, seed_everything, train

__all__ = ["Reporter", "TrainError", "TrainResult", "TrainSettings", "Trainer",
           "seed_everything", "train"]
