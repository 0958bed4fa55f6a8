"""Run tasks in worker processes (or in this one) with progress events and a shared cancel.

Workers are spawned, never forked: a forked copy of a process that runs Qt or torch threads
can deadlock. Each worker gets its share of the cores for torch, a queue to send events
(`emit`) and the cancel flag (`cancelled`), both installed once per worker process."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

_events = None  # the worker's queue, or a callable in-process
_cancel = None  # a multiprocessing or threading Event


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_workers(tasks: int) -> int:
    """One process per core but one (left to the window, or the shell), never more than tasks.
    On two cores that is 1: a spawned worker first spends seconds importing torch."""
    return max(1, min(tasks, cores() - 1))


def emit(*event) -> None:
    if callable(_events):
        _events(event)
    elif _events is not None:
        _events.put(event)


def cancelled() -> bool:
    return _cancel is not None and _cancel.is_set()


def _init_worker(events, cancel, threads: int) -> None:
    global _events, _cancel
    _events, _cancel = events, cancel
    # torch is imported by the first task, and takes its thread count from here
    os.environ["OMP_NUM_THREADS"] = str(threads)


class _Polled:
    """In this process, cancelled() asks should_stop itself, and remembers a yes."""

    def __init__(self, should_stop: Callable[[], bool]):
        self.should_stop, self.stopped = should_stop, False

    def is_set(self) -> bool:
        self.stopped = self.stopped or bool(self.should_stop())
        return self.stopped


def run_tasks(fn: Callable, args_list: list, workers: int, on_event: Callable[[tuple], None],
              should_stop: Callable[[], bool] = lambda: False) -> list:
    """fn(*args) for each args in args_list; results in order. on_event gets each emitted
    event, in the calling thread. should_stop is polled: once True, workers see cancelled()."""
    global _events, _cancel
    if workers <= 1 or len(args_list) <= 1:
        _events, _cancel = on_event, _Polled(should_stop)
        try:
            return [fn(*args) for args in args_list]
        finally:
            _events, _cancel = None, None
    ctx = mp.get_context("spawn")
    events, cancel = ctx.Queue(), ctx.Event()
    threads = max(1, cores() // workers)
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(events, cancel, threads)) as pool:
        futures = [pool.submit(fn, *args) for args in args_list]
        pending = set(futures)
        while pending:
            _drain(events, on_event)
            if should_stop():
                cancel.set()
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
    _drain(events, on_event)  # the workers have exited: their queue feeders have flushed
    return [f.result() for f in futures]


def _drain(events, on_event) -> None:
    while True:
        try:
            on_event(events.get_nowait())
        except queue_mod.Empty:
            return


def eta_seconds(done: float, total: float, elapsed: float) -> float | None:
    """Seconds left at the pace so far; None before anything is done."""
    if done <= 0 or total <= 0:
        return None
    return max(0.0, elapsed * (total - done) / done)
