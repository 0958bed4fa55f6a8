"""Sticky axis ranges for the live plots.

Measured (bench/bench_training_gui.py, /tmp profiling of a dashboard frame): with
pyqtgraph's auto-range every new point moves every axis, and each moved axis regenerates
its tick labels (text layout, the bulk of a ~20 ms frame). Here a range changes only when
the data leaves it or shrinks to a small part of it, and then to "nice" bounds with
headroom, so an axis changes a few times per run and otherwise repaints from its cache."""

from __future__ import annotations

import math

NICE = (1.0, 2.0, 2.5, 5.0, 10.0)
KEEP_SHARE = 0.35  # keep a range while the data spans at least this share of it


def nice_ceil(x: float) -> float:
    """Smallest 1/2/2.5/5 x 10^k >= x (x > 0)."""
    if x <= 0:
        return 0.0
    base = 10.0 ** math.floor(math.log10(x))
    for m in NICE:
        if m * base >= x * (1 - 1e-12):
            return m * base
    return 10.0 * base


def _finite(values) -> list[float]:
    return [float(v) for v in values
            if isinstance(v, (int, float)) and math.isfinite(v)]


def sticky(current: tuple[float, float] | None, lo: float, hi: float, *, floor: float | None
           = None, pad: float = 0.08, shrink: bool = True) -> tuple[float, float] | None:
    """A new (lo, hi) view range for data spanning [lo, hi], or None to keep `current`.

    shrink=False (a range kept from the last run, while the new run has only its first
    points): kept while it holds the data and the data is of its size (reaches KEEP_SHARE of
    its largest magnitude), instead of narrowing to the first point and widening again as
    the run goes on: each change re-renders the axis (~3 ms of GIL)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if current is not None:
        c_lo, c_hi = current
        span = c_hi - c_lo
        inside = c_lo <= lo and hi <= c_hi
        if inside and (hi - lo) >= KEEP_SHARE * span:
            return None
        if inside and not shrink and max(abs(lo), abs(hi)) >= KEEP_SHARE * max(abs(c_lo), abs(c_hi)):
            return None
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.2 or 1.0
    step = nice_ceil(span * (1 + 2 * pad) / 5)
    new_lo = math.floor((lo - span * pad) / step) * step
    new_hi = math.ceil((hi + span * pad) / step) * step
    if floor is not None and lo >= floor:
        new_lo = max(new_lo, floor)
    if current is not None and (new_lo, new_hi) == tuple(current):
        return None
    return new_lo, new_hi


def growing(current: tuple[float, float] | None, hi: float, cap: float = 0,
            lo: float = 0.0) -> tuple[float, float] | None:
    """An x range [lo, ...] for a series that grows to the right (steps): it jumps ahead to
    a nice bound (or `cap`, the run's last step, when known) and stays until reached."""
    if not math.isfinite(hi) or hi <= lo:
        return None
    if current is not None and current[0] == lo and hi <= current[1] \
            and (hi - lo) >= KEEP_SHARE * (current[1] - lo):
        return None
    new_hi = lo + nice_ceil((hi - lo) * 1.3)
    if cap and hi <= cap:
        new_hi = min(new_hi, cap)
    if current is not None and (lo, new_hi) == tuple(current):
        return None
    return lo, new_hi


def bounds(*series) -> tuple[float, float]:
    """Finite min and max over some value lists (nan, nan when there is none)."""
    values = [v for s in series for v in _finite(s)]
    if not values:
        return math.nan, math.nan
    return min(values), max(values)
