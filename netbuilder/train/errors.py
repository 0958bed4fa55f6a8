"""TrainError lives with the other user errors (netbuilder/errors.py); imported from here too."""

from __future__ import annotations

from ..errors import TrainError

__all__ = ["TrainError"]
