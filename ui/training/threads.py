"""Give the CPU cores to the training thread, not the GUI thread.

Measured (bench/bench_training_gui.py, 2 cores): once the GUI thread has run one parallel
torch op, libgomp keeps an OpenMP team for it; the training thread then gets a second team,
more OpenMP threads than cores, and libgomp throttles its spin-waiting: epochs ran 2-3x
slower than the same loop on the main thread. Keeping the GUI thread serial from the start
avoids the second team; the worker then asks for all the cores again."""

from __future__ import annotations

import torch

_training_threads: int | None = None


def reserve_cores_for_training() -> None:
    """Call on the GUI thread, as early as possible (before it runs torch ops on big data)."""
    global _training_threads
    if _training_threads is None:
        _training_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        torch.get_num_threads()  # settles this thread's lazy init at 1 thread


TRAINING_NICENESS = 5


def _lower_priority() -> None:
    """Linux: per-thread nice (the OpenMP threads it starts inherit it), so that with every core
    busy the GUI thread is still scheduled at once."""
    import os
    import threading

    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), TRAINING_NICENESS)
        except OSError:
            pass  # not permitted here: run at normal priority


def use_cores_in_this_thread() -> None:
    """Call first thing in the training thread, before any torch op (a `Tasks` prepare).

    The thread also lowers its own scheduling priority: the bench measured the GUI's 5 ms
    timer late by 30-40 ms (p99) without it. It costs the training nothing while the GUI is
    idle."""
    _lower_priority()
    torch.set_num_threads(_training_threads or torch.get_num_threads())


def serial_torch() -> None:
    """A task beside the training (data loading, predicting): serial torch, since a parallel op
    would start a second OpenMP team that competes with the training thread's."""
    torch.set_num_threads(1)


def serial_low_priority() -> None:
    """The inspect views' computations: serial, and at the training thread's priority (not
    lower: see ui/inspect/engine.py)."""
    torch.set_num_threads(1)
    _lower_priority()

