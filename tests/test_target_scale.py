"""A regression target of a table is standardised by its training rows (data.scale_target,
on by default): the loss is on that scale, predictions and metrics are in the target's units,
and the scaling is part of the saved plan, so raw rows predict alike in the app, the CLI and
predict.py. Plans saved before it (no scaling) still predict as they did."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from export_helpers import predict_three_ways

from netbuilder.data import DataError, load_data
from netbuilder.data.plan import PLAN_FILE
from netbuilder.data.predict import plan_for, predict_file, trained_model
from netbuilder.data.report import data_report
from netbuilder.runtime.metrics import scores
from netbuilder.runtime.safetensors_io import read_metadata, read_tensors, tensor_bytes
from netbuilder.runtime.weights_meta import NOT_SCALED, TARGET_SCALE, UNKNOWN, recorded_target_scale
from netbuilder.spec import load_project
from netbuilder.templates import load_template


def salaries(tmp_path, rows=240):
    """A salary in the hundreds of thousands from two numbers and a level."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    level = rng.choice(["junior", "senior"], size=rows)
    pay = 300_000 + 90_000 * a - 40_000 * b + 120_000 * (level == "senior") + rng.normal(0, 5_000, rows)
    lines = ["a,b,level,pay"] + [f"{x:.4f},{y:.4f},{lv},{p:.2f}" for x, y, lv, p in zip(a, b, level, pay)]
    (tmp_path / "pay.csv").write_text("\n".join(lines) + "\n")
    return pay


def spec(**extra):
    return {"kind": "csv", "path": "pay.csv", "target": "pay", "split": {"val": 0.25, "seed": 1}, **extra}


def test_the_target_is_standardised_on_the_training_rows_and_the_plan_keeps_how(tmp_path):
    salaries(tmp_path)
    b = load_data(spec(), tmp_path, "MSELoss")
    y = b.y_train.double()
    assert abs(float(y.mean())) < 1e-5 and abs(float(y.std(unbiased=False)) - 1) < 1e-5
    shift, scale = b.plan["target"]["shift"][0], b.plan["target"]["scale"][0]
    assert 250_000 < shift < 400_000 and 50_000 < scale < 200_000
    assert b.target_scale == {"shift": [shift], "scale": [scale]}
    assert b.runtime_config() == {"target_scale": b.target_scale}
    raw = float(b.original_units(b.y_val[:1]).item())  # back in salary units
    assert 100_000 < raw < 600_000
    report = data_report(b)
    assert report["target_scale"] == b.target_scale

    off = load_data(spec(scale_target=False), tmp_path, "MSELoss")
    assert off.target_scale is None and "shift" not in off.plan["target"]
    assert float(off.y_train.mean()) > 100_000 and data_report(off)["target_scale"] is None
    with pytest.raises(DataError, match="data.scale_target must be true or false"):
        load_data(spec(scale_target="yes"), tmp_path, "MSELoss")
    classes = load_data({**spec(), "target": "level"}, tmp_path, None)
    assert classes.task == "classification" and classes.target_scale is None


def test_a_classifier_refuses_a_scale_target_that_is_not_true_or_false(tmp_path, capsys):
    """True or false does nothing to a class target (it is never scaled), but "yes" is a typo
    wherever it is: load_data, the Data tab (its error) and `netbuilder validate` refuse it,
    before the file is read."""
    from netbuilder.cli import main

    salaries(tmp_path)
    for value in (True, False):
        assert load_data({**spec(scale_target=value), "target": "level"}, tmp_path, None).target_scale is None
    with pytest.raises(DataError, match='data.scale_target must be true or false; got "yes"') as err:
        load_data({**spec(scale_target="yes"), "target": "level"}, tmp_path, None)
    assert err.value.field == "data.scale_target"
    with pytest.raises(DataError, match="data.scale_target must be true or false"):
        load_data({**spec(scale_target=1), "path": "absent.csv"}, tmp_path, None)
    project = load_template("mlp").to_dict()
    project["data"] = {**spec(scale_target="yes"), "target": "level"}
    (tmp_path / "p.json").write_text(json.dumps(project))
    assert main(["validate", str(tmp_path / "p.json"), "--json"]) != 0
    report = json.loads(capsys.readouterr().out)
    assert not report["valid"] and report["errors"][0]["field"] == "data.scale_target"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from netbuilder.session import run_training

    tmp_path = tmp_path_factory.mktemp("pay")
    salaries(tmp_path)
    project = load_template("mlp").to_dict()
    project["graph"]["nodes"][0]["params"].pop("shape")  # left to the data
    fc3 = next(n for n in project["graph"]["nodes"] if n["id"] == "fc3")
    fc3["params"]["out_features"] = 1
    project["training"].pop("metrics", None)
    project["training"].update(loss="MSELoss", epochs=3)
    project["data"] = spec()
    (tmp_path / "p.json").write_text(json.dumps(project))
    result = run_training(load_project(tmp_path / "p.json"), tmp_path, out_dir=tmp_path / "run")
    assert result.status == "done"
    return tmp_path, result


