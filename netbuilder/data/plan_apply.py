"""Apply a fitted preprocessing plan to raw rows, and turn model outputs into predictions.

Standard library only: the exported predict.py carries this file verbatim, so the app, the CLI
and predict.py read, encode and decode new rows with the very same code (identical
predictions by construction). Training encodes whole columns with pandas/numpy
(netbuilder/data/plan.py) and a test checks that both encodings agree.

New rows are handled as training handled them, and each departure is counted in `notes`:
missing cells take the training fill value (an indicator column says so when the plan has one),
unseen categories go to the "other" level when there is one (else no level), and text that is
not a number in a numeric column counts as missing."""

import csv
import io
import math
import re

PLAN_FORMAT = "netbuilder-preprocessing"
WORD = re.compile(r"\w+")
PAD, UNKNOWN = "<pad>", "<unk>"  # word ids 0 and 1 of a token column


def token_ids(text, lookup, length):
    """A text cell as `length` word ids (lower-cased words): the first `length` words, unknown
    words as <unk>, padded with <pad> in front (a recurrent network ends on the last word)."""
    ids = [lookup.get(word, 1) for word in WORD.findall(text.lower())][:length]
    return [0] * (length - len(ids)) + ids


def decode_bytes(raw):
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_rows(path, plan):
    """(header, rows): the file's cells as text, blank lines skipped."""
    with open(path, "rb") as fh:
        text = decode_bytes(fh.read())
    delimiter = plan["read"]["delimiter"]
    if str(path).lower().endswith(".tsv"):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = []
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip() or f"Unnamed: {i}" for i, c in enumerate(cells)]
            break
    rows = [cells for cells in reader if any(c.strip() for c in cells)]
    return header, rows


def level_key(value):
    """One spelling per level: 3, 3.0 and "3" are the level "3"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text, decimal):
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _count(notes, name, what):
    key = (name, what)
    notes[key] = notes.get(key, 0) + 1


def encode_rows(header, rows, plan):
    """(inputs: one list of floats per row, notes: {(column, what): rows}). Raises ValueError
    naming the columns the plan needs when the file lacks them."""
    index = {name: i for i, name in enumerate(header)}
    lacking = [f["name"] for f in plan["features"] if f["name"] not in index]
    if lacking:
        raise ValueError("the file lacks the column(s) the model was trained on: "
                         + ", ".join(lacking))
    na = set(plan["read"]["na_values"])
    decimal = plan["read"]["decimal"]
    lookups = {f["name"]: {w: i for i, w in enumerate(f["vocabulary"])}
               for f in plan["features"] if f["type"] == "tokens"}
    notes = {}
    out = []
    for cells in rows:
        row = []
        for f in plan["features"]:
            i = index[f["name"]]
            text = cells[i] if i < len(cells) else ""
            missing = text in na
            kind = f["type"]
            if kind == "numeric":
                value = None if missing else _number(text, decimal)
                absent = value is None
                if absent:
                    _count(notes, f["name"], "missing" if missing else "not a number")
                    value = f["fill"]
                row.append((value - f["shift"]) / f["scale"])
                if f["indicator"]:
                    row.append(1.0 if absent else 0.0)
            elif kind == "tokens":
                ids = token_ids("" if missing else text, lookups[f["name"]], f["length"])
                if missing or 1 in ids:
                    _count(notes, f["name"], "missing" if missing else "unknown words")
                row.extend(ids)
            elif kind == "text":
                words = set(WORD.findall(text.lower())) if not missing else set()
                row.extend(1.0 if w in words else 0.0 for w in f["vocabulary"])
            else:  # categorical, boolean
                if f.get("numeric_levels") and not missing:
                    number = _number(text, decimal)
                    text = level_key(number) if number is not None else text
                if missing:
                    _count(notes, f["name"], "missing")
                    text = f["fill"]
                levels = f["levels"]
                if text not in levels:
                    _count(notes, f["name"], "unseen category")
                    text = "other" if f["other"] else (f["fill"] if kind == "boolean" else None)
                if kind == "boolean":
                    row.append(1.0 if text == levels[1] else 0.0)
                else:
                    row.extend(1.0 if text == level else 0.0 for level in levels)
                    if f["other"]:
                        row.append(1.0 if text == "other" else 0.0)
                if f["indicator"]:
                    row.append(1.0 if missing else 0.0)
        out.append(row)
    return out, notes


def window_inputs(inputs, plan):
    """(samples, rows): a table predicts every row; a series predicts from each `window` of
    encoded rows, the sample of row r reading rows r-window+1 .. r."""
    window = (plan.get("window") or {}).get("window")
    if not window:
        return inputs, list(range(len(inputs)))
    if len(inputs) < window:
        raise ValueError(f"the model reads windows of {window} rows, the file has {len(inputs)}")
    rows = list(range(window - 1, len(inputs)))
    return [inputs[r - window + 1:r + 1] for r in rows], rows


def predictions(run, inputs, plan):
    """(columns, one row of `columns` per input row); `run(samples)` gives the model's
    outputs. Rows before a series' first full window get empty cells."""
    samples, rows = window_inputs(inputs, plan)
    columns, values = decode_outputs(run(samples), plan)
    out = [[""] * len(columns) for _ in inputs]
    for r, value in zip(rows, values):
        out[r] = value
    return columns, out


