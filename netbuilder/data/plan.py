"""The fitted preprocessing of a table, as plain JSON: fitted on the training rows only, applied
to whole columns with numpy here and to new raw rows by plan_apply.py (standard library, copied
into predict.py).

    fit_plan(frame, profiles, train_rows, spec, read_info, target) -> plan (a dict)
    encode_frame(frame, plan) -> float32 array [rows, features]
"""

from __future__ import annotations

import numpy as np

from .columns import column_block, in_threads
from .csv_read import NA_VALUES
from .errors import DataError
from .levels import Coded
from .normalize import METHODS
from .plan_apply import PAD, PLAN_FORMAT, UNKNOWN, WORD, token_ids
from .profile import MAX_LEVELS

MAX_VOCABULARY = 50  # words a text column contributes as bag-of-words inputs
TOKEN_VOCABULARY = 1000  # word ids of a token column, <pad> and <unk> included
SEQUENCE_LENGTH = 32  # word ids per sample of a token column
PLAN_FILE = "preprocessing.json"


def _fit_numbers(part: np.ndarray, method: str):
    """(fill, shift, scale) of each column of `part` [columns, training rows], a copy that is
    permuted in place: the fill is np.nanmedian's (one partition; the lower middle of an even
    count is the largest value below it), the scaling is that of the filled column."""
    n = part.shape[1]
    half = n // 2
    part.partition(half, axis=1)
    upper = part[:, half].copy()
    fill = (part[:, :half].max(axis=1) + upper) / 2 if n % 2 == 0 else upper
    absent = np.isnan(part)
    gaps = absent.any(axis=1)
    for j in np.nonzero(gaps)[0]:  # NaN sorts last: those columns on their own
        fill[j] = np.nanmedian(part[j])
    if gaps.any():
        np.copyto(part, fill[:, None], where=absent)
    if method == "standard":
        shift, scale = part.mean(axis=1), part.std(axis=1)
    elif method == "minmax":
        shift = part.min(axis=1)
        scale = part.max(axis=1) - shift
    else:
        shift, scale = np.zeros(len(part)), np.ones(len(part))
    return fill, shift, scale, gaps


def _numeric(block: np.ndarray, names: list[str], method: str, indicator: bool) -> dict[str, dict]:
    """Fill values (medians) and scaling of all numeric columns at once: `block` [columns,
    rows] holds their training rows (and is changed)."""
    if not names:
        return {}
    empty = np.isnan(block).all(axis=1)
    if empty.any():
        name = names[int(np.argmax(empty))]
        raise DataError(f'Column "{name}" has no values in the training rows.', column=name)
    fill, shift, scale, gaps = in_threads(lambda part: _fit_numbers(part, method), [block])[0]
    scale = np.where(scale > 1e-12, scale, 1.0)  # a constant column never divides by zero
    flagged = gaps & indicator
    return {name: {"name": name, "type": "numeric", "fill": float(fill[j]),
                   "shift": float(shift[j]), "scale": float(scale[j]),
                   "indicator": bool(flagged[j]),
                   "outputs": [name, f"{name}=missing"] if flagged[j] else [name]}
            for j, name in enumerate(names)}


def _take_into(part: np.ndarray, into: np.ndarray, rows: np.ndarray) -> None:
    """Writes into `into`; returns nothing, so that in_threads joins nothing (a whole copy)."""
    np.take(part, rows, axis=1, out=into, mode="clip")


