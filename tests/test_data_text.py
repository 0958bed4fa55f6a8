"""A text column as word ids: a tokenizer fitted on the training rows (vocabulary size and
sequence length settable, <pad> in front, <unk> for other words) feeding an Embedding; raw text
rows predicted alike by the GUI's call, the CLI and predict.py."""

import json

import numpy as np
import pytest
import torch
from export_helpers import predict_three_ways

from netbuilder.cli import main
from netbuilder.data import DataError, load_data
from netbuilder.data.csv_read import read_frame
from netbuilder.data.plan import encode_frame
from netbuilder.data.plan_apply import encode_rows, read_rows

ROWS = ["the cat sat on the mat,pets,3", "a dog ran,pets,1", "the stock market fell,money,2",
        "prices rose again today,money,5", "NA,pets,4", "zebra crossing the road,pets,9"]


def text_csv(tmp_path):
    (tmp_path / "t.csv").write_text("text,label,n\n" + "\n".join(ROWS) + "\n")
    return {"kind": "csv", "path": "t.csv", "target": "label", "types": {"text": "tokens"},
            "vocabulary": 8, "sequence_length": 4}


def test_tokenizer_fitted_on_training_rows(tmp_path):
    spec = text_csv(tmp_path)
    bundle = load_data(spec, tmp_path, None, choose_indices=lambda n: (
        np.arange(5), np.array([5]), np.zeros(0, np.int64)))  # "zebra ..." is validation only
    plan = bundle.plan["features"]
    assert len(plan) == 1 and plan[0]["type"] == "tokens"
    vocabulary = plan[0]["vocabulary"]
    # <pad>, <unk>, then the 6 most frequent training words ("the" twice first; ties by name)
    assert vocabulary == ["<pad>", "<unk>", "the", "a", "again", "cat", "dog", "fell"]
    assert "zebra" not in vocabulary
    assert bundle.x_train.dtype == torch.int64 and bundle.input_shape == (4,)
    assert bundle.info["layout"] == "tokens" and bundle.info["tokens"]["vocabulary"] == 8
    ids = bundle.x_train.tolist()
    assert ids[0] == [2, 5, 1, 1]  # the first 4 words: "the cat sat on" (sat, on unknown)
    assert ids[1] == [0, 3, 6, 1]  # padded in front
    assert ids[4] == [0, 0, 0, 0]  # a missing cell is no words
    assert bundle.x_val.tolist() == [[1, 1, 2, 1]]
    columns = {c["name"]: c for c in bundle.info["columns"]}
    assert columns["n"]["role"] == "ignored" and "one input" in columns["n"]["why"]
    # new raw rows are encoded by the same tokenizer (the code predict.py carries)
    frame, _ = read_frame(tmp_path / "t.csv", spec)
    header, rows = read_rows(tmp_path / "t.csv", bundle.plan)
    inputs, notes = encode_rows(header, rows, bundle.plan)
    assert inputs == encode_frame(frame, bundle.plan).tolist()
    assert notes[("text", "missing")] == 1 and notes[("text", "unknown words")] == 5


def test_token_settings_and_two_token_columns_are_checked(tmp_path):
    spec = text_csv(tmp_path)
    with pytest.raises(DataError, match="data.sequence_length must be a whole number"):
        load_data({**spec, "sequence_length": 0}, tmp_path, None)
    with pytest.raises(DataError, match="only one column can be read as tokens"):
        load_data({**spec, "types": {"text": "tokens", "n": "tokens"}}, tmp_path, None)


def test_sample_sentences_train_and_raw_text_predicts_alike(tmp_path, monkeypatch, capsys):
    project = tmp_path / "p.json"
    assert main(["new", "--template", "transformer", "--sample-data", "-o", str(project)]) == 0
    capsys.readouterr()
    doc = json.loads(project.read_text())
    doc["graph"]["nodes"][1]["params"]["num_embeddings"] = 50  # too few ids: refused by name
    (tmp_path / "small.json").write_text(json.dumps(doc))
    assert main(["validate", str(tmp_path / "small.json"), "--json"]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors[0]["node"] == "embed" and "set its num_embeddings to" in errors[0]["message"]

    assert main(["train", str(project), "--epochs", "8", "--out", str(tmp_path / "run")]) == 0
    new = tmp_path / "new.csv"
    new.write_text("sentence\nThe chef cooked a spicy curry.\nHeavy rain flooded the valley.\n"
                   "Our server crashed twice.\nThe captain scored twice in the final.\nNA\n")
    weights = tmp_path / "run" / "best.safetensors"
    cli, gui = predict_three_ways(project, tmp_path, weights, new, monkeypatch)
    assert any("read as no words" in n for n in gui.notes)
    lines = cli.splitlines()
    assert lines[0] == "sentence,prediction,p_food,p_sport,p_technology,p_weather"
    assert [line.split(",")[1] for line in lines[1:5]] == ["food", "weather", "technology", "sport"]
