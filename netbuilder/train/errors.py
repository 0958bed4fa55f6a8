"""TrainError: a training problem explained for the user (bad setting, NaN loss...)."""

from __future__ import annotations


class TrainError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # dotted path into the project's training section, when relevant

    def __str__(self) -> str:
        return self.message