def take_rows(cols: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """A copy of `rows` of each column of `cols` [columns, rows], in two threads."""
    if rows is None:
        return cols.copy()
    out = np.empty((len(cols), len(rows)))
    in_threads(lambda part, into: _take_into(part, into, rows), [(cols, out)])
    return out


def _coded(frame, name: str, coded: dict | None) -> Coded:
    """The column's level codes: those the profile made, else hashed here."""
    if coded is not None and name in coded:
        return coded[name]
    return Coded.of(frame[name])


def _categorical(name: str, kind: str, levels: Coded, rows: np.ndarray, max_levels: int,
                 indicator: bool) -> dict:
    """The levels of a categorical (or boolean) column fitted on its cells of `rows`."""
    counts = levels.counts(rows)
    if not len(counts):
        raise DataError(f'Column "{name}" has no values in the training rows.', column=name)
    fill = str(counts.index[0])  # the most frequent level
    if kind == "boolean":
        kept, other = sorted(str(v) for v in counts.index[:2]), False
        if len(kept) == 1:
            kept = kept * 2
        outputs = [f"{name}={kept[1]}"]
    else:
        top = counts.index[:max_levels]
        other = len(counts) > max_levels
        kept = sorted(str(v) for v in top)
        outputs = [f"{name}={v}" for v in kept] + ([f"{name}=other"] if other else [])
    has_missing = indicator and levels.missing(rows) > 0
    return {"name": name, "type": kind, "levels": kept, "other": other, "fill": fill,
            "numeric_levels": levels.numeric, "indicator": has_missing,
            "outputs": outputs + ([f"{name}=missing"] if has_missing else [])}


def _text(name: str, col, size: int) -> dict:
    counts: dict[str, int] = {}
    for text in col.dropna().astype(str):
        for word in set(WORD.findall(text.lower())):
            counts[word] = counts.get(word, 0) + 1
    vocabulary = sorted(sorted(counts, key=lambda w: (-counts[w], w))[:size])
    return {"name": name, "type": "text", "vocabulary": vocabulary, "indicator": False,
            "outputs": [f"{name}:{w}" for w in vocabulary]}


def _whole(spec: dict, key: str, default: int, least: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise DataError(f"data.{key} must be a whole number of at least {least}; got {value!r}.")
    return value


def _tokens(name: str, col, size: int, length: int) -> dict:
    """The word-level tokenizer of a text column, fitted on the training rows: the `size` - 2
    most frequent words get ids 2.. (0 pads, 1 is any other word)."""
    counts: dict[str, int] = {}
    for text in col.dropna().astype(str):
        for word in WORD.findall(text.lower()):
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))[:size - 2]
    return {"name": name, "type": "tokens", "vocabulary": [PAD, UNKNOWN, *words],
            "length": length, "indicator": False,
            "outputs": [f"{name}[{i}]" for i in range(length)]}


def numeric_inputs(profiles, inputs_too=()) -> list[str]:
    """The numeric columns the plan encodes, in its order."""
    return [p.name for p in profiles if (p.role == "feature" or p.name in inputs_too)
            and p.type == "numeric"]


