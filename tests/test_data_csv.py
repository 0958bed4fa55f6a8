"""CSV/TSV: column typing, one-hot, targets per loss, and messages naming row and column."""

import numpy as np
import pytest
import torch

from netbuilder.data import DataError, load_data


def write(tmp_path, text, name="data.csv"):
    (tmp_path / name).write_text(text)
    return name


def csv_rows(n=20, stray=None):
    lines = ["age,city,income,label"]
    for i in range(n):
        age = stray if stray and i == 15 else str(20 + i)
        lines.append(f"{age},{['paris', 'rome'][i % 2]},{1000 + 10 * i},{['yes', 'no'][i % 3 == 0]}")
    return "\n".join(lines) + "\n"


def load(tmp_path, name, loss="CrossEntropyLoss", **extra):
    return load_data({"kind": "csv", "path": name, "target": "label", **extra}, tmp_path, loss)


def test_numeric_and_categorical_columns(tmp_path):
    b = load(tmp_path, write(tmp_path, csv_rows()), split={"val": 0.0})
    # two values make one 0/1 column (a boolean), more make one-hot columns
    assert b.feature_names == ["age", "city=rome", "income"]
    assert b.class_names == ["no", "yes"] and b.y_train.dtype == torch.int64
    assert set(b.x_train[:, 1].tolist()) == {0.0, 1.0}  # not normalized
    assert b.normalization["mean"][1] == 0 and b.normalization["std"][1] == 1
    assert b.info["categorical_features"] == {"city": ["paris", "rome"]}
    three = write(tmp_path, "c,label\n" + "".join(f"{'abc'[i % 3]},{i % 2}\n" for i in range(9)), "c.csv")
    c = load(tmp_path, three)
    assert c.feature_names == ["c=a", "c=b", "c=c"]
    assert torch.equal(c.x_train.sum(1), torch.ones(len(c.x_train)))


def test_stray_text_in_numeric_column_names_row_and_column(tmp_path):
    name = write(tmp_path, csv_rows(stray="abc"))
    with pytest.raises(DataError) as err:
        load(tmp_path, name)
    # data row 16 (0-based 15) is spreadsheet row 17: the header is row 1
    assert 'data.csv row 17, column "age": "abc" is not a number' in str(err.value)
    assert err.value.row == 17 and err.value.column == "age"


def test_empty_cell_names_row_and_column(tmp_path):
    name = write(tmp_path, "a,b,label\n1,2,x\n3,,y\n")
    with pytest.raises(DataError, match='row 3, column "b": is empty'):
        load(tmp_path, name, missing="error")


def test_missing_target_lists_columns(tmp_path):
    name = write(tmp_path, csv_rows())
    with pytest.raises(DataError, match="Available columns: age, city, income, label"):
        load_data({"kind": "csv", "path": name, "target": "Label"}, tmp_path,
                  "CrossEntropyLoss")


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load(tmp_path, "nope.csv")
    with pytest.raises(DataError, match="empty"):
        load(tmp_path, write(tmp_path, "\n\n"))
    with pytest.raises(DataError, match="no data rows"):
        load(tmp_path, write(tmp_path, "a,label\n"))


def test_ragged_row_is_named(tmp_path):
    with pytest.raises(DataError, match="row 3 has 3 cells"):
        load(tmp_path, write(tmp_path, "a,label\n1,x\n2,y,z\n"))


def test_regression_targets_and_text_target(tmp_path):
    name = write(tmp_path, "x1,x2,y1,y2\n" + "".join(f"{3 * i + 2},{i*i},{i/2},{-i}\n" for i in range(10)))
    b = load_data({"kind": "csv", "path": name, "target": "y1"}, tmp_path, "MSELoss")
    assert b.y_train.shape == (8, 1) and b.y_train.dtype == torch.float32
    assert b.feature_names == ["x1", "x2", "y2"]
    two = load_data({"kind": "csv", "path": name, "target": ["y1", "y2"],
                     "features": ["x1"]}, tmp_path, "L1Loss")
    assert two.y_train.shape == (8, 2) and two.input_shape == (1,)
    with pytest.raises(DataError, match="holds text"):
        load(tmp_path, write(tmp_path, csv_rows(), "t.csv"), "MSELoss")


