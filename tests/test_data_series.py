"""Time series from a CSV: windows in file order, a chronological split, preprocessing fitted on
the training windows' rows only, and predictions for raw recent rows (GUI call, CLI, predict.py
alike)."""

import json

import numpy as np
import pytest
import torch
from export_helpers import predict_three_ways

from netbuilder.cli import main
from netbuilder.data import DataError, load_data
from netbuilder.experiments.cv import _overlap, fold_plan
from netbuilder.spec import load_project

N = 60


def series_csv(tmp_path, missing_row=None):
    """A date, a feature `a` and the target `b` (a sine), in time order."""
    t = np.arange(N)
    a, b = np.cos(t * 0.3) * 5 + 10, np.sin(t * 0.3) + t * 0.05
    lines = ["day,a,b"] + [f"2024-01-{i % 28 + 1:02d},{a[i]:.6f},{b[i]:.6f}" for i in t]
    if missing_row is not None:
        day, _, target = lines[missing_row + 1].split(",")
        lines[missing_row + 1] = f"{day},NA,{target}"
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n")
    return a, b


def spec(**extra):
    return {"kind": "csv", "path": "s.csv", "target": "b", "window": 5, "horizon": 2,
            "split": {"val": 0.2, "test": 0.1}, **extra}


def test_windows_split_in_time_order_and_fit_on_training_rows(tmp_path):
    a, b = series_csv(tmp_path)
    bundle = load_data(spec(), tmp_path, None)
    count = N - 5 - 2 + 1
    n_val, n_test = round(count * 0.2), round(count * 0.1)
    n_train = count - n_val - n_test
    assert bundle.info["layout"] == "sequence" and bundle.input_shape == (5, 2)
    assert [len(bundle.x_train), len(bundle.x_val), len(bundle.x_test)] == [n_train, n_val, n_test]
    roles = {c["name"]: (c["role"], c["type"], c["features"]) for c in bundle.info["columns"]}
    assert roles == {"day": ("ignored", "date", 0), "a": ("feature", "numeric", 1),
                     "b": ("target", "numeric", 1)}  # the target's past values are inputs
    # scaling saw only the rows the training windows read (targets included), never later ones
    seen = slice(0, n_train - 1 + 5 + 2)
    raw = np.stack([a, b], axis=1)
    mean, std = raw[seen].mean(axis=0), raw[seen].std(axis=0)
    features = {f["name"]: f for f in bundle.plan["features"]}
    assert [features["a"]["shift"], features["b"]["shift"]] == pytest.approx(mean)
    # sample i reads rows i..i+4 (features a, b); its target is b at row i+6, scaled
    target = bundle.plan["target"]
    first_val = n_train
    expect_x = (raw[first_val:first_val + 5] - mean) / std
    np.testing.assert_allclose(bundle.x_val[0].numpy(), expect_x, rtol=1e-4, atol=1e-5)
    expect_y = (b[first_val + 6] - target["shift"][0]) / target["scale"][0]
    assert float(bundle.y_val[0, 0]) == pytest.approx(expect_y, rel=1e-4)
    assert target["shift"][0] == pytest.approx(b[6:6 + n_train].mean())
    # cross-validation sees a sequence: contiguous blocks, trained on what comes before
    assert _overlap(spec()) == 6
    plan, strategy = fold_plan(count, 3, None, bundle.info["layout"], 0, _overlap(spec()))
    assert strategy.startswith("time-ordered")
    train, val = plan[1]
    assert np.all(np.diff(val) == 1) and not set(range(val[0] - 5, val[-1] + 6)) & set(train)


def test_fold_rows_decide_the_scaling(tmp_path):
    series_csv(tmp_path)
    count = N - 6
    first = load_data(spec(), tmp_path, None, choose_indices=lambda n: (
        np.arange(10), np.arange(20, 30), np.zeros(0, np.int64)))
    assert first.info["counts"] == {"train": 10, "val": 10, "test": 0}
    later = load_data(spec(), tmp_path, None, choose_indices=lambda n: (
        np.arange(30, count), np.arange(10), np.zeros(0, np.int64)))
    assert first.plan["features"][0]["shift"] != later.plan["features"][0]["shift"]


def test_missing_feature_imputed_and_bad_windows_refused(tmp_path):
    series_csv(tmp_path, missing_row=3)
    bundle = load_data(spec(), tmp_path, None)
    assert bundle.info["missing"]["columns"] == {"a": 1}
    assert torch.isfinite(bundle.x_train).all()
    with pytest.raises(DataError, match="too few for windows of 58 rows"):
        load_data(spec(window=58), tmp_path, None)
    with pytest.raises(DataError, match="data.horizon needs data.window"):
        load_data({k: v for k, v in spec().items() if k != "window"}, tmp_path, None)
    with pytest.raises(DataError, match="data.window must be a whole number"):
        load_data(spec(window=0), tmp_path, None)


def test_sample_series_trains_and_predicts_recent_rows_everywhere(tmp_path, monkeypatch, capsys):
    """new --sample-data binds the GRU template to the shipped El Nino series; one epoch; the
    next value for a file of recent rows from the CLI, the GUI's call and predict.py agree."""
    project = tmp_path / "p.json"
    assert main(["new", "--template", "gru_forecaster", "--sample-data", "-o", str(project)]) == 0
    assert main(["data", str(project), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (report["window"], report["horizon"], report["rows"], report["samples"]) == (32, 1, 732, 700)
    assert report["input_shape"] == [32, 1]
    assert main(["train", str(project), "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    weights = tmp_path / "run" / "best.safetensors"
    lines = (tmp_path / "elnino.csv").read_text().splitlines()
    recent = tmp_path / "recent.csv"
    recent.write_text("\n".join([lines[0]] + lines[-34:]) + "\n")
    cli, _ = predict_three_ways(project, tmp_path, weights, recent, monkeypatch)
    rows = [r.split(",") for r in cli.splitlines()[1:]]
    assert [r[-1] for r in rows[:31]] == [""] * 31  # no full window yet
    values = [float(r[-1]) for r in rows[31:]]
    assert len(values) == 3 and all(15 < v < 30 for v in values)  # degrees, scaled back
    # ...and they are the model's outputs on the training windows, scaled back
    from netbuilder.compiler import build_model
    from netbuilder.data.plan import read_plan
    from netbuilder.session import load_project_data
    from netbuilder.train.checkpoint import load_model

    bundle = load_project_data(load_project(project), tmp_path)
    model = build_model(load_project(project))
    load_model(weights, model)
    plan = read_plan(tmp_path / "run" / "preprocessing.json")
    with torch.no_grad():
        last = model(bundle.x_test[-1:]).item() * plan["target"]["scale"][0] + plan["target"]["shift"][0]
    assert values[-2] == pytest.approx(last, rel=1e-5)  # the last test window ends one row earlier