def fit_plan(frame, profiles, train_rows: np.ndarray, spec: dict, read_info, target: dict,
             inputs_too: list[str] = (), numeric_block: np.ndarray | None = None,
             coded: dict | None = None) -> dict:
    """`inputs_too`: target columns that are inputs as well (a series' past values).
    `numeric_block`: the training rows of numeric_inputs() as [columns, rows], when the caller
    has them (a scratch copy: it is changed). `coded`: level codes of the frame's columns
    (levels.Coded, from profile_columns), reused."""
    method = spec.get("normalize", "standard")
    if method not in METHODS:
        raise DataError(f'data.normalize must be one of {", ".join(METHODS)}; got "{method}".')
    indicator = spec.get("missing_indicator", False)
    if not isinstance(indicator, bool):
        raise DataError("data.missing_indicator must be true or false.")
    max_levels = spec.get("max_levels", MAX_LEVELS)
    inputs = [p for p in profiles if p.role == "feature" or p.name in inputs_too]
    numbers = numeric_inputs(profiles, inputs_too)
    # the training rows of the numeric columns as one block, of each other column on its own
    # (no copy of the whole frame)
    block = numeric_block
    if block is None and numbers:
        block = take_rows(column_block(frame, numbers), train_rows)
    numeric = _numeric(block, numbers, method, indicator)
    features = []
    for p in inputs:
        col = frame[p.name].take(train_rows) if p.type in ("text", "tokens") else None
        if p.type == "numeric":
            f = numeric[p.name]
        elif p.type == "text":
            f = _text(p.name, col, spec.get("vocabulary", MAX_VOCABULARY))
        elif p.type == "tokens":
            f = _tokens(p.name, col, _whole(spec, "vocabulary", TOKEN_VOCABULARY, 3),
                        _whole(spec, "sequence_length", SEQUENCE_LENGTH, 1))
            p.why = (f"word ids for an Embedding: {len(f['vocabulary'])} ids (<pad> 0, <unk> 1), "
                     f"{f['length']} per row")
        else:
            f = _categorical(p.name, p.type, _coded(frame, p.name, coded), train_rows,
                             max_levels, indicator)
        p.features = len(f["outputs"])
        if p.missing and "fill" in f and spec.get("missing", "impute") == "impute":
            how = "median" if p.type == "numeric" else "most frequent value"
            fill = f"{f['fill']:.6g}" if p.type == "numeric" else f'"{f["fill"]}"'
            p.why = "; ".join(filter(None, [p.why, f"{p.missing} missing: filled with the {how} "
                                            f"({fill})" + (", with an indicator column"
                                                           if f["indicator"] else "")]))
        features.append(f)
    names = [n for f in features for n in f["outputs"]]
    return {"format": PLAN_FORMAT, "version": 1, "kind": "csv",
            "read": {**read_info.to_dict(), "na_values": list(NA_VALUES)},
            "missing": spec.get("missing", "impute"), "normalize": method,
            "columns": [p.to_dict() for p in profiles], "features": features,
            "feature_names": names, "input_shape": [len(names)], "target": target}


