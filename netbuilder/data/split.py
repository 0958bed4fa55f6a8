"""Shuffled train/val/test split by fractions, reproducible from a seed."""

from __future__ import annotations

import numpy as np

from .errors import DataError

DEFAULT_SPLIT = {"val": 0.2, "test": 0.0, "seed": 0}


def parse_split(spec: dict | None) -> dict:
    split = dict(DEFAULT_SPLIT)
    for key, value in (spec or {}).items():
        if key not in DEFAULT_SPLIT:
            raise DataError(f'data.split has an unknown field "{key}"; expected val, test, seed.')
        split[key] = value
    val, test = split["val"], split["test"]
    for name, frac in (("val", val), ("test", test)):
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0 <= frac < 1:
            raise DataError(f"data.split.{name} must be a fraction in [0, 1), got {frac!r}.")
    if val + test >= 1:
        raise DataError(f"data.split val + test = {val + test:g} leaves nothing to train on; "
                        "keep their sum below 1.")
    if isinstance(split["seed"], bool) or not isinstance(split["seed"], int):
        raise DataError(f"data.split.seed must be an integer, got {split['seed']!r}.")
    return split


def split_indices(n: int, split: dict, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (train, val, test) index arrays; train gets what rounding leaves."""
    n_val, n_test = round(n * split["val"]), round(n * split["test"])
    n_train = n - n_val - n_test
    if n_train < 2:  # one training sample cannot even fill a BatchNorm batch
        raise DataError(f"{what} has {n} sample(s): too few to split into train/val/test "
                        f"with val={split['val']:g}, test={split['test']:g}. Add data or "
                        "lower the fractions.")
    order = np.random.default_rng(split["seed"]).permutation(n)
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