def test_binary_and_numeric_class_labels(tmp_path):
    b = load(tmp_path, write(tmp_path, csv_rows()), "BCEWithLogitsLoss")
    assert b.task == "binary" and b.y_train.shape[1:] == (1,)
    nums = write(tmp_path, "f,label\n" + "".join(f"{i % 7},{[2, 10, 1][i % 3]}\n" for i in range(30)),
                 "n.csv")
    c = load(tmp_path, nums)
    assert c.class_names == ["1", "2", "10"]  # numeric labels sort as numbers


def test_tsv_and_semicolon(tmp_path):
    b = load(tmp_path, write(tmp_path, "a\tlabel\n1\tx\n5\ty\n3\tx\n4\ty\n5\tx\n", "d.tsv"))
    assert b.input_shape == (1,)
    c = load(tmp_path, write(tmp_path, "a;b;label\n1;2;x\n3;3;y\n2;4;x\n4;5;y\n5;5;x\n", "s.csv"))
    assert c.input_shape == (2,)


def test_normalization_uses_training_rows_only(tmp_path):
    rows = "".join(f"{v},{i % 2}\n" for i, v in enumerate(np.arange(50) ** 2))
    b = load(tmp_path, write(tmp_path, "v,label\n" + rows), split={"val": 0.4, "seed": 2})
    raw = load(tmp_path, "data.csv", split={"val": 0.4, "seed": 2}, normalize="none")
    assert b.normalization["mean"][0] == pytest.approx(float(raw.x_train.double().mean()))
    assert b.normalization["std"][0] == pytest.approx(
        float(raw.x_train.double().std(unbiased=False)))


def test_short_and_first_long_rows_are_named(tmp_path):
    """pandas' parser fills a short row with missing cells and makes a long first row its
    index: both are refused, naming the row."""
    with pytest.raises(DataError, match="row 3 has 2 cells"):
        load(tmp_path, write(tmp_path, "a,b,label\n1,2,x\n3,y\n4,5,x\n"))
    with pytest.raises(DataError, match="row 2 has 3 cells"):
        load(tmp_path, write(tmp_path, "a,label\n1,x,z\n2,y\n", "long.csv"))
    # an empty last cell is a missing value, not a short row
    b = load(tmp_path, write(tmp_path, "a,label,c\n1,x,\n2,y,3\n3,x,4\n4,y,5\n", "ok.csv"))
    assert b.info["missing"]["columns"] == {"c": 1}


def test_true_false_keep_the_file_spelling(tmp_path):
    b = load(tmp_path, write(tmp_path, "f,label\n" + "".join(
        f"{['TRUE', 'false', ''][i % 3]},{i % 2}\n" for i in range(12))))
    assert b.plan["features"][0]["levels"] == ["TRUE", "false"]


def test_a_header_longer_than_the_sniffed_head_is_read_whole(tmp_path):
    """12,000 columns: the header line alone is over 64 KB (the sniffed head); it was cut and
    read as a duplicated name."""
    names = [f"feature{i}" for i in range(12000)]
    rows = [",".join(str((r * 7 + i) % 5) for i in range(12000)) + f",{r % 2}" for r in range(10)]
    write(tmp_path, ",".join(names + ["label"]) + "\n" + "\n".join(rows) + "\n")
    b = load(tmp_path, "data.csv")
    assert b.input_shape == (12000,)


def test_a_file_with_carriage_returns_alone_is_sniffed_from_its_head(tmp_path):
    """Old Mac line ends (\\r only): the head is not read on to the end of the file looking for
    a \\n, and the table loads."""
    from netbuilder.data.csv_read import _first_bytes

    rows = "".join(f"{i % 7},{(i * 3) % 11},{i % 2}\r" for i in range(40000))
    path = tmp_path / "data.csv"
    path.write_bytes(("a,b,label\r" + rows).encode())
    assert path.stat().st_size > 200_000 and len(_first_bytes(path)) == 65536
    b = load(tmp_path, "data.csv")
    assert b.input_shape == (2,)
