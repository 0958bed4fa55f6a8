"""One user-error base (netbuilder.errors.UserError) with absolute locations, rendered by the
command line in one place (netbuilder/cli_report.py)."""

from __future__ import annotations

import json

import pytest

from netbuilder.cli import main
from netbuilder.data import DataError
from netbuilder.errors import ProjectError, TrainError, UserError
from netbuilder.experiments.space import SpaceError
from netbuilder.export.common import ExportError
from netbuilder.importers.builder import ImportRefused
from netbuilder.inspect.activations import InspectError
from netbuilder.session import USER_ERRORS, Overrides, apply_overrides
from netbuilder.spec import InvalidProject
from netbuilder.templates import load_template, template_path
from netbuilder.train import TrainSettings
from netbuilder.weights import WeightsError


@pytest.mark.parametrize("kind", [ProjectError, DataError, TrainError, ExportError, SpaceError, ImportRefused,
                                  InspectError, WeightsError, InvalidProject])
def test_every_user_error_has_the_one_base(kind):
    assert issubclass(kind, UserError) and issubclass(kind, USER_ERRORS)


def test_data_and_training_errors_stay_value_errors_and_project_errors_do_not():
    assert issubclass(DataError, ValueError) and issubclass(TrainError, ValueError)  # callers catch ValueError
    assert not issubclass(ProjectError, ValueError)


@pytest.mark.parametrize("training, field", [
    ({"optimizer": {"type": "Adam", "lr": "fast"}}, "training.optimizer.lr"),
    ({"epochs": 0}, "training.epochs"),
    ({"early_stopping": {"patience": 0}}, "training.early_stopping.patience"),
    ({"recipe": "vae", "vae": {"kl_weight": -1}}, "training.vae.kl_weight"),
    ({"bogus": 1}, "training.bogus"),
])
def test_a_training_error_names_its_field_from_the_top_of_the_project(training, field):
    with pytest.raises(TrainError) as err:
        TrainSettings.from_dict(training)
    assert err.value.field == field and field.rsplit(".", 1)[-1] in err.value.message


def test_a_flag_error_names_the_setting_it_would_set():
    with pytest.raises(TrainError) as err:
        apply_overrides(load_template("mlp"), Overrides(settings={"optimizer.lr": float("nan")}))
    assert err.value.field == "training.optimizer.lr" and err.value.message.startswith("--lr ")


def _csv_project(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8,y\n", encoding="utf-8")
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["data"] = {"kind": "csv", "path": "d.csv", "target": "label", "missing": "error"}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_a_data_error_carries_the_file_row_and_column_to_every_command(tmp_path, capsys):
    path = _csv_project(tmp_path)
    where = {"node": None, "field": "data", "path": str(tmp_path / "d.csv"), "row": 3, "column": "b"}
    assert main(["validate", path, "--json"]) == 1
    (err,) = json.loads(capsys.readouterr().out)["errors"]
    assert {k: v for k, v in err.items() if k != "message"} == where
    assert err["message"].startswith('d.csv row 3, column "b": is empty')
    for command in (["train", path, "--epochs", "1", "--out", str(tmp_path / "run")], ["data", path]):
        assert main([*command, "--json"]) == 1, command
        captured = capsys.readouterr()
        out = json.loads(captured.out)
        assert out["error"] == err["message"] and out["errors"] == [err], command
        assert captured.err == f"error: {err['message']}\n"  # the text: the same words, one line


def test_an_invalid_project_reports_each_problem_once_in_text_and_json(tmp_path, capsys):
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["graph"]["nodes"][1]["type"] = "Nope"
    doc["graph"]["nodes"][2]["type"] = "Nada"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["summary", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [e["node"] for e in out["errors"]] == [doc["graph"]["nodes"][1]["id"], doc["graph"]["nodes"][2]["id"]]
    assert captured.err.count("error: ") == 2