def describe_notes(notes, plan):
    """One sentence per (column, what): how new rows were handled, as training did."""
    by_name = {f["name"]: f for f in plan["features"]}
    lines = []
    window = plan.get("window")
    if window:
        w, h = window["window"], window["horizon"]
        lines.append(f"Each row's prediction is the value {h} row{'' if h == 1 else 's'} after "
                     f"it, read from the {w} rows ending there; the first {w - 1} rows have none.")
    for (name, what), n in sorted(notes.items()):
        f = by_name[name]
        rows = f"{n} row{'' if n == 1 else 's'}"
        if f["type"] == "tokens":
            how = ("had words not seen in training; read as <unk>" if what == "unknown words"
                   else "was missing; read as no words (all <pad>)")
            lines.append(f'{rows}: "{name}" {how}.')
        elif what == "unseen category":
            where = ('the level "other"' if f.get("other") else
                     "the most frequent level" if f["type"] == "boolean" else "no level (all zeros)")
            lines.append(f'{rows}: "{name}" had a category not seen in training; encoded as {where}.')
        else:
            lines.append(f'{rows}: "{name}" was {what}; filled with {f["fill"]!r} as in training.')
    return lines


def _softmax(values):
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def decode_outputs(outputs, plan):
    """(columns, rows) to append to the input: `prediction` and, for classifiers, `p_<class>`.
    `outputs` holds one list of floats per row (the model's output)."""
    target = plan["target"]
    task, classes = target["task"], target.get("classes")
    if task == "classification":
        columns = ["prediction"] + ["p_" + c for c in classes]
        rows = []
        for out in outputs:
            p = _softmax(out)
            best = max(range(len(p)), key=p.__getitem__)
            rows.append([classes[best]] + [f"{v:.6g}" for v in p])
        return columns, rows
    if task == "binary":
        columns = ["prediction"] + ["p_" + c for c in classes]
        rows = []
        for out in outputs:
            z = out[0]
            p1 = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
            rows.append([classes[int(p1 > 0.5)], f"{1 - p1:.6g}", f"{p1:.6g}"])
        return columns, rows
    names = target["names"]
    columns = ["prediction"] if len(names) == 1 else ["prediction_" + n for n in names]
    shift = target.get("shift") or [0.0] * len(names)  # a series' target was scaled in training
    scale = target.get("scale") or [1.0] * len(names)
    return columns, [[f"{v * s + m:.9g}" for v, s, m in zip(out, scale, shift)] for out in outputs]


def write_predictions(path, header, rows, columns, predictions):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header + columns)
        for cells, extra in zip(rows, predictions):
            writer.writerow(list(cells) + extra)
