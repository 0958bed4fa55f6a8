"""Numeric columns as a [columns, rows] float64 block (each column contiguous: sorts,
partitions and reductions run along memory), and per-column numpy work split over two threads
(numpy releases the GIL in them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

WORKERS = 2
SMALL = 1 << 16  # cells below which one thread does the work (no pool overhead)


def dtype_groups(frame, names: list[str]) -> list[list[int]]:
    """Positions in `names` of the columns of each dtype (pandas keeps each dtype as one
    [columns, rows] block)."""
    kinds: dict = {}
    for j, dtype in enumerate(frame[names].dtypes):
        kinds.setdefault(dtype, []).append(j)
    return list(kinds.values())


def column_block(frame, names: list[str]) -> np.ndarray:
    """[columns, rows] float64, read per dtype (no interleaving of mixed dtypes into rows); a
    view of the frame's own block when the columns are all of one float64 block."""
    groups = dtype_groups(frame, names)
    if len(groups) == 1:
        return np.ascontiguousarray(frame[names].to_numpy(np.float64).T)
    out = np.empty((len(names), len(frame)))
    for where in groups:
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


def in_threads(fn, pieces: list) -> list:
    """fn(piece) for each of `pieces` (blocks whose first axis is the column: each is split in
    halves when large), in two threads; the results per piece, the halves concatenated."""
    tasks = []  # (piece index, block)
    for i, block in enumerate(pieces):
        if len(block) >= 2 and block.size >= SMALL:
            half = (len(block) + 1) // 2
            tasks += [(i, block[:half]), (i, block[half:])]
        else:
            tasks.append((i, block))
    if sum(b.size for _, b in tasks) < SMALL or len(tasks) == 1:
        done = [fn(b) for _, b in tasks]
    else:
        with ThreadPoolExecutor(WORKERS) as pool:
            done = [f.result() for f in [pool.submit(fn, b) for _, b in tasks]]
    out: list = [[] for _ in pieces]
    for (i, _), result in zip(tasks, done):
        out[i].append(result)
    return [tuple(np.concatenate(v) for v in zip(*parts)) for parts in out]
