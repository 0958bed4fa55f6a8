"""The task follows the loss: turn raw target values into what that loss expects."""

from __future__ import annotations

import numpy as np
import torch

from .errors import DataError

CLASSIFICATION_LOSSES = ("CrossEntropyLoss", "NLLLoss")
BINARY_LOSSES = ("BCEWithLogitsLoss", "BCELoss")
REGRESSION_LOSSES = ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss")
LOSS_FOR_TASK = {"classification": "CrossEntropyLoss", "binary": "BCEWithLogitsLoss",
                 "regression": "MSELoss"}  # the loss a task implies when none is chosen


def task_for_loss(loss: str) -> str:
    if loss in CLASSIFICATION_LOSSES:
        return "classification"
    if loss in BINARY_LOSSES:
        return "binary"
    if loss in REGRESSION_LOSSES:
        return "regression"
    known = ", ".join(CLASSIFICATION_LOSSES + BINARY_LOSSES + REGRESSION_LOSSES)
    raise DataError(f'Unknown loss "{loss}": the data cannot tell which targets it needs. '
                    f"Use one of {known}.")


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _sorted_classes(values) -> list:
    uniques = list(values)
    try:  # numeric-looking labels sort as numbers ("2" before "10")
        return sorted(uniques, key=float)
    except (TypeError, ValueError):
        return sorted(uniques, key=str)


def _classes_and_indices(y: np.ndarray) -> tuple[list, np.ndarray]:
    """The sorted classes and each value's class index: pandas.factorize hashes the values in
    one C pass (no sort of the rows, no Python object per row); only the few distinct values
    are sorted and looked up."""
    import pandas as pd

    codes, uniques = pd.factorize(y, use_na_sentinel=False)
    uniques = uniques.tolist()
    classes = _sorted_classes(uniques)
    index = {c: i for i, c in enumerate(classes)}
    return classes, np.array([index[v] for v in uniques], dtype=np.int64)[codes]


def encode(y: np.ndarray, task: str, class_names: list[str] | None, what: str,
           ) -> tuple[torch.Tensor, list[str] | None, int | None]:
    """Return (targets, class_names, num_classes) for `task`.

    `class_names` given means `y` already holds class indices (builtin sets, image folders).
    """
    if task == "regression":
        if class_names is not None:
            raise DataError(f"{what} holds class labels, but the loss is a regression loss. "
                            "Use CrossEntropyLoss (or BCEWithLogitsLoss for two classes).")
        if y.dtype.kind not in "biuf":
            raise DataError(f"{what}: a regression loss needs numeric targets.")
        y = y.astype(np.float32)
        return torch.from_numpy(y.reshape(len(y), -1) if y.ndim == 1 else y), None, None

    if y.ndim == 2 and y.shape[1] > 1:
        if task == "binary":  # several 0/1 columns: multi-label
            if not np.isin(y, (0, 1)).all():
                raise DataError(f"{what}: BCEWithLogitsLoss with several target columns needs "
                                "values 0 or 1 only.")
            return torch.from_numpy(y.astype(np.float32)), None, y.shape[1]
        y = y.argmax(axis=1)  # one-hot rows -> class index
    y = y.reshape(-1)

    if class_names is None:
        classes, y = _classes_and_indices(y)
        if task == "binary" and set(classes) <= {0, 1} and len(classes) == 2:
            classes = [0, 1]  # keep 0 as 0 whatever its type
        class_names = [_label(c) for c in classes]
    else:
        y = y.astype(np.int64)
    if len(class_names) < 2:
        raise DataError(f"{what} has only one class ({class_names[0]!r}); a classifier needs "
                        "at least two.")
    if task == "binary":
        if len(class_names) != 2:
            raise DataError(f"{what} has {len(class_names)} classes but BCEWithLogitsLoss "
                            "needs exactly two; use CrossEntropyLoss for several classes.")
        return torch.from_numpy(y.astype(np.float32).reshape(-1, 1)), class_names, 2
    return torch.from_numpy(y), class_names, len(class_names)
