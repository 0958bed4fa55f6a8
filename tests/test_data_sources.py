"""Data sources are declared once (netbuilder/data/sources.py): each kind's fields, the files
`--data PATH` takes as that kind, and its reader; the file-format page lists every kind. The
`tensors` source (a .pt file of named tensors) reads what the equivalent .npz reads, and refuses
a pickle or a file that is no tensor file by its content without quoting it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from netbuilder.cli import main
from netbuilder.data import DataError, load_data
from netbuilder.data.sources import KINDS, SOURCES, kind_for
from netbuilder.templates import template_path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "project-format.md"


def test_the_file_format_page_lists_every_declared_kind():
    page = DOCS.read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind}` |" in page, kind


def test_data_path_goes_by_the_declared_suffixes(tmp_path):
    (tmp_path / "folder").mkdir()
    assert kind_for(tmp_path / "folder") == "images"
    for source in SOURCES:
        for suffix in source.suffixes:
            assert kind_for(tmp_path / f"x{suffix.upper()}") == source.kind
    assert kind_for(tmp_path / "table.data") == "csv"  # anything else is read as a table


def _pair(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    torch.save({"inputs": torch.from_numpy(x), "labels": torch.from_numpy(y)}, tmp_path / "xy.pt")
    np.savez(tmp_path / "xy.npz", inputs=x, labels=y)
    return x, y


def test_a_tensor_file_loads_as_the_same_arrays_in_an_npz_do(tmp_path):
    _pair(tmp_path)
    names = {"x": "inputs", "y": "labels", "split": {"val": 0.25, "seed": 3}}
    pt = load_data({"kind": "tensors", "path": "xy.pt", **names}, tmp_path, "CrossEntropyLoss")
    npz = load_data({"kind": "numpy", "path": "xy.npz", **names}, tmp_path, "CrossEntropyLoss")
    for part in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(pt, part), getattr(npz, part)), part
    assert pt.input_shape == (2,) and pt.num_classes == 2


def test_train_takes_a_tensor_file_with_data(tmp_path, capsys):
    _pair(tmp_path)
    torch.save({"x": torch.load(tmp_path / "xy.pt")["inputs"],
                "y": torch.load(tmp_path / "xy.pt")["labels"]}, tmp_path / "plain.pt")
    out = tmp_path / "run"
    assert main(["train", str(template_path("mlp")), "--data", str(tmp_path / "plain.pt"),
                 "--epochs", "1", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out / "project.json").exists() and "val_loss" in json.dumps(result)
    assert json.loads((out / "project.json").read_text())["data"]["kind"] == "tensors"


class Sneaky:  # what a hostile file would carry: unpickling it would run code
    def __reduce__(self):
        return (print, ("ran",))


@pytest.mark.parametrize("content", ["pickle", "text"])
def test_a_file_that_is_no_tensor_file_is_refused_without_quoting_it(tmp_path, capsys, content):
    path = tmp_path / "bad.pt"
    if content == "pickle":
        torch.save({"x": Sneaky()}, path)
    else:
        path.write_text("SECRET_TOKEN=hunter2\n")
    with pytest.raises(DataError) as err:
        load_data({"kind": "tensors", "path": "bad.pt"}, tmp_path, "CrossEntropyLoss")
    assert "bad.pt" in str(err.value) and "hunter2" not in str(err.value)
    assert "ran" not in capsys.readouterr().out


def test_a_missing_tensor_is_named_with_the_ones_there(tmp_path):
    _pair(tmp_path)
    with pytest.raises(DataError, match='no tensor "x". Tensors in it: inputs, labels'):
        load_data({"kind": "tensors", "path": "xy.pt"}, tmp_path, "CrossEntropyLoss")



@pytest.mark.parametrize("kind", ["tensors", "numpy"])
@pytest.mark.parametrize("scalar", ["inputs", "targets"])
def test_a_single_number_instead_of_rows_is_named(tmp_path, kind, scalar):
    x, y = (np.float32(3.0), np.zeros(4, np.int64)) if scalar == "inputs" else (np.zeros((4, 2), np.float32), np.int64(1))
    if kind == "tensors":
        torch.save({"x": torch.tensor(x), "y": torch.tensor(y)}, tmp_path / "d.pt")
        spec = {"kind": "tensors", "path": "d.pt"}
    else:
        np.savez(tmp_path / "d.npz", x=x, y=y)
        spec = {"kind": "numpy", "path": "d.npz"}
    with pytest.raises(DataError, match=f"the {scalar} are a single number"):
        load_data(spec, tmp_path, "CrossEntropyLoss")


def test_bfloat16_tensors_are_read_as_float32_and_complex_ones_refused(tmp_path):
    x = torch.randn(40, 3)
    torch.save({"x": x.bfloat16(), "y": torch.arange(40) % 2}, tmp_path / "bf.pt")
    bundle = load_data({"kind": "tensors", "path": "bf.pt", "normalize": "none"}, tmp_path, "CrossEntropyLoss")
    assert bundle.x_train.dtype == torch.float32 and bundle.input_shape == (3,)
    assert set(bundle.x_train.flatten().tolist()) <= set(x.bfloat16().float().flatten().tolist())
    torch.save({"x": torch.randn(40, 3, dtype=torch.complex64), "y": torch.arange(40) % 2}, tmp_path / "c.pt")
    with pytest.raises(DataError, match="must be numeric"):
        load_data({"kind": "tensors", "path": "c.pt"}, tmp_path, "CrossEntropyLoss")