def test_metrics_are_in_the_targets_units_and_the_loss_on_its_scale(trained):
    tmp_path, result = trained
    project = load_project(tmp_path / "p.json")
    b = load_data(project.data, tmp_path, "MSELoss")
    model, _ = trained_model(project, tmp_path / "run" / "best.safetensors", b.plan)
    with torch.no_grad():
        out = model(b.x_val)
    want = scores("regression", b.original_units(out), b.original_units(b.y_val), ["mae", "r2"])
    assert want["mae"] > 1_000 > scores("regression", out, b.y_val, ["mae"])["mae"]
    assert math.isclose(result.metrics["mae"], want["mae"], rel_tol=1e-4)
    assert math.isclose(result.metrics["r2"], want["r2"], rel_tol=1e-4, abs_tol=1e-6)
    assert result.val_loss < 100  # the loss is on the standardised target
    assert min(result.evaluation["actual"]) > 10_000  # the Evaluation tab's scatter: salaries


def test_raw_rows_predict_in_the_targets_units_alike_in_the_app_the_cli_and_predict_py(
        trained, monkeypatch):
    tmp_path, _ = trained
    new = tmp_path / "new.csv"
    new.write_text("a,b,level\n0,0,junior\n1.5,-1,senior\nNA,0.3,\n")
    weights = tmp_path / "run" / "best.safetensors"
    _, app = predict_three_ways(tmp_path / "p.json", tmp_path, weights, new, monkeypatch)
    plan = json.loads((tmp_path / "run" / PLAN_FILE).read_text())
    assert plan["target"]["scale"][0] > 1_000  # the scaling is saved with the run
    exported = json.loads((tmp_path / "exp" / PLAN_FILE).read_text())
    assert exported["target"] == plan["target"]
    values = [float(row[0]) for row in app.values]
    assert all(50_000 < v < 700_000 for v in values)  # salaries, not standard deviations

    # a run saved before targets were scaled: its plan has no scaling and predicts as it did
    old = tmp_path / "old"
    old.mkdir()
    for name in ("best.safetensors", "project.json"):
        (old / name).write_bytes((tmp_path / "run" / name).read_bytes())
    del plan["target"]["shift"], plan["target"]["scale"]
    (old / PLAN_FILE).write_text(json.dumps(plan))
    before = predict_file(load_project(tmp_path / "p.json"), tmp_path, old / "best.safetensors", new)
    shift, scale = exported["target"]["shift"][0], exported["target"]["scale"][0]
    for got, now in zip(before.values, values):
        assert math.isclose(float(got[0]) * scale + shift, now, rel_tol=1e-5)


def test_the_exported_train_py_repeats_the_app_run_in_the_targets_units(trained, tmp_path):
    """The bundle's data.pt holds the standardised target and its train_config the scaling:
    its losses and metrics equal the app's run (which was in salary units)."""
    from test_export_train_script import _run_exported

    from netbuilder.export import export_python

    folder, result = trained
    export_python(load_project(folder / "p.json"), tmp_path / "bundle", base_dir=folder)
    config = json.loads((tmp_path / "bundle" / "train_config.json").read_text())
    assert config["target_scale"]["scale"][0] > 1_000
    logs = _run_exported(tmp_path / "bundle", "--out", str(tmp_path / "bundle" / "run"))
    for ours, theirs in zip(logs[:-1], result.history):
        for key in ("train_loss", "val_loss", "val_mae", "val_r2"):
            assert math.isclose(ours[key], theirs[key], rel_tol=1e-6, abs_tol=1e-9), (key, ours, theirs)
    assert theirs["val_mae"] > 1_000  # salary units


