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


def in_threads(fn, pieces: list) -> list:
    """fn(*piece) for each of `pieces` (a block, or a tuple of blocks, whose first axis is the
    column: a large one is split in halves), in two threads; per piece, the results of its
    parts concatenated (a tuple of arrays per piece), or None where fn returns nothing."""
    tasks = []  # (piece index, blocks)
    for i, piece in enumerate(pieces):
        blocks = piece if isinstance(piece, tuple) else (piece,)
        if len(blocks[0]) >= 2 and blocks[0].size >= SMALL:
            half = (len(blocks[0]) + 1) // 2
            tasks += [(i, tuple(b[:half] for b in blocks)), (i, tuple(b[half:] for b in blocks))]
        else:
            tasks.append((i, blocks))
    done = in_pool(fn, [blocks for _, blocks in tasks],
                   sum(blocks[0].size for _, blocks in tasks) >= SMALL)
    out: list = [[] for _ in pieces]
    for (i, _), result in zip(tasks, done):
        out[i].append(result)
    return [None if parts[0] is None else tuple(np.concatenate(v) for v in zip(*parts))
            for parts in out]


def in_pool(fn, calls: list[tuple], threads: bool = True) -> list:
    """fn(*args) for each of `calls`, in two threads when more than one (and `threads`); the
    results in order."""
    if len(calls) < 2 or not threads:
        return [fn(*args) for args in calls]
    with ThreadPoolExecutor(WORKERS) as pool:
        return [f.result() for f in [pool.submit(fn, *args) for args in calls]]
