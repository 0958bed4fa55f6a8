"""Real-world tables: reading oddities, the column profile, missing values, the task from the
target, and the fitted plan (numpy encoding at training = stdlib encoding for new rows)."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from export_helpers import predict_three_ways

from netbuilder.data import DataError, load_data
from netbuilder.data.csv_read import read_frame
from netbuilder.data.plan import encode_frame
from netbuilder.data.plan_apply import encode_rows, read_rows

PENGUINS = Path(__file__).parent / "data" / "penguins.csv"  # public, CC0 (see its LICENSE)


def write(tmp_path, data, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return name


def load(tmp_path, name, target="y", loss=None, **extra):
    return load_data({"kind": "csv", "path": name, "target": target, **extra}, tmp_path, loss)


def columns(bundle):
    return {c["name"]: c for c in bundle.info["columns"]}


def test_penguins_profile_missing_and_task():
    b = load_data({"kind": "csv", "path": PENGUINS.name, "target": "species"}, PENGUINS.parent,
                  None)
    assert b.task == "classification" and b.class_names == ["Adelie", "Chinstrap", "Gentoo"]
    assert b.info["loss"] == "CrossEntropyLoss" and b.info["loss_inferred"]
    cols = columns(b)
    assert cols["sex"]["type"] == "boolean" and cols["sex"]["missing"] == 11
    assert cols["island"]["features"] == 3 and cols["bill_length_mm"]["missing"] == 2
    assert "filled with the median" in cols["bill_length_mm"]["why"]
    assert b.info["missing"]["cells"] == 19 and b.info["missing"]["rows"] == 11
    assert b.input_shape == (9,) and not torch.isnan(b.x_train).any()
    # the preview shows the file's own cells, not a normalization round trip
    rows, names = b.preview(3)
    assert names[0] == "species" and all(isinstance(c, str) for c in rows[0])


def test_training_encoding_equals_new_row_encoding(tmp_path):
    """What predict (and predict.py) computes for raw rows is what training computed."""
    text = ("id,size,colour,note,flag,y\n" + "".join(
        f"{i + 1},{'' if i % 7 == 0 else i * 1.5},{['red', 'blue', 'green', 'NA'][i % 4]},"
        f"\"the {['cat', 'dog'][i % 2]} sat on mat {i}\",{['yes', 'no'][i % 3 == 0]},{i % 2}\n"
        for i in range(40)))
    name = write(tmp_path, text)
    b = load(tmp_path, name, types={"note": "text"}, missing_indicator=True)
    plan = b.plan
    cols = columns(b)
    assert cols["id"]["role"] == "ignored" and "row" in cols["id"]["why"]
    frame, _ = read_frame(tmp_path / name)
    header, rows = read_rows(tmp_path / name, plan)
    stdlib, _ = encode_rows(header, rows, plan)
    assert np.array_equal(np.asarray(stdlib, dtype=np.float32), encode_frame(frame, plan))
    assert "size=missing" in plan["feature_names"] and "note:cat" in plan["feature_names"]
    json.dumps(plan, allow_nan=False)  # plain JSON
    # new rows: an unseen colour and a missing size, handled as training did and counted
    new, counts = encode_rows(header, [["99", "", "purple", "a bird", "yes", ""]], plan)
    assert counts == {("size", "missing"): 1, ("colour", "unseen category"): 1}
    colour = [i for i, n in enumerate(plan["feature_names"]) if n.startswith("colour=")]
    assert [new[0][i] for i in colour] == [0.0] * len(colour)


def test_duplicated_header_is_named(tmp_path):
    with pytest.raises(DataError, match='duplicated column names: "a"'):
        load(tmp_path, write(tmp_path, "a,b,a,y\n1,2,3,0\n4,5,6,1\n"))


def test_bom_semicolons_and_decimal_commas(tmp_path):
    data = "\ufeffx;z;y\n" + "".join(f"{i},5;{i % 3};{i % 2}\n" for i in range(3, 23))
    b = load(tmp_path, write(tmp_path, data.encode("utf-8")), loss="CrossEntropyLoss",
             normalize="none")
    assert b.feature_names == ["x", "z"]
    assert (b.plan["read"]["delimiter"], b.plan["read"]["decimal"]) == (";", ",")
    assert float(b.x_train[:, 0].min()) % 1 == 0.5


def test_encodings_then_the_byte(tmp_path):
    b = load(tmp_path, write(tmp_path, "city,y\n" + "Gen\xe8ve,0\nZ\xfcrich,1\n" * 5,),
             loss="CrossEntropyLoss")
    assert b.input_shape == (1,)
    cp = write(tmp_path, ("city,y\n" + "Gen\xe8ve,0\nZ\xfcrich,1\n" * 5).encode("cp1252"), "w.csv")
    assert load(tmp_path, cp, loss="CrossEntropyLoss").plan["read"]["encoding"] == "cp1252"
    bad = write(tmp_path, b"a,y\n1,0\n2,\x81\n", "bad.csv")
    with pytest.raises(DataError, match=r"byte 0x81 at offset 10 \(line 3\)"):
        load(tmp_path, bad)


def test_decimal_target_with_cross_entropy_names_the_fitting_loss(tmp_path):
    name = write(tmp_path, "x,y\n" + "".join(f"{i % 5},{i * 0.37:.2f}\n" for i in range(30)))
    assert load(tmp_path, name).task == "regression"  # no loss: decimals mean regression
    with pytest.raises(DataError, match='Target column "y".*decimals.*MSELoss'):
        load(tmp_path, name, loss="CrossEntropyLoss")


def test_few_integers_classify_many_integers_regress(tmp_path):
    few = write(tmp_path, "x,y\n" + "".join(f"{i % 7},{i % 3}\n" for i in range(30)))
    assert load(tmp_path, few).task == "classification"
    many = write(tmp_path, "x,y\n" + "".join(f"{i % 7},{i * 13}\n" for i in range(60)), "m.csv")
    assert load(tmp_path, many).task == "regression"


def test_names_column_is_ignored_not_one_hot(tmp_path):
    name = write(tmp_path, "name,age,y\n" + "".join(f"Person {i},{i % 9},{i % 2}\n"
                                                    for i in range(100)))
    b = load(tmp_path, name)
    assert columns(b)["name"]["role"] == "ignored" and "nearly every row" in columns(b)["name"]["why"]
    assert b.input_shape == (1,)


def test_train_notes_say_what_was_ignored_filled_and_dropped(tmp_path):
    """`train` prints these before the first epoch (the row counter was used without a word)."""
    from netbuilder.data.report import data_notes

    name = write(tmp_path, "n,a,y\n" + "".join(
        f"{i + 1},{'' if i % 7 == 0 else i % 5},{'' if i % 10 == 3 else i % 2}\n" for i in range(40)))
    notes = data_notes(load(tmp_path, name).info)
    assert notes[0] == "columns ignored: n (counts rows (1, 2, 3, ...): an ID)"
    assert "6 missing cells in 6 rows filled in" in notes[1]
    assert notes[-1] == "4 rows without a target dropped"
    assert data_notes(load(tmp_path, name, ignore=["n"]).info)[0].startswith("6 missing")


def test_a_column_of_mostly_unique_names_is_ignored_too(tmp_path):
    """Surnames of ball players (vcd's Baseball: 294 values in 322 rows, 272 of them once)."""
    names = [f"Name{i}" if i % 4 else "Smith" for i in range(60)]  # 45 unique, "Smith" 15 times
    name = write(tmp_path, "surname,age,y\n" + "".join(f"{n},{i % 9},{i % 2}\n"
                                                       for i, n in enumerate(names)))
    assert columns(load(tmp_path, name))["surname"]["role"] == "ignored"
    assert "no other row has (45 of 60)" in columns(load(tmp_path, name))["surname"]["why"]


def test_many_levels_are_cut_to_the_most_frequent(tmp_path):
    name = write(tmp_path, "c,y\n" + "".join(f"L{i % 40},{i % 2}\n" for i in range(400)))
    b = load(tmp_path, name, max_levels=10)
    assert columns(b)["c"]["flag"] == "high_cardinality" and b.input_shape == (11,)  # + other


def test_missing_policies(tmp_path):
    name = write(tmp_path, "a,b,y\n" + "".join(
        f"{i % 5 + 1},{'' if i % 4 == 0 else i % 3},{'' if i == 5 else i % 2}\n" for i in range(20)))
    imputed = load(tmp_path, name, split={"val": 0.0})
    assert imputed.info["missing"]["target_rows_dropped"] == 1 and len(imputed) == 19
    dropped = load(tmp_path, name, missing="drop", split={"val": 0.0})
    assert dropped.info["missing"]["rows_dropped"] == 5 and len(dropped) == 14
    with pytest.raises(DataError, match=r'row 2, column "b": is empty \(rows 2, 6, 10, 14, 18'):
        load(tmp_path, name, missing="error")


@pytest.mark.parametrize("cell", ["", "NA", "nan", "null", "#N/A"])
def test_missing_cells_below_the_first_rows_are_missing(tmp_path, cell):
    """The first rows decide how the file is read (without NA detection when they miss no
    cell); a missing cell further down is missing all the same, in every kind of column."""
    lines = ["n,i,t,b,y"] + [f"{i / 4},{i},{'abc'[i % 3]},{['true', 'false'][i % 2]},{i % 2}"
                             for i in range(300)]
    lines[250] = f"{cell},{cell},{cell},{cell},1"
    lines[270] = "7.5,3,b"  # a short row: its last cells are missing too, and named
    name = write(tmp_path, "\n".join(lines[:270] + lines[271:]) + "\n")
    frame, _ = read_frame(tmp_path / name)
    assert [d.kind for d in frame.dtypes][:2] == ["f", "f"]  # numbers with a gap, not text
    assert frame.iloc[249].isna().tolist() == [True, True, True, True, False]
    assert frame.isna().sum().sum() == 4
    report = columns(load(tmp_path, name))
    assert [report[c]["missing"] for c in "nitb"] == [1, 1, 1, 1]
    assert report["t"]["type"] == "categorical" and report["b"]["type"] == "boolean"
    with pytest.raises(DataError, match="row 271 has 3 cells but the header has 5"):
        read_frame(tmp_path / write(tmp_path, "\n".join(lines) + "\n", "short.csv"))


def test_text_in_numeric_column_names_rows(tmp_path):
    rows = [f"{i},{i % 2}" for i in range(3, 33)]
    rows[4], rows[9] = "abc,0", "n/k,1"
    with pytest.raises(DataError, match=r'row 6, column "a": "abc" is not a number \(rows 6, 11\)'):
        load(tmp_path, write(tmp_path, "a,y\n" + "\n".join(rows) + "\n"))


def test_non_table_files_are_not_quoted(tmp_path):
    secret = write(tmp_path, "TOKEN=hunter2\nOTHER=x\n", "env.csv")
    with pytest.raises(DataError) as err:
        load(tmp_path, secret, target="label")
    assert "hunter2" not in str(err.value) and "one column" in str(err.value)
    with pytest.raises(DataError, match="binary"):
        load(tmp_path, write(tmp_path, b"\x00\x01\x02,\n", "b.csv"))


def test_predict_cli_and_exported_predict_py_agree(tmp_path, monkeypatch):
    """Train the MLP template on penguins, then predict raw rows three ways: the CLI, the
    core call the GUI makes, and the exported predict.py: byte-identical outputs."""

    from netbuilder.cli import main
    from netbuilder.data.predict import predict_file
    from netbuilder.spec import load_project
    from netbuilder.templates import load_template

    shutil.copy(PENGUINS, tmp_path / "penguins.csv")
    project = load_template("mlp").to_dict()
    project["graph"]["nodes"][0]["params"].pop("shape")  # left to the data
    fc3 = next(n for n in project["graph"]["nodes"] if n["id"] == "fc3")
    fc3["params"]["out_features"] = 3
    project["training"].pop("loss", None)  # the target decides
    project["training"]["epochs"] = 1
    project["data"] = {"kind": "csv", "path": "penguins.csv", "target": "species"}
    (tmp_path / "p.json").write_text(json.dumps(project))
    assert main(["train", str(tmp_path / "p.json"), "--out", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "preprocessing.json").is_file()
    new = tmp_path / "new.csv"
    new.write_text("island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
                   "Biscoe,50,15,220,5700,male,2007\nMars,NA,18,190,3500,,2009\n")
    weights = tmp_path / "run" / "best.safetensors"
    cli, gui = predict_three_ways(tmp_path / "p.json", tmp_path, weights, new, monkeypatch)
    assert any("not seen in training" in n for n in gui.notes) and any("missing" in n for n in gui.notes)
    # the graph edited after training: the run's own project.json predicts, said so
    project["graph"]["nodes"][1]["params"]["out_features"] = 7
    (tmp_path / "p.json").write_text(json.dumps(project))
    edited = predict_file(load_project(tmp_path / "p.json"), tmp_path, weights, new)
    edited.save_csv(tmp_path / "edited.csv")
    assert (tmp_path / "edited.csv").read_text() == cli
    assert any("trained with" in n and "project.json" in n for n in edited.notes)
    header = cli.splitlines()[0].split(",")
    assert header[-4:] == ["prediction", "p_Adelie", "p_Chinstrap", "p_Gentoo"]


def test_cut_levels_missing_cells_and_text_targets_encode_as_new_rows_do(tmp_path):
    """The vectorized paths (one-hot of text levels, class indices of text targets) give what
    the per-cell stdlib encoding of predict.py gives: levels past max_levels as "other",
    missing cells as the most frequent level, unseen ones (a level only in the test rows)."""
    levels = ["red", "blue", "green", "teal", "amber"]
    text = "n,colour,y\n" + "".join(
        f"{i * 0.5},{'' if i % 9 == 0 else levels[(i * i + i // 7) % 5]},{['b', 'a', 'c'][i % 3]}\n"
        for i in range(90))
    name = write(tmp_path, text)
    b = load(tmp_path, name, max_levels=3, missing_indicator=True, split={"val": 0.2, "seed": 2})
    plan = b.plan
    colour = next(f for f in plan["features"] if f["name"] == "colour")
    assert colour["other"] and len(colour["levels"]) == 3 and colour["indicator"]
    frame, _ = read_frame(tmp_path / name)
    header, rows = read_rows(tmp_path / name, plan)
    stdlib, _ = encode_rows(header, rows, plan)
    assert np.array_equal(np.asarray(stdlib, dtype=np.float32), encode_frame(frame, plan))
    assert b.class_names == ["a", "b", "c"]
    from netbuilder.data.targets import encode

    y, names, _ = encode(np.array(["b", "a", "c", "a", "10", "2"], dtype=object), "classification", None, "t")
    assert names == ["10", "2", "a", "b", "c"] and y.tolist() == [3, 2, 4, 2, 0, 1]
    y, names, _ = encode(np.array([3, "x", 3], dtype=object), "classification", None, "t")  # mixed
    assert names == ["3", "x"] and y.tolist() == [0, 1, 0]


def test_level_counts_are_value_counts_with_ties_in_order_of_first_appearance():
    """Coded.counts orders by count alone when no two levels tie, and by first appearance
    among tied ones: what Series.value_counts gives, for all rows and for a subset."""
    import pandas as pd

    from netbuilder.data.levels import Coded

    rng = np.random.default_rng(0)
    for cells in (["b", "a", "c", "a", None, "c", "d"],  # ties: c and a, then b and d
                  list(rng.choice(["x", "y", "z"], 500, p=[0.5, 0.3, 0.2])),
                  list(rng.choice(["x", "y", "z", "w"], 40))):
        col = pd.Series(cells, dtype=object)
        levels = Coded.of(col)
        rows = rng.permutation(len(col))[: len(col) * 2 // 3]
        for picked, want in ((levels.counts(), col.value_counts()),
                             (levels.counts(rows), col.take(rows).value_counts())):
            assert list(picked.items()) == list(want.items())


def test_numeric_profile_counts_missing_distinct_and_bins():
    """One sort per column gives the missing cells, the distinct values, the ends and the
    small histogram."""
    from netbuilder.data.profile import _column_stats

    cols = np.array([[3.0, np.nan, 1.0, 3.0, -0.5, np.nan, 2.0, 9.5],
                     [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]])
    missing, lo, hi, distinct, histogram, counter = _column_stats(cols)
    assert missing.tolist() == [2, 0] and distinct.tolist() == [5, 8]
    assert lo.tolist() == [-0.5, 0.0] and hi.tolist() == [9.5, 7.0]
    assert histogram[0].tolist() == [1, 1, 1, 2, 0, 0, 0, 0, 0, 1]
    assert histogram[1].sum() == 8 and counter.tolist() == [False, True]
