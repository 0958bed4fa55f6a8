"""Numeric columns as a [columns, rows] float64 block (each column contiguous: sorts,
partitions and reductions run along memory), and per-column numpy work split over two threads
(numpy releases the GIL in them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

WORKERS = 2
SMALL = 1 << 16  # cells below which one thread does the work (no pool overhead)


def column_block(frame, names: list[str]) -> np.ndarray:
    """[columns, rows] float64, read per dtype (pandas keeps each dtype as one [columns, rows]
    block: no interleaving of mixed dtypes into rows); a view of that block when it is all."""
    kinds: dict = {}
    for j, dtype in enumerate(frame[names].dtypes):
        kinds.setdefault(dtype, []).append(j)
    if len(kinds) == 1:
        return np.ascontiguousarray(frame[names].to_numpy(np.float64).T)
    out = np.empty((len(names), len(frame)))
    for where in kinds.values():
        out[where] = frame[[names[j] for j in where]].to_numpy(np.float64).T
    return out


def by_halves(fn, *blocks) -> list:
    """fn(*parts) on the first and second half of the columns of `blocks` (arrays whose first
    axis is the column), in two threads; the results of each half, in order."""
    k = len(blocks[0])
    if k < 2 or blocks[0].size < SMALL:
        return [fn(*blocks)]
    half = (k + 1) // 2
    with ThreadPoolExecutor(WORKERS) as pool:
        parts = [pool.submit(fn, *(b[:half] for b in blocks)),
                 pool.submit(fn, *(b[half:] for b in blocks))]
        return [p.result() for p in parts]