def test_a_run_goes_on_with_the_target_scale_it_was_trained_on(tmp_path):
    """Weights fitted to salaries in their own units would be trained on at mean 0, std 1. A run
    from before the scaling has no scale_target in its project and none in its plan."""
    from netbuilder.session import run_training
    from netbuilder.train import TrainError

    salaries(tmp_path)
    project = load_template("mlp").to_dict()
    project["graph"]["nodes"][0]["params"].pop("shape")
    next(n for n in project["graph"]["nodes"] if n["id"] == "fc3")["params"]["out_features"] = 1
    project["training"].pop("metrics", None)
    project["training"].update(loss="MSELoss", epochs=1)
    project["data"] = spec(scale_target=False)  # trained as every run before the scaling
    (tmp_path / "p.json").write_text(json.dumps(project))
    run = tmp_path / "run"
    assert run_training(load_project(tmp_path / "p.json"), tmp_path, out_dir=run).status == "done"
    assert read_metadata(run / "best.safetensors") == {TARGET_SCALE: NOT_SCALED}
    saved = json.loads((run / "project.json").read_text())
    del saved["data"]["scale_target"]  # as an old run's project: no such setting yet
    (run / "project.json").write_text(json.dumps(saved))
    before = {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()}

    project["training"]["epochs"] = 2
    project["data"] = spec()  # scaled, the default now
    (tmp_path / "p.json").write_text(json.dumps(project))
    with pytest.raises(TrainError, match=r"in its own units; to continue it, untick 'Standardise a "
                                         r"numeric target'.*data.scale_target: false") as err:
        run_training(load_project(tmp_path / "p.json"), tmp_path, resume_from=run)
    assert err.value.field == "data.scale_target"
    assert {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before

    project["data"] = spec(scale_target=False)  # what the message says to do
    (tmp_path / "p.json").write_text(json.dumps(project))
    assert run_training(load_project(tmp_path / "p.json"), tmp_path, resume_from=run).epochs == 2

    project["data"] = {**spec(scale_target=False), "path": "./pay.csv", "split": {"val": 0.3, "seed": 1}}
    project["training"]["epochs"] = 3
    (tmp_path / "p.json").write_text(json.dumps(project))
    with pytest.raises(TrainError, match=r"trained with other data settings \(data.split was "):
        run_training(load_project(tmp_path / "p.json"), tmp_path, resume_from=run)


def test_the_weights_record_the_target_scale_they_were_trained_against(trained):
    run_dir, _ = trained
    plan = json.loads((run_dir / "run" / PLAN_FILE).read_text())
    for name in ("best.safetensors", "last.safetensors"):
        meta = read_metadata(run_dir / "run" / name)
        assert recorded_target_scale(meta) == {"shift": plan["target"]["shift"],
                                               "scale": plan["target"]["scale"]}
    assert recorded_target_scale({TARGET_SCALE: NOT_SCALED}) is None
    for unreadable in ({}, {TARGET_SCALE: "{"}, {TARGET_SCALE: '{"shift": [1], "scale": []}'}):
        assert recorded_target_scale(unreadable) == UNKNOWN


def bare_weights(run_dir, folder, metadata):
    """The run's best weights alone in `folder` (no preprocessing.json beside them), with
    `metadata` as their record ({}: a file written before weights recorded the scale)."""
    folder.mkdir()
    tensors = read_tensors((run_dir / "run" / "best.safetensors").read_bytes())
    (folder / "w.safetensors").write_bytes(tensor_bytes(tensors, metadata))
    return folder / "w.safetensors"


def test_weights_without_their_plan_predict_with_the_scale_they_record(trained, tmp_path):
    """Away from the run folder the plan is fitted again from the project; the target scale is
    the one the weights were trained with, whatever data.scale_target says now."""
    run_dir, _ = trained
    new = tmp_path / "new.csv"
    new.write_text("a,b,level\n0,0,junior\n1.5,-1,senior\n")
    project = load_project(run_dir / "p.json")
    in_run = predict_file(project, run_dir, run_dir / "run" / "best.safetensors", new)
    weights = bare_weights(run_dir, tmp_path / "bare", read_metadata(run_dir / "run" / "best.safetensors"))
    project.data["scale_target"] = False  # changed since training: the weights know better
    away = predict_file(project, run_dir, weights, new)
    for ours, theirs in zip(away.values, in_run.values):
        assert math.isclose(float(ours[0]), float(theirs[0]), rel_tol=1e-6)
    assert any("scaled back as the weights were trained (target is standardised" in n
               for n in away.notes)
    assert not any("set data.scale_target to false" in n for n in away.notes)

    # weights trained on the target in its own units (recorded "none") are not scaled back
    raw = bare_weights(run_dir, tmp_path / "raw", {TARGET_SCALE: NOT_SCALED})
    plan, notes = plan_for(raw, load_project(run_dir / "p.json"), run_dir)
    assert "scale" not in plan["target"] and "shift" not in plan["target"]
    assert any("in its own units: predictions are not scaled back" in n for n in notes)
    unscaled = predict_file(load_project(run_dir / "p.json"), run_dir, raw, new)
    scale = json.loads((run_dir / "run" / PLAN_FILE).read_text())["target"]
    for ours, theirs in zip(unscaled.values, in_run.values):
        assert math.isclose(float(ours[0]) * scale["scale"][0] + scale["shift"][0],
                            float(theirs[0]), rel_tol=1e-6)


def test_old_weights_without_the_record_say_the_target_scale_is_assumed(trained, tmp_path):
    run_dir, _ = trained
    old = bare_weights(run_dir, tmp_path / "bare", {})
    plan, notes = plan_for(old, load_project(run_dir / "p.json"), run_dir)
    assert plan["target"]["scale"] and any("set data.scale_target to false" in n for n in notes)
    # a record for two target columns does not belong to this one-column target: as unknown
    other = bare_weights(run_dir, tmp_path / "other", {TARGET_SCALE: json.dumps(
        {"shift": [1.0, 2.0], "scale": [3.0, 4.0]})})
    plan, notes = plan_for(other, load_project(run_dir / "p.json"), run_dir)
    assert len(plan["target"]["scale"]) == 1 and any("set data.scale_target to false" in n for n in notes)


def test_the_export_records_the_scale_and_warns_when_the_weights_were_trained_otherwise(
        trained, tmp_path):
    from netbuilder.export import export_python

    run_dir, _ = trained
    weights = run_dir / "run" / "best.safetensors"
    project = load_project(run_dir / "p.json")
    result = export_python(project, tmp_path / "same", weights=weights, base_dir=run_dir)
    assert not any("scale_target" in w for w in result.warnings)
    config = json.loads((tmp_path / "same" / "train_config.json").read_text())
    assert recorded_target_scale(read_metadata(tmp_path / "same" / "model.safetensors")) == \
        config["target_scale"]
    readme = (tmp_path / "same" / "README.md").read_text()
    shift, scale = config["target_scale"]["shift"][0], config["target_scale"]["scale"][0]
    assert "## The target is standardised" in readme
    assert f"`pay`: mean {shift:.6g}, std {scale:.6g}" in readme
    assert "`predict.py` scales its predictions back" in readme
    assert "The bare model" in readme and 'torch.tensor(target["scale"])' in readme
    assert "python predict.py new_rows.csv" in readme

    project.data["scale_target"] = False  # the weights were trained standardised
    result = export_python(project, tmp_path / "other", weights=weights, base_dir=run_dir)
    assert any("trained on the target standardised, but data.scale_target is now false: set it "
               "to true" in w for w in result.warnings)
    assert read_metadata(tmp_path / "other" / "model.safetensors") == {TARGET_SCALE: NOT_SCALED}
    assert "standardised" not in (tmp_path / "other" / "README.md").read_text()
