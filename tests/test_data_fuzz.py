"""Fuzzed data files (issue 12): CSV oddities, arrays and image folders either load or fail with a
DataError (one message naming the file) - never another exception, never a hang - and a message
never quotes a file that was not recognised as a table."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from netbuilder.data import DataBundle, DataError, load_data

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SECRET = "s3cr3t-TOKEN"

cell = st.one_of(
    st.integers(-5, 5).map(str), st.floats(-1e3, 1e3, allow_nan=False).map(lambda f: f"{f:.3g}"),
    st.sampled_from(["", "NA", "nan", "inf", "-", "abc", "a b c d", "1,5", '"q,uoted"', "é",
                     "TRUE", "0", "1", " 2 ", "\u00a0", "x" * 30, "NULL"]))
names = st.sampled_from(["a", "b", "y", "id", "", "Unnamed: 0", "y", "é"])


@st.composite
def csv_files(draw):
    width = draw(st.integers(1, 5))
    header = draw(st.permutations(["y", "a", "b", "id", "é"]))[:width]
    if draw(st.integers(0, 9)) == 0:  # now and then a duplicated or an empty name
        header[-1] = draw(names)
    ragged = draw(st.integers(0, 9)) == 0
    rows = [[draw(cell) for _ in range(width + (ragged and draw(st.booleans())))]
            for _ in range(draw(st.integers(0, 25)))]
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = "\n".join(sep.join(r) for r in [header, *rows]) + draw(st.sampled_from(["", "\n", "\n\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 5)) == 0:
        data = data[:draw(st.integers(0, len(data)))]  # cut anywhere, even inside a character
    spec = {"target": draw(st.sampled_from(["y", "y", "a", "missing", ["a", "y"]])),
            "missing": draw(st.sampled_from(["impute", "impute", "drop", "error", "bogus"])),
            "split": {"val": draw(st.sampled_from([0.0, 0.2, 0.5])), "test": 0.0, "seed": 0}}
    if draw(st.booleans()):
        spec["types"] = {header[0]: draw(st.sampled_from(["numeric", "text", "categorical"]))}
    loss = draw(st.sampled_from([None, "CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss"]))
    return data, spec, loss


def _outcome(call):
    try:
        return call()
    except DataError as err:
        assert str(err).strip() and "Traceback" not in str(err)
        return err


@FUZZ
@given(csv_files())
def test_fuzzed_csv_loads_or_says_why(case):
    data, spec, loss = case
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "f.csv").write_bytes(data)
        result = _outcome(lambda: load_data({"kind": "csv", "path": "f.csv", **spec}, Path(tmp),
                                            loss))
    if isinstance(result, DataBundle):
        assert result.x_train.dtype.is_floating_point and not result.x_train.isnan().any()
        assert result.plan["input_shape"] == list(result.input_shape)


@FUZZ
@given(st.sampled_from(["text", "pickle", "npy", "npz-object", "empty", "garbage"]),
       st.integers(1, 6))
def test_fuzzed_arrays_load_or_say_why(kind, n):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("d.npz" if kind.startswith("npz") else "d.npy")
        if kind == "text":
            path.write_text(f"{SECRET}\n1,2,3\n")
        elif kind == "pickle":
            path.write_bytes(b"\x80\x04\x95" + bytes(range(n)))
        elif kind == "npy":
            np.save(path, np.arange(n * 2, dtype=np.float32).reshape(n, 2))
        elif kind == "npz-object":
            np.savez(path, x=np.array([{"a": 1}] * n, dtype=object), y=np.arange(n))
        elif kind == "garbage":
            path.write_bytes(bytes(range(256))[:n * 7])
        else:
            path.write_bytes(b"")
        result = _outcome(lambda: load_data({"kind": "numpy", "path": path.name,
                                             "target": "input"}, Path(tmp), "MSELoss"))
    if isinstance(result, DataError):
        assert SECRET not in str(result)
        assert kind != "text" or "not a NumPy file" in str(result)


@FUZZ
@given(st.lists(st.sampled_from(["png", "gray", "bytes", "empty", "dir"]), min_size=1, max_size=6),
       st.one_of(st.none(), st.lists(st.integers(-3, 40), min_size=1, max_size=3)))
def test_fuzzed_image_folders_load_or_say_why(files, size):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "imgs"
        for i, kind in enumerate(files):
            folder = root / f"class{i % 2}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"f{i}.png"
            if kind in ("png", "gray"):
                buf = io.BytesIO()
                Image.new("RGB" if kind == "png" else "L", (4 + i, 5)).save(buf, "PNG")
                target.write_bytes(buf.getvalue())
            elif kind == "bytes":
                target.write_bytes(SECRET.encode())
            elif kind == "dir":
                target.mkdir()
            else:
                target.write_bytes(b"")
        spec = {"kind": "images", "path": "imgs"}
        if size is not None:
            spec["size"] = size
        result = _outcome(lambda: load_data(spec, Path(tmp), "CrossEntropyLoss"))
        shutil.rmtree(root, ignore_errors=True)
    if isinstance(result, DataError):
        assert SECRET not in str(result)
    if size is not None and (len(size) != 2 or min(size) < 1):
        assert isinstance(result, DataError) and "data.size" in str(result)


@pytest.mark.parametrize("text", [f"TOKEN={SECRET}\n", f"TOKEN={SECRET}\nOTHER=1\n",
                                  f"# {SECRET}\nkey: value\n"])
def test_non_table_files_are_never_quoted(tmp_path, text):
    (tmp_path / "secret.csv").write_text(text)
    with pytest.raises(DataError) as err:
        load_data({"kind": "csv", "path": "secret.csv", "target": "label"}, tmp_path, None)
    assert SECRET not in str(err.value)
