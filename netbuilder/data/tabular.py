"""CSV/TSV tables: numeric columns as floats, text columns one-hot, row/column-exact errors."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError


@dataclass
class Table:
    x: np.ndarray  # [N, F] float32
    y: np.ndarray  # [N] or [N, k], float or str
    feature_names: list[str]
    numeric_mask: np.ndarray  # False for one-hot columns (not normalized)
    target_names: list[str]
    categorical_features: dict[str, list[str]]


def _delimiter(path: Path, spec: dict, header_line: str) -> str:
    if spec.get("delimiter"):
        return spec["delimiter"]
    if path.suffix.lower() == ".tsv":
        return "\t"
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_rows(path: Path, spec: dict) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) for each non-blank data row."""
    if not path.is_file():
        raise DataError(f"Data file {path} does not exist. Check data.path in the project "
                        "(paths are relative to the project file).", path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path.name} is not UTF-8 text (byte {err.start}). Save it as "
                        "UTF-8 CSV from your spreadsheet program.", path=str(path)) from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DataError(f"{path.name} is empty: it needs a header row and data rows.",
                        path=str(path))
    reader = csv.reader(lines, delimiter=_delimiter(path, spec, lines[0]))
    header = [h.strip() for h in next(reader)]
    rows = []
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(f"{path.name} row {reader.line_num} has {len(cells)} cells but the "
                            f"header has {len(header)} columns.", path=str(path),
                            row=reader.line_num)
        rows.append((reader.line_num, [c.strip() for c in cells]))
    if not rows:
        raise DataError(f"{path.name} has a header row but no data rows.", path=str(path))
    return header, rows


def _as_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def _numeric(path: Path, name: str, col: int, rows) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float64)
    for i, (row_no, cells) in enumerate(rows):
        value = _as_float(cells[col])
        if value is None or not math.isfinite(value):
            what = "is empty" if not cells[col] else (
                f'"{cells[col]}" is not a number' if value is None
                else f'"{cells[col]}" is not a finite number')
            raise DataError(f'{path.name} row {row_no}, column "{name}": {what}. The column '
                            "is numeric (most of its values are numbers); fix or remove that "
                            "row.", path=str(path), row=row_no, column=name)
        out[i] = value
    return out


def _mostly_text(col: int, rows) -> bool:
    text = sum(_as_float(cells[col]) is None for _, cells in rows)
    return text * 2 > len(rows)


def _names(value, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise DataError(f"data.{field} must be a column name or a list of column names.")


def read_table(path: Path, spec: dict, categorical_target: bool) -> Table:
    header, rows = _read_rows(path, spec)
    if "target" not in spec:
        raise DataError(f"data.target is missing: name the column of {path.name} to predict "
                        f"(columns: {', '.join(header)}).", path=str(path))
    targets = _names(spec["target"], "target")
    features = (_names(spec["features"], "features") if spec.get("features")
                else [h for h in header if h not in targets])
    for name in targets + features:
        if name not in header:
            role = "Target" if name in targets else "Feature"
            raise DataError(f'{role} column "{name}" does not exist in {path.name}. Available '
                            f"columns: {', '.join(header)}.", path=str(path), column=name)
    if not features:
        raise DataError(f"{path.name} has no feature columns besides the target.",
                        path=str(path))

    columns, names, mask, categorical = [], [], [], {}
    for name in features:
        col = header.index(name)
        if _mostly_text(col, rows):
            levels = sorted({cells[col] for _, cells in rows})
            index = {v: i for i, v in enumerate(levels)}
            onehot = np.zeros((len(rows), len(levels)))
            onehot[np.arange(len(rows)), [index[cells[col]] for _, cells in rows]] = 1
            columns.append(onehot)
            names += [f"{name}={v}" for v in levels]
            mask += [False] * len(levels)
            categorical[name] = levels
        else:
            columns.append(_numeric(path, name, col, rows)[:, None])
            names.append(name)
            mask.append(True)
    x = np.concatenate(columns, axis=1).astype(np.float32)

    ys = []
    for name in targets:
        col = header.index(name)
        if categorical_target:
            ys.append(np.array([cells[col] for _, cells in rows], dtype=object))
        elif _mostly_text(col, rows):
            raise DataError(f'Target column "{name}" of {path.name} holds text (e.g. '
                            f'"{rows[0][1][col]}"), but the loss is a regression loss. Use '
                            "CrossEntropyLoss to classify it.", path=str(path), column=name)
        else:
            ys.append(_numeric(path, name, col, rows))
    y = ys[0] if len(ys) == 1 else np.stack(ys, axis=1)
    return Table(x, y, names, np.array(mask), targets, categorical)
