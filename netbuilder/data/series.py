"""Time series from a table: `window: N` consecutive rows (in file order) make one sample
`[N, features]`, and the target is the value `horizon` rows after the window's last row.

The split is chronological over the windows (the first windows train, the last ones are
validation and test), never shuffled before windowing; the preprocessing is fitted on the rows
the training windows cover, so no statistic of a later row reaches training.

    parse_window(spec) -> (window, horizon) or None
    window_split(n_rows, window, horizon, split, what) -> (train, val, test) window indices
    rows_covered(windows, window, horizon, n_rows) -> row indices those windows read
    make_windows(rows, window, count) -> [count, window, features]
"""

from __future__ import annotations

import numpy as np

from .errors import DataError


def _positive(spec: dict, key: str, default: int | None) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"data.{key} must be a whole number of rows, at least 1; got {value!r}.")
    return value


def parse_window(spec: dict) -> tuple[int, int] | None:
    window = _positive(spec, "window", None)
    if window is None:
        if "horizon" in spec:
            raise DataError("data.horizon needs data.window: the number of rows one sample reads.")
        return None
    return window, _positive(spec, "horizon", 1)


def window_count(n_rows: int, window: int, horizon: int, what: str) -> int:
    count = n_rows - window - horizon + 1
    if count < 3:
        raise DataError(f"{what} has {n_rows} rows: too few for windows of {window} rows with a "
                        f"target {horizon} row(s) later (that needs at least "
                        f"{window + horizon + 2} rows). Lower data.window or add rows.")
    return count


def window_split(count: int, split: dict, what: str) -> tuple[np.ndarray, ...]:
    """Chronological: the first windows train, then validation, then test."""
    n_val, n_test = round(count * split["val"]), round(count * split["test"])
    n_train = count - n_val - n_test
    if n_train < 2:
        raise DataError(f"{what} gives {count} windows: too few to split with "
                        f"val={split['val']:g}, test={split['test']:g}. Lower the fractions.")
    order = np.arange(count)
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]


def rows_covered(windows: np.ndarray, window: int, horizon: int, n_rows: int) -> np.ndarray:
    """Every row a window reads, its target row included (what the preprocessing may see)."""
    span = window + horizon
    marks = np.zeros(n_rows + 1, dtype=np.int64)
    np.add.at(marks, windows, 1)
    np.add.at(marks, np.minimum(np.asarray(windows) + span, n_rows), -1)
    return np.flatnonzero(np.cumsum(marks[:-1]) > 0)


def make_windows(rows: np.ndarray, window: int, count: int) -> np.ndarray:
    """[count, window, features] from [rows, features]: sample i reads rows i .. i+window-1."""
    view = np.lib.stride_tricks.sliding_window_view(rows, window, axis=0)  # [n, F, window]
    return np.ascontiguousarray(view[:count].transpose(0, 2, 1))


def window_targets(y: np.ndarray, window: int, horizon: int, count: int) -> np.ndarray:
    """The target of window i: row i + window + horizon - 1."""
    return y[window + horizon - 1:window + horizon - 1 + count]
