"""Ctrl-C for the long CLI tasks (cv, search): the first press asks the task to stop after its
current step, so finished folds and trials are kept; a second press interrupts as usual."""

from __future__ import annotations

import signal
from contextlib import contextmanager


@contextmanager
def stop_on_ctrl_c():
    """Yields a `should_stop()` callable that turns true after the first Ctrl-C."""
    stop = {"now": False}

    def interrupt(signum, frame):
        stop["now"] = True
        signal.signal(signal.SIGINT, previous)
    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield lambda: stop["now"]
    finally:
        signal.signal(signal.SIGINT, previous)
