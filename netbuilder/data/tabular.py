"""CSV/TSV tables: read (csv_read), profile every column (profile), drop or refuse rows with
missing values, split, fit the preprocessing plan on the training rows (plan) and encode.

    read_table(path, spec, loss_task, split) -> Table
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .csv_read import column_list, looks_like_table, read_frame
from .errors import DataError
from .columns import column_block
from .plan import encode_frame, fit_plan, numeric_inputs, take_rows
from .profile import has_decimals, infer_task, names_list, profile_columns
from .series import make_windows, parse_window, rows_covered, window_count, window_split, window_targets
from .split import split_indices

MISSING = ("impute", "drop", "error")
SCALE_TARGET = True  # data.scale_target when not set: a numeric regression target is standardised
PREVIEW_ROWS = 50


@dataclass
class Table:
    x: np.ndarray  # [N, F] float32, already normalized by the plan ([N, window, F] for series)
    y: np.ndarray  # [N] or [N, k], float, int or str
    train: np.ndarray  # sample indices of x (windows for a series; a table's x holds its rows
    # in split order, so that these are consecutive)
    val: np.ndarray
    test: np.ndarray
    task: str
    plan: dict
    missing: dict  # counts shown before training
    preview: dict  # {"columns", "rows"}: the first training rows as the file spells them
    rows: int = 0  # the file's rows kept (a series makes fewer windows of them)


def _rows_text(rows: list[int]) -> str:
    return ", ".join(str(r) for r in rows)


def _check_numeric(frame, profiles, path: Path) -> None:
    """Text in a column that is otherwise numbers: refuse, naming the column and rows."""
    import pandas as pd

    kinds = dict(zip(frame.columns, (d.kind for d in frame.dtypes)))  # no per-column lookups
    for p in profiles:
        if p.role == "ignored" or p.type != "numeric" or kinds[p.name] in "iuf":
            continue
        col = frame[p.name]
        parsed = pd.to_numeric(col, errors="coerce")
        bad = parsed.isna() & col.notna()
        rows = [int(i) + 2 for i in col.index[bad.to_numpy()][:5]]
        if rows:
            first = col.iloc[rows[0] - 2]
            raise DataError(f'{path.name} row {rows[0]}, column "{p.name}": "{first}" is not a '
                            f"number (rows {_rows_text(rows)}). The column is numeric (most of "
                            "its values are numbers); fix those cells, or mark the column "
                            "categorical.", path=str(path), row=rows[0], column=p.name)
        frame[p.name] = parsed


def _task(frame, targets: list[str], loss_task: str | None, path: Path) -> str:
    col = frame[targets[0]]
    text = [n for n in targets if frame[n].dtype.kind not in "iuf"]
    if len(targets) > 1 and text:
        raise DataError(f'Target columns {", ".join(targets)} of {path.name}: several targets '
                        f'must all be numbers (values, or 0/1 labels), but "{text[0]}" holds '
                        "text. Name one target column to classify text labels.",
                        path=str(path), column=text[0])
    if loss_task is None:
        return infer_task(col) if len(targets) == 1 else "regression"
    if loss_task == "classification" and len(targets) == 1 and has_decimals(col):
        example = col.dropna()[np.mod(col.dropna(), 1) != 0].iloc[0]
        raise DataError(f'Target column "{targets[0]}" of {path.name} holds decimals (e.g. '
                        f"{example:g}; {col.nunique()} distinct values): CrossEntropyLoss would "
                        "treat each value as a class. Use a regression loss (MSELoss) for it.",
                        path=str(path), column=targets[0], suggest={"loss": "MSELoss"})
    if loss_task == "regression":
        for name in targets:
            if frame[name].dtype.kind not in "iuf":
                example = frame[name].dropna().iloc[0] if frame[name].notna().any() else ""
                raise DataError(f'Target column "{name}" of {path.name} holds text (e.g. '
                                f'"{example}"), but the loss is a regression loss. Use '
                                "CrossEntropyLoss to classify it.", path=str(path), column=name,
                                suggest={"loss": "CrossEntropyLoss"})
    return loss_task


def _missing(frame, profiles, policy: str, path: Path, targets: list[str]):
    """(rows kept, counts). Rows without a target are always dropped (and counted)."""
    target_missing = frame[targets].isna().any(axis=1).to_numpy()
    per_column = {p.name: p.missing for p in profiles if p.role == "feature" and p.missing}
    feature_missing = (frame[list(per_column)].isna().any(axis=1).to_numpy() if per_column
                       else np.zeros(len(frame), bool))  # only the columns that miss cells
    counts = {"policy": policy, "cells": int(sum(per_column.values())),
              "rows": int((feature_missing & ~target_missing).sum()),
              "columns": per_column, "target_rows_dropped": int(target_missing.sum()),
              "rows_dropped": 0}
    if policy == "error" and per_column:
        name = next(iter(per_column))
        rows = [int(i) + 2 for i in np.nonzero(frame[name].isna().to_numpy())[0][:5]]
        raise DataError(f'{path.name} row {rows[0]}, column "{name}": is empty (rows '
                        f"{_rows_text(rows)}; {counts['cells']} missing cells in all). Fill them, "
                        'or set data.missing to "impute" or "drop".', path=str(path), row=rows[0],
                        column=name)
    keep = ~target_missing
    if policy == "drop":
        counts["rows_dropped"] = int((feature_missing & keep).sum())
        keep &= ~feature_missing
    return np.nonzero(keep)[0], counts


def _target_info(frame, targets: list[str], task: str) -> dict:
    info = {"names": targets, "task": task}
    if task != "regression":
        info["numeric_labels"] = frame[targets[0]].dtype.kind in "iuf"
    return info


def read_table(path: Path, spec: dict, loss_task: str | None, split: dict,
               choose_indices=None) -> Table:
    """`choose_indices(n)` -> (train, val, test) replaces the split (cross-validation folds)."""
    frame, read_info = read_frame(path, spec)
    if "target" not in spec:
        listed = f" (columns: {column_list(frame)})" if looks_like_table(frame) else ""
        raise DataError(f"data.target is missing: name the column of {path.name} to predict"
                        f"{listed}.", path=str(path))
    targets = names_list(spec["target"], "target")
    if not targets:
        raise DataError("data.target must name a column.")
    for name in targets + names_list(spec.get("features"), "features"):
        if name not in frame.columns:
            role = "Target" if name in targets else "Feature"
            listed = (f" Available columns: {column_list(frame)}." if looks_like_table(frame)
                      else f" {path.name} does not look like a table (one column only).")
            raise DataError(f'{role} column "{name}" does not exist in {path.name}.{listed}',
                            path=str(path), column=name)
    policy = spec.get("missing", "impute")
    if policy not in MISSING:
        raise DataError(f'data.missing must be one of {", ".join(MISSING)}; got {policy!r}.')
    windowing = parse_window(spec)
    try:
        coded: dict = {}  # level codes of the text columns, hashed once for all steps
        profiles = profile_columns(frame, spec, targets, coded)
    except DataError as err:
        err.path = str(path)
        raise
    # a series reads the target's past values too, unless explicit features leave it out
    listed = names_list(spec.get("features"), "features")
    inputs_too = [n for n in targets if not listed or n in listed] if windowing else []
    for p in profiles:
        if p.name in inputs_too:
            p.why = "the column to predict; its past values in the window are inputs too"
    _token_input(profiles, path)
    if not inputs_too and not any(p.role == "feature" for p in profiles):
        raise DataError(f"{path.name} has no feature columns besides the target (the others are "
                        "ignored: " + "; ".join(f"{p.name}: {p.why}" for p in profiles
                                                if p.role == "ignored")[:400] + "). For a "
                        "time series, set a window (data.window): the target's past values "
                        "become the inputs.", path=str(path))
    _check_numeric(frame, profiles, path)
    task = _task(frame, targets, loss_task, path)
    keep, missing = _missing(frame, profiles, policy, path, targets)
    if len(keep) < len(frame):
        frame = frame.iloc[keep].reset_index(drop=True)
        coded = {name: levels.take(keep) for name, levels in coded.items()}
    samples = len(frame) if not windowing else window_count(len(frame), *windowing, path.name)
    if choose_indices is not None:
        train, val, test = (np.asarray(i, dtype=np.int64) for i in choose_indices(samples))
    elif windowing:
        train, val, test = window_split(samples, split, path.name)
    else:
        train, val, test = split_indices(samples, split, path.name)
    fit_rows = train if not windowing else rows_covered(train, *windowing, len(frame))
    y = frame[targets[0]].to_numpy() if len(targets) == 1 else frame[targets].to_numpy()
    if task == "regression":
        y = y.astype(np.float64)
    target_info = _target_info(frame, targets, task)
    if windowing:
        plan = fit_plan(frame, profiles, fit_rows, spec, read_info, target_info, inputs_too,
                        coded=coded)
        x, y = _windowed(encode_frame(frame, plan, coded=coded), y, plan, windowing, samples,
                         train, task == "regression" and scales_target(spec))
    else:  # rows encoded in split order: each split is a slice of x, not another copy
        order = np.concatenate([train, val, test])
        # the numeric inputs gathered once in that order: the fit reads (a copy of) the first
        # len(train) of them, the encoding scales them in place
        numbers = numeric_inputs(profiles)
        ordered = take_rows(column_block(frame, numbers), order) if numbers else None
        plan = fit_plan(frame, profiles, fit_rows, spec, read_info, target_info, inputs_too,
                        None if ordered is None else ordered[:, :len(train)].copy(), coded)
        x, y = encode_frame(frame, plan, order, ordered, coded), np.take(y, order, axis=0)
        train, val, test = np.split(np.arange(len(order)), np.cumsum([len(train), len(val)]))
        if task == "regression" and scales_target(spec):
            y = scale_target(y, train, plan)
    shown = [p.name for p in profiles][:40]  # the preview draws a bounded number of columns
    head = frame.iloc[fit_rows[:PREVIEW_ROWS]]
    cells = zip(*(head[name].tolist() for name in shown))  # Python values, column by column
    preview = {"columns": shown,
               "rows": [["" if v is None or (isinstance(v, float) and np.isnan(v)) else _cell(v) for v in r]
                        for r in cells]}
    return Table(x, y, train, val, test, task, plan, missing, preview, len(frame))


def _token_input(profiles, path: Path) -> None:
    """Word ids are the one input (an int64 tensor for an Embedding): the other feature columns
    are ignored, and said so."""
    tokens = [p.name for p in profiles if p.type == "tokens" and p.role == "feature"]
    if len(tokens) > 1:
        raise DataError(f"{path.name}: only one column can be read as tokens (word ids); "
                        f"{', '.join(tokens)} are. Read the others as text (bag of words) or "
                        "ignore them.", path=str(path), column=tokens[1])
    for p in profiles:
        if tokens and p.role == "feature" and p.name != tokens[0]:
            p.role, p.why = "ignored", f'the word ids of "{tokens[0]}" are the one input'


def _windowed(x, y, plan: dict, windowing: tuple[int, int], count: int, train, scaled: bool):
    """Rows -> windows and their targets; a regression target is scaled by its training
    values (its past values are inputs beside it; predictions are scaled back)."""
    window, horizon = windowing
    x, y = make_windows(x, window, count), window_targets(y, window, horizon, count)
    plan["window"] = {"window": window, "horizon": horizon}
    plan["input_shape"] = [window, len(plan["feature_names"])]
    if scaled:
        y = scale_target(y, train, plan)
    return x, y


def scales_target(spec: dict) -> bool:
    """data.scale_target, checked whatever the target: a class target is never scaled, so
    true or false is irrelevant to it, but "yes" is a mistake wherever it is written."""
    value = spec.get("scale_target", SCALE_TARGET)
    if not isinstance(value, bool):
        raise DataError(f"data.scale_target must be true or false; got {json.dumps(value)} (it "
                        "standardises a numeric regression target; a class target is never "
                        "scaled).", field="data.scale_target")
    return value


def scale_target(y: np.ndarray, train, plan: dict) -> np.ndarray:
    """A regression target standardised by its training values (a salary in the hundreds of
    thousands made losses of 1e5 and exploding gradients). The plan keeps the mean and std:
    predictions are scaled back (plan_apply.decode_outputs), and so are the metrics (the
    runtime's config "target_scale")."""
    seen = y[train].reshape(len(train), -1)
    shift, scale = seen.mean(axis=0), seen.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    plan["target"]["shift"], plan["target"]["scale"] = shift.tolist(), scale.tolist()
    return ((y.reshape(len(y), -1) - shift) / scale).reshape(y.shape)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
