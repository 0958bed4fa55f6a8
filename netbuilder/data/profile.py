"""What the app will do with every column of a table: its type, its role and why.

    profile_columns(frame, spec, target) -> list[ColumnProfile]

Types: numeric, categorical, boolean (two values), text (free text: a bag of words), tokens
(free text as word ids for an Embedding; chosen in data.types), date. Roles: feature,
target, ignored. ID-like columns (a distinct text in nearly every row, or a text most rows hold
alone, such as surnames; an integer row counter; a name like `id`/`index`/`rownames`/
`Unnamed: 0`), dates, constant and empty columns are ignored by default, each with the
reason; a categorical with more levels than `max_levels` is flagged (the plan keeps its most
frequent levels and gathers the rest as "other").

Every step is one vectorised pass per column: linear in rows x columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .columns import column_block, dtype_groups, in_threads
from .errors import DataError
from .levels import Coded

TYPES = ("numeric", "categorical", "boolean", "text", "tokens")
MAX_LEVELS = 20  # one-hot columns a categorical may produce before it is cut to its top levels
ID_NAMES = {"id", "index", "rownames", "row", "rowid", "row_id", "row.names", "unnamed: 0", ""}
TEXT_WORDS = 3  # mean words per cell from which a many-valued column reads as free text
CLASS_INTEGERS = 20  # an integer target with at most this many values is a class label
SAMPLE = 200  # first cells present that tell dates and numbers spelled as text
ISO_DATE = r"\d{4}-\d{2}(-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?)?"


@dataclass
class ColumnProfile:
    name: str
    type: str  # numeric | categorical | boolean | text | tokens | date
    role: str  # feature | target | ignored
    missing: int
    distinct: int
    why: str = ""
    features: int = 0  # model inputs the column produces (set by the plan)
    flag: str = ""  # "high_cardinality" when the choices (ignore / top levels / text) apply
    summary: dict = field(default_factory=dict)  # histogram or top levels, for the Data tab
    bad_rows: list = field(default_factory=list)  # rows whose text is not a number

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "role": self.role,
                "missing": self.missing, "distinct": self.distinct, "why": self.why,
                "features": self.features, "flag": self.flag, "summary": self.summary}


def names_list(value, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"data.{what} must be a column name or a list of column names.")


def _summary_levels(counts) -> dict:
    top = counts.head(5)
    return {"top": [[str(k), int(v)] for k, v in top.items()]}


def _mostly_numbers(head) -> bool:
    """A cheap look at the first cells present before parsing a whole text column as numbers."""
    import pandas as pd

    return bool(len(head)) and pd.to_numeric(head, errors="coerce").notna().mean() >= 0.9


def _looks_like_dates(head) -> bool:
    """ISO dates spelled as text (2010-12, 2010-12-31, 2010-12-31 08:00): the first cells
    present."""
    head = head.astype(str)
    return bool(len(head)) and bool(head.str.fullmatch(ISO_DATE).all())


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


def _column_stats(cols: np.ndarray):
    """(missing, min, max, distinct values, 10-bin histogram [columns, 10], row counter?) of
    each column of `cols` [columns, rows], by one sort of each column in a buffer that stays
    in cache (a sort of the whole block was a fifth slower): NaN sorts last (it is counted as
    missing, not as a value), the sorted ends are the min and max."""
    k, n = cols.shape
    missing, distinct = np.zeros(k, np.int64), np.zeros(k, np.int64)
    lo, hi = np.zeros(k), np.zeros(k)
    ordered = np.empty(n)
    for j in range(k):
        np.copyto(ordered, cols[j])
        ordered.sort()
        if n and np.isnan(ordered[-1]):
            missing[j] = np.count_nonzero(np.isnan(ordered))
        p = n - missing[j]
        if p:
            row = ordered[:p]
            lo[j], hi[j] = row[0], row[-1]
            distinct[j] = 1 + np.count_nonzero(row[1:] != row[:-1])
    span = np.where(hi > lo, hi - lo, 1.0)
    seen = cols[:, ::max(1, n // 20000)]  # the small histogram needs no more rows than this
    bins = np.clip(np.floor((seen - lo[:, None]) / span[:, None] * 10), 0, 9)
    present = ~np.isnan(bins)  # NaN: no bin
    where = (bins + np.arange(k)[:, None] * 10)[present].astype(np.int64)
    histogram = np.bincount(where, minlength=k * 10).reshape(k, 10)
    # a row counter: whole numbers from 0 or 1 up by one (checked only where the start fits)
    counter = (n >= 3) & (missing == 0) & np.isin(cols[:, 0], (0, 1)) if n else np.zeros(k, bool)
    for j in np.nonzero(counter)[0]:
        col = cols[j]
        counter[j] = bool(np.all(np.diff(col) == 1) and np.all(np.mod(col, 1) == 0))
    return missing, lo, hi, distinct, histogram, counter


def numeric_profiles(frame, names: list[str]) -> dict[str, ColumnProfile]:
    """Profiles of the numeric columns, computed on a block of them per dtype (the frame's own
    block of floats, not a copy): a table of 100k columns costs a few whole-array passes
    (sorts in two threads), not 100k small pandas calls."""
    if not names:
        return {}
    groups = dtype_groups(frame, names)
    stats = in_threads(_column_stats, [column_block(frame, [names[j] for j in where])
                                       for where in groups])
    missing, lo, hi, distinct, histogram, counter = (
        np.empty((len(names),) + v.shape[1:], v.dtype) for v in stats[0])
    for where, values in zip(groups, stats):
        for into, v in zip((missing, lo, hi, distinct, histogram, counter), values):
            into[where] = v
    some = missing < len(frame)
    out = {}
    for j, name in enumerate(names):
        summary = {"histogram": histogram[j].tolist(), "min": float(lo[j]),
                   "max": float(hi[j])} if some[j] else {}
        p = ColumnProfile(name, "numeric", "feature", int(missing[j]), int(distinct[j]),
                          summary=summary)
        if name.strip().lower() in ID_NAMES or name.startswith("Unnamed: "):
            p.role, p.why = "ignored", "named like a row index"
        elif counter[j] and frame.dtypes.iloc[frame.columns.get_loc(name)].kind in "iu":
            p.role, p.why = "ignored", "counts rows (1, 2, 3, ...): an ID"
        out[name] = p
    return out


def _one(col, name: str, max_levels: int, coded: dict | None = None) -> ColumnProfile:
    """`coded`: where the column's level codes are kept for the plan (levels.Coded)."""
    import pandas as pd

    n = len(col)
    levels = Coded.of(col)
    missing = levels.missing()
    kind = col.dtype.kind
    head = col.take(np.flatnonzero(levels.codes >= 0)[:SAMPLE])  # the first cells present
    if kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype) or _looks_like_dates(head):
        return ColumnProfile(name, "date", "ignored", missing, int(col.nunique()),
                             "a date: dates are not used as features yet")
    # text cells: numbers with a few stray words, labels, or free text
    meant_numeric, bad_rows = _numeric_text(col) if _mostly_numbers(head) else (False, [])
    if meant_numeric:
        return ColumnProfile(name, "numeric", "feature", missing, int(col.nunique()),
                             bad_rows=bad_rows)
    if coded is not None:
        coded[name] = levels
    counts = levels.counts()
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
        elif present >= 20 and (once := int((counts == 1).sum())) * 2 >= present:
            # surnames, tickets: most rows hold a value no other row has (a top-k cut keeps noise)
            profile.role = "ignored"
            profile.why = (f"most rows hold a value no other row has ({once} of {present}): "
                           "an ID or a name")
        else:
            profile.flag = "high_cardinality"
            profile.why = (f"{distinct} levels: the {max_levels} most frequent are kept, the rest "
                           "read as 'other' (or ignore it, or treat it as text)")
    if profile.role == "feature" and (name.strip().lower() in ID_NAMES
                                      or name.startswith("Unnamed: ")):
        profile.role, profile.why = "ignored", "named like a row index"
    return profile


def profile_columns(frame, spec: dict, targets: list[str],
                    coded: dict | None = None) -> list[ColumnProfile]:
    """One profile per column, with the roles the spec asks for (`features`, `ignore`,
    `types`) over the defaults. `coded` (a dict) receives the level codes of the text columns
    (levels.Coded), for the plan to reuse."""
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
    kinds = [d.kind for d in frame.dtypes]
    numeric = numeric_profiles(frame, [n for n, k in zip(frame.columns, kinds) if k in "iuf"])
    out = []
    for name in frame.columns:
        p = numeric.get(name) or _one(frame[name], name, max_levels, coded)
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
