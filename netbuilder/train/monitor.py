"""Best-epoch tracking and early stopping: the runtime's Monitor (one rule for app and export)."""

from ..runtime.monitor import Monitor

__all__ = ["Monitor"]
