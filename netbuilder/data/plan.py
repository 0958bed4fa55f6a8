"""The fitted preprocessing of a table, as plain JSON: fitted on the training rows only, applied
to whole columns with numpy here and to new raw rows by plan_apply.py (standard library, copied
into predict.py).

    fit_plan(frame, profiles, train_rows, spec, read_info, target) -> plan (a dict)
    encode_frame(frame, plan) -> float32 array [rows, features]
"""

from __future__ import annotations

import numpy as np

from .csv_read import NA_VALUES
from .errors import DataError
from .normalize import METHODS
from .plan_apply import PAD, PLAN_FORMAT, UNKNOWN, WORD, level_key, token_ids
from .profile import MAX_LEVELS

MAX_VOCABULARY = 50  # words a text column contributes as bag-of-words inputs
TOKEN_VOCABULARY = 1000  # word ids of a token column, <pad> and <unk> included
SEQUENCE_LENGTH = 32  # word ids per sample of a token column
PLAN_FILE = "preprocessing.json"


def _levels(col) -> tuple:
    """Cells as level strings (numbers spelled as plan_apply.level_key spells them)."""
    if col.dtype.kind in "iufb":
        return col.map(lambda v: level_key(float(v)), na_action="ignore"), True
    return col.astype(object), False


def _numeric(train, names: list[str], method: str, indicator: bool) -> dict[str, dict]:
    """Fill values (medians) and scaling of all numeric columns at once, on the training rows."""
    if not names:
        return {}
    block = train[names].to_numpy(np.float64)
    absent = np.isnan(block)
    empty = absent.all(axis=0)
    if empty.any():
        name = names[int(np.argmax(empty))]
        raise DataError(f'Column "{name}" has no values in the training rows.', column=name)
    fill = np.nanmedian(block, axis=0) if absent.any() else np.median(block, axis=0)
    filled = np.where(absent, fill, block)
    if method == "standard":
        shift, scale = filled.mean(axis=0), filled.std(axis=0)
    elif method == "minmax":
        shift, scale = filled.min(axis=0), filled.max(axis=0) - filled.min(axis=0)
    else:
        shift, scale = np.zeros(len(names)), np.ones(len(names))
    scale = np.where(scale > 1e-12, scale, 1.0)  # a constant column never divides by zero
    flagged = absent.any(axis=0) & indicator
    return {name: {"name": name, "type": "numeric", "fill": float(fill[j]),
                   "shift": float(shift[j]), "scale": float(scale[j]),
                   "indicator": bool(flagged[j]),
                   "outputs": [name, f"{name}=missing"] if flagged[j] else [name]}
            for j, name in enumerate(names)}


