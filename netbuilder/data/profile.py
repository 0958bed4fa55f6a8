"""What the app will do with every column of a table: its type, its role and why.

    profile_columns(frame, spec, target) -> list[ColumnProfile]

Types: numeric, categorical, boolean (two values), text (free text), date. Roles: feature,
target, ignored. ID-like columns (a distinct text in nearly every row, an integer row counter,
a name like `id`/`index`/`rownames`/`Unnamed: 0`), dates, constant and empty columns are ignored
by default, each with the reason; a categorical with more levels than `max_levels` is flagged
(the plan keeps its most frequent levels and gathers the rest as "other").

Every step is one vectorised pass per column: linear in rows x columns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import DataError

TYPES = ("numeric", "categorical", "boolean", "text")
MAX_LEVELS = 20  # one-hot columns a categorical may produce before it is cut to its top levels
ID_NAMES = {"id", "index", "rownames", "row", "rowid", "row_id", "row.names", "unnamed: 0", ""}
TEXT_WORDS = 3  # mean words per cell from which a many-valued column reads as free text
CLASS_INTEGERS = 20  # an integer target with at most this many values is a class label


@dataclass
class ColumnProfile:
    name: str
    type: str  # numeric | categorical | boolean | text | date
    role: str  # feature | target | ignored
    missing: int
    distinct: int
    why: str = ""
    features: int = 0  # model inputs the column produces (set by the plan)
    flag: str = ""  # "high_cardinality" when the choices (ignore / top levels / text) apply
    summary: dict = field(default_factory=dict)  # histogram or top levels, for the Data tab
    bad_rows: list = field(default_factory=list)  # rows whose text is not a number

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("bad_rows")
        return out


def names_list(value, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"data.{what} must be a column name or a list of column names.")


def _is_row_counter(values: np.ndarray) -> bool:
    """1, 2, 3... (or 0, 1, 2...) in file order: a row number, not a measurement."""
    if len(values) < 3 or values.dtype.kind not in "iu":
        return False
    return bool(values[0] in (0, 1) and np.array_equal(np.diff(values), np.ones(len(values) - 1,
                                                                               values.dtype)))


def _summary_numeric(values: np.ndarray) -> dict:
    if not len(values):
        return {}
    counts, edges = np.histogram(values, bins=10)
    return {"histogram": counts.tolist(), "min": float(edges[0]), "max": float(edges[-1])}


def _summary_levels(counts) -> dict:
    top = counts.head(5)
    return {"top": [[str(k), int(v)] for k, v in top.items()]}


def _numeric_text(col) -> tuple[bool, list[int]]:
    """Text cells in a column that is mostly numbers: (meant as numbers?, their rows)."""
    import pandas as pd

    present = col.dropna()
    if not len(present):
        return False, []
    parsed = pd.to_numeric(present, errors="coerce")
    bad = parsed.isna()
    if bad.sum() * 10 > len(present):  # more than 1 in 10 is text: a text column
        return False, []
    return True, [int(i) + 2 for i in present.index[bad.to_numpy()][:5]]  # +2: header is row 1


def _one(col, name: str, max_levels: int) -> ColumnProfile:
    import pandas as pd

    n = len(col)
    missing = int(col.isna().sum())
    kind = col.dtype.kind
    if kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype):
        return ColumnProfile(name, "date", "ignored", missing, int(col.nunique()),
                             "a date: dates are not used as features yet")
    if kind in "iufb":
        values = col.dropna().to_numpy()
        if kind == "b":
            values = values.astype(np.int64)
        distinct = len(np.unique(values))
        profile = ColumnProfile(name, "numeric", "feature", missing, distinct,
                                summary=_summary_numeric(values.astype(np.float64)))
        if name.strip().lower() in ID_NAMES or name.startswith("Unnamed: "):
            profile.role, profile.why = "ignored", "named like a row index"
        elif not missing and _is_row_counter(values):
            profile.role, profile.why = "ignored", "counts rows (1, 2, 3, ...): an ID"
        return profile
    # text cells: numbers with a few stray words, labels, or free text
    meant_numeric, bad_rows = _numeric_text(col)
    if meant_numeric:
        return ColumnProfile(name, "numeric", "feature", missing, int(col.nunique()),
                             bad_rows=bad_rows)
    counts = col.value_counts(dropna=True)
    distinct = len(counts)
    present = n - missing
    profile = ColumnProfile(name, "categorical", "feature", missing, distinct,
                            summary=_summary_levels(counts))
    if distinct == 2:
        profile.type = "boolean"
    elif distinct > max_levels:
        words = col.dropna().astype(str).str.split().str.len().mean()
        if words >= TEXT_WORDS:
            profile.type = "text"
            profile.why = f"free text ({words:.1f} words per cell): bag of words"
        elif present >= 20 and distinct >= 0.95 * present:
            profile.role = "ignored"
            profile.why = (f"a distinct value in nearly every row ({distinct} of {present}): "
                           "an ID or a name")
        else:
            profile.flag = "high_cardinality"
            profile.why = (f"{distinct} levels: the {max_levels} most frequent are kept, the rest "
                           "read as 'other' (or ignore it, or treat it as text)")
    if profile.role == "feature" and (name.strip().lower() in ID_NAMES
                                      or name.startswith("Unnamed: ")):
        profile.role, profile.why = "ignored", "named like a row index"
    return profile


def profile_columns(frame, spec: dict, targets: list[str]) -> list[ColumnProfile]:
    """One profile per column, with the roles the spec asks for (`features`, `ignore`,
    `types`) over the defaults."""
    max_levels = spec.get("max_levels", MAX_LEVELS)
    if isinstance(max_levels, bool) or not isinstance(max_levels, int) or max_levels < 1:
        raise DataError(f"data.max_levels must be a positive integer, got {max_levels!r}.")
    features = names_list(spec.get("features"), "features")
    ignore = set(names_list(spec.get("ignore"), "ignore"))
    types = spec.get("types") or {}
    if not isinstance(types, dict) or any(t not in TYPES for t in types.values()):
        raise DataError(f"data.types maps column names to one of {', '.join(TYPES)}.")
    columns = set(frame.columns)
    for name in [*features, *ignore, *types]:
        if name not in columns:
            raise DataError(f'Column "{name}" named in the data section does not exist in the '
                            "file.", column=name)
    out = []
    for name in frame.columns:
        p = _one(frame[name], name, max_levels)
        if name in types and types[name] != p.type:
            p.type, p.why, p.flag = types[name], f"set to {types[name]} in the project", ""
            if p.role == "ignored":
                p.role = "feature"
        if name in targets:
            p.role, p.why = "target", "the column to predict"
        elif name in ignore:
            p.role, p.why = "ignored", "ignored in the project"
        elif features:
            if name not in features:
                p.role, p.why = "ignored", "not among the project's features"
            elif p.role == "ignored" and p.type != "date":
                p.role, p.why = "feature", "chosen in the project"
        elif p.role == "feature" and p.missing == len(frame):
            p.role, p.why = "ignored", "every value is missing"
        elif p.role == "feature" and p.distinct == 1 and not p.missing:
            p.role, p.why = "ignored", "one value in every row"
        out.append(p)
    return out


def infer_task(col) -> str:
    """The task a target column implies when no loss is chosen: decimals -> regression;
    text, two values or few integers -> classification."""
    values = col.dropna()
    if col.dtype.kind in "iuf":
        if not len(values):
            return "regression"
        integral = bool(np.all(np.mod(values.to_numpy(np.float64), 1) == 0))
        if integral and values.nunique() <= CLASS_INTEGERS:
            return "classification"
        return "regression"
    return "classification"


def has_decimals(col) -> bool:
    values = col.dropna()
    return col.dtype.kind == "f" and bool(np.any(np.mod(values.to_numpy(np.float64), 1) != 0))