def encode_frame(frame, plan: dict, rows: np.ndarray | None = None,
                 numeric_block: np.ndarray | None = None, coded: dict | None = None) -> np.ndarray:
    """The model's inputs for `rows` of `frame` (all rows when None), in that order: what
    plan_apply.encode_rows gives for the same cells (checked in the tests). Each column is one
    vectorised pass; the rows are taken while encoding, not copied before.
    `numeric_block`: those rows of the plan's numeric columns as [columns, rows], when the
    caller has them (encoded in place). `coded`: level codes (levels.Coded), reused."""
    import pandas as pd

    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
    n = len(frame) if rows is None else len(rows)

    def cells_of(name):
        return frame[name] if rows is None else frame[name].take(rows)

    tokens = [f for f in plan["features"] if f["type"] == "tokens"]
    if tokens:  # the one input: int64 word ids [rows, length]
        f = tokens[0]
        lookup = {w: i for i, w in enumerate(f["vocabulary"])}
        cells = cells_of(f["name"]).astype(object).tolist()
        ids = [token_ids(t if isinstance(t, str) else "", lookup, f["length"]) for t in cells]
        return np.array(ids, dtype=np.int64).reshape(n, f["length"])
    width = len(plan["feature_names"])
    x = np.empty((n, width), dtype=np.float32)
    starts = np.cumsum([0] + [len(f["outputs"]) for f in plan["features"]])
    numeric = [(f, int(at)) for f, at in zip(plan["features"], starts) if f["type"] == "numeric"]
    if numeric:  # all numeric columns in one block, a column per row, in two threads
        where = np.array([at for _, at in numeric])
        fill, shift, scale = (np.array([f[k] for f, _ in numeric])[:, None]
                              for k in ("fill", "shift", "scale"))
        side_by_side = np.array_equal(where, np.arange(where[0], where[0] + len(where)))
        cols = column_block(frame, [f["name"] for f, _ in numeric])

        def scaled(part, fill, shift, scale, where):
            # a new array (the frame's own may be read-only), its rows in the order asked
            if numeric_block is not None:
                block = part
            else:
                block = part.copy() if rows is None else np.take(part, rows, axis=1)
            absent = np.isnan(block)
            if absent.any():
                np.copyto(block, fill, where=absent)
            block -= shift
            block /= scale
            if side_by_side:
                x[:, where[0]:where[0] + len(where)] = block.T  # no scatter
            else:
                x[:, where] = block.T

        flagged = np.array([f["indicator"] for f, _ in numeric])
        if flagged.any():  # before the block's missing cells are filled
            x[:, where[flagged] + 1] = np.isnan(take_rows(cols[flagged], rows)).T
        in_threads(scaled, [(cols if numeric_block is None else numeric_block, fill, shift, scale,
                             where)])
    for f, at in zip(plan["features"], starts):
        if f["type"] == "numeric":
            continue
        at = int(at)
        if f["type"] == "text":
            col = cells_of(f["name"])
            vocabulary = {w: i for i, w in enumerate(f["vocabulary"])}
            block = np.zeros((n, len(vocabulary)), dtype=np.float32)
            for r, text in enumerate(col.astype(object).tolist()):
                if isinstance(text, str):
                    for word in set(WORD.findall(text.lower())):
                        if word in vocabulary:
                            block[r, vocabulary[word]] = 1.0
            x[:, at:at + len(vocabulary)] = block
            continue
        cells = _coded(frame, f["name"], coded)  # -1: missing; each cell coded once, then taken
        codes = cells.codes if rows is None else cells.codes[rows]
        absent = codes < 0
        keys = cells.keys  # each distinct cell looked up once
        levels = f["levels"]
        if f["type"] == "boolean":  # missing and unseen cells read as the fill level
            one = np.where(np.isin(keys, levels), keys == levels[1], f["fill"] == levels[1])
            x[:, at] = np.append(one, f["fill"] == levels[1])[codes]
            at += 1
        else:  # its level, or -1 when unseen in training
            level = np.append(pd.Index(levels).get_indexer(keys), -1)[codes]
            level[absent] = levels.index(f["fill"]) if f["fill"] in levels else -1
            k = len(levels) + f["other"]
            if f["other"]:
                level[level < 0] = len(levels)
            x[:, at:at + k] = 0.0
            hit = np.nonzero(level >= 0)[0]
            x[hit, at + level[hit]] = 1.0
            at += k
        if f["indicator"]:
            x[:, at] = absent
    return x


def normalization_stats(plan: dict) -> dict:
    """The plan's numeric scaling in the older per-feature form (DataBundle.normalization)."""
    if plan["normalize"] == "none" or any(f["type"] == "tokens" for f in plan["features"]):
        return {"method": "none"}
    shift, scale = [], []
    for f in plan["features"]:
        for i, _ in enumerate(f["outputs"]):
            numeric = f["type"] == "numeric" and i == 0
            shift.append(f["shift"] if numeric else 0.0)
            scale.append(f["scale"] if numeric else 1.0)
    keys = ("mean", "std") if plan["normalize"] == "standard" else ("min", "range")
    return {"method": plan["normalize"], "axis": -1, keys[0]: shift, keys[1]: scale}


def save_plan(folder, bundle) -> None:
    """preprocessing.json in a run folder or export, when the data has a fitted plan."""
    import json
    from pathlib import Path

    from ..fileio import write_atomic

    if getattr(bundle, "plan", None) is not None:
        write_atomic(Path(folder) / PLAN_FILE, json.dumps(bundle.plan, indent=1, allow_nan=False))


def read_plan(path) -> dict:
    """A plan file, checked enough that a hand-edited one fails with its name, not a KeyError."""
    import json
    from pathlib import Path

    path = Path(path)
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(f"{path} cannot be read as a preprocessing plan: {err}.",
                        path=str(path)) from None
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT or not all(
            k in plan for k in ("read", "features", "target", "feature_names")):
        raise DataError(f"{path} is not a NetBuilder preprocessing plan.", path=str(path))
    return plan