def _categorical(name: str, kind: str, col, max_levels: int, indicator: bool) -> dict:
    cells, numeric_levels = _levels(col)
    counts = cells.value_counts(dropna=True)
    if not len(counts):
        raise DataError(f'Column "{name}" has no values in the training rows.', column=name)
    fill = str(counts.index[0])  # the most frequent level
    if kind == "boolean":
        levels, other = sorted(str(v) for v in counts.index[:2]), False
        if len(levels) == 1:
            levels = levels * 2
        outputs = [f"{name}={levels[1]}"]
    else:
        top = counts.index[:max_levels]
        other = len(counts) > max_levels
        levels = sorted(str(v) for v in top)
        outputs = [f"{name}={v}" for v in levels] + ([f"{name}=other"] if other else [])
    has_missing = indicator and bool(cells.isna().any())
    return {"name": name, "type": kind, "levels": levels, "other": other, "fill": fill,
            "numeric_levels": numeric_levels, "indicator": has_missing,
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


def fit_plan(frame, profiles, train_rows: np.ndarray, spec: dict, read_info, target: dict,
             inputs_too: list[str] = ()) -> dict:
    """`inputs_too`: target columns that are inputs as well (a series' past values)."""
    method = spec.get("normalize", "standard")
    if method not in METHODS:
        raise DataError(f'data.normalize must be one of {", ".join(METHODS)}; got "{method}".')
    indicator = spec.get("missing_indicator", False)
    if not isinstance(indicator, bool):
        raise DataError("data.missing_indicator must be true or false.")
    max_levels = spec.get("max_levels", MAX_LEVELS)
    train = frame.iloc[train_rows]
    inputs = [p for p in profiles if p.role == "feature" or p.name in inputs_too]
    numeric = _numeric(train, [p.name for p in inputs if p.type == "numeric"], method, indicator)
    features = []
    for p in inputs:
        col = train[p.name] if p.type != "numeric" else None
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
            f = _categorical(p.name, p.type, col, max_levels, indicator)
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


def encode_frame(frame, plan: dict) -> np.ndarray:
    """All rows of `frame` as the model's inputs: what plan_apply.encode_rows gives for the same
    cells (checked in the tests)."""
    n = len(frame)
    tokens = [f for f in plan["features"] if f["type"] == "tokens"]
    if tokens:  # the one input: int64 word ids [rows, length]
        f = tokens[0]
        lookup = {w: i for i, w in enumerate(f["vocabulary"])}
        cells = frame[f["name"]].astype(object).tolist()
        ids = [token_ids(t if isinstance(t, str) else "", lookup, f["length"]) for t in cells]
        return np.array(ids, dtype=np.int64).reshape(n, f["length"])
    width = len(plan["feature_names"])
    x = np.empty((n, width), dtype=np.float32)
    starts = np.cumsum([0] + [len(f["outputs"]) for f in plan["features"]])
    numeric = [(f, int(at)) for f, at in zip(plan["features"], starts) if f["type"] == "numeric"]
    if numeric:  # all numeric columns in one block
        block = frame[[f["name"] for f, _ in numeric]].to_numpy(np.float64)
        absent = np.isnan(block)
        fill, shift, scale = (np.array([f[k] for f, _ in numeric]) for k in ("fill", "shift", "scale"))
        where = np.array([at for _, at in numeric])
        x[:, where] = ((np.where(absent, fill, block) - shift) / scale).astype(np.float32)
        flagged = np.array([f["indicator"] for f, _ in numeric])
        if flagged.any():
            x[:, where[flagged] + 1] = absent[:, flagged]
    for f, at in zip(plan["features"], starts):
        if f["type"] == "numeric":
            continue
        at = int(at)
        col = frame[f["name"]]
        if f["type"] == "text":
            vocabulary = {w: i for i, w in enumerate(f["vocabulary"])}
            block = np.zeros((n, len(vocabulary)), dtype=np.float32)
            for r, text in enumerate(col.astype(object).tolist()):
                if isinstance(text, str):
                    for word in set(WORD.findall(text.lower())):
                        if word in vocabulary:
                            block[r, vocabulary[word]] = 1.0
            x[:, at:at + len(vocabulary)] = block
            at += len(vocabulary)
            continue
        levels = f["levels"]
        if f["type"] == "categorical" and col.dtype.kind not in "iufb":  # text: vectorized
            k = _one_hot_text(x, at, col, f)
            at += k
            if f["indicator"]:
                x[:, at] = col.isna().to_numpy()
                at += 1
            continue
        cells, _ = _levels(col)
        absent = cells.isna().to_numpy()
        cells = cells.where(~absent, f["fill"]).astype(str)
        if f["type"] == "boolean":
            known = cells.isin(levels).to_numpy()
            cells = cells.where(known, f["fill"])
            x[:, at] = (cells == levels[1]).to_numpy()
            at += 1
        else:
            codes = np.full(n, -1, dtype=np.int64)
            lookup = {v: i for i, v in enumerate(levels)}
            mapped = cells.map(lookup)
            known = mapped.notna().to_numpy()
            codes[known] = mapped[known].to_numpy(np.int64)
            k = len(levels) + f["other"]
            if f["other"]:
                codes[~known] = len(levels)
            block = np.zeros((n, k), dtype=np.float32)
            rows = np.nonzero(codes >= 0)[0]
            block[rows, codes[rows]] = 1.0
            x[:, at:at + k] = block
            at += k
        if f["indicator"]:
            x[:, at] = absent
            at += 1
    return x


def _one_hot_text(x: np.ndarray, at: int, col, f: dict) -> int:
    """A text column's levels one-hot into x[:, at:]: missing cells as the fill level, unseen
    ones as "other" (or no level). The same cells as the general path, in pandas' own code
    instead of a Python call per cell. Returns the columns written."""
    import pandas as pd

    levels = f["levels"]
    codes = pd.Index(levels).get_indexer(col).astype(np.int64)  # -1: absent or unseen
    codes[col.isna().to_numpy()] = levels.index(f["fill"]) if f["fill"] in levels else -1
    k = len(levels) + f["other"]
    if f["other"]:
        codes[codes < 0] = len(levels)
    rows = np.nonzero(codes >= 0)[0]
    x[:, at:at + k] = 0.0
    x[rows, at + codes[rows]] = 1.0
    return k


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
