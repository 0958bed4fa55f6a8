"""The training settings are declared once (netbuilder/training_fields.py): validation, the
command line, the runtime config and the docs all follow the table; older sections migrate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netbuilder import training_fields as F
from netbuilder.cli import build_parser, main
from netbuilder.session import Overrides, apply_overrides
from netbuilder.spec import load_project, save_project
from netbuilder.templates import load_template, template_path
from netbuilder.train import TrainError, TrainSettings
from netbuilder.train.settings import PLAIN

ROOT = Path(__file__).resolve().parent.parent


def test_the_file_format_page_shows_the_declared_table():
    page = (ROOT / "docs" / "project-format.md").read_text(encoding="utf-8")
    assert F.doc_table() in page, ("docs/project-format.md's `training` table is out of date; print the new one with "
                                   "python -c 'from netbuilder.training_fields import doc_table; print(doc_table())'")
    for s in F.SETTINGS:
        assert f"| `{s.name}` |" in page
        for f in s.fields:
            assert f"| `{s.name}.{f.name}` |" in page


def test_every_known_field_is_declared_and_parsed():
    from netbuilder.train.settings import KEYS

    assert set(KEYS) == {"version", *(s.name for s in F.SETTINGS)}
    s = TrainSettings.from_dict({})
    for name in PLAIN:  # each plain setting is read from the section, with the declared default
        assert getattr(s, name) == F.BY_NAME[name].default
    assert s.optimizer_args["lr"] == F.setting("optimizer.lr").default
    assert s.early_stopping is None and TrainSettings.from_dict({"early_stopping": {"monitor": "val_loss"}}) \
        .early_stopping == {"monitor": "val_loss", "patience": 5, "min_delta": 0.0}


@pytest.mark.parametrize("path", [f"{s.name}.{f.name}" if f is not s else s.name
                                  for s in F.SETTINGS for f in (s, *s.fields)
                                  if f.kind in ("int", "float") and f.minimum is not None])
def test_a_number_below_its_declared_minimum_is_refused_naming_the_field(path):
    s = F.setting(path)
    head = path.split(".")[0]
    section = {"recipe": head} if head in F.RECIPE_SECTIONS else {}
    bad = F.put(section, path, s.minimum - 1)
    with pytest.raises(TrainError) as err:
        TrainSettings.from_dict(bad)
    kind = "an integer" if s.kind == "int" else "a number"
    assert err.value.message == f"training.{path} must be {kind} >= {s.minimum:g}, got {s.minimum - 1!r}."


@pytest.mark.parametrize("name", [s.name for s in F.SETTINGS if s.kind == "choice"])
def test_a_value_outside_the_declared_choices_is_refused_with_them(name):
    with pytest.raises(TrainError) as err:
        TrainSettings.from_dict({name: "bogus"})
    assert err.value.message == f'training.{name} "bogus" is not one of {", ".join(F.BY_NAME[name].choices)}.'


def test_the_runtime_config_carries_every_declared_config_setting():
    config = TrainSettings.from_dict({"batch_size": 7, "mixed_precision": "bf16"}).runtime_config("classification")
    for name in PLAIN:
        assert (name in config) == F.BY_NAME[name].config
    assert config["batch_size"] == 7 and config["mixed_precision"] == "bf16"


# ----- versions -----------------------------------------------------------------------------
def test_a_version_1_section_is_migrated_on_load_and_saved_as_the_newest(tmp_path):
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["training"] = {"epochs": 2, "amp": "bf16"}  # version 1: no version, `amp`
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    project = load_project(old)
    assert project.training == {"version": F.VERSION, "mixed_precision": "bf16", "epochs": 2}
    assert TrainSettings.from_dict(project.training).mixed_precision == "bf16"
    save_project(project, tmp_path / "new.json")
    saved = json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["training"]
    assert saved == {"version": 2, "mixed_precision": "bf16", "epochs": 2}
    assert load_project(tmp_path / "new.json").training == project.training  # a migrated file stays as it is
    assert F.migrate({"amp": "fp16", "version": 1}) == {"version": 2, "mixed_precision": "fp16"}
    assert TrainSettings.from_dict({"amp": "fp16"}).mixed_precision == "fp16"  # sections built in code too


@pytest.mark.parametrize("version, words", [(3, "saved by a newer NetBuilder"), ("2", "positive integer"),
                                            (0, "positive integer")])
def test_a_newer_or_broken_training_version_is_named(tmp_path, capsys, version, words):
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["training"]["version"] = version
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["validate", str(path), "--json"]) == 1
    (err,) = json.loads(capsys.readouterr().out)["errors"]
    assert err["field"] == "training.version" and words in err["message"], err


# ----- the command line ---------------------------------------------------------------------
def test_train_has_a_flag_for_every_declared_flag_and_it_sets_that_setting():
    train = build_parser().parse_args(["train", "p.json"])  # nothing given: the project's own values
    assert F.flag_values(train) == {}
    parser = build_parser()
    options = {a.option_strings[0]: a for a in parser.commands["train"]._actions if a.option_strings}
    values = {"int": "3", "float": "0.25"}
    argv = ["train", "p.json"]
    for path, s in F.flagged():
        assert s.flag in options and options[s.flag].help.startswith(f"training.{path}: ")
        argv += [s.flag, s.choices[-1] if s.kind == "choice" else values[s.kind]] if s.kind != "bool" else [s.flag]
    over = Overrides.from_args(parser.parse_args(argv))
    training = apply_overrides(load_template("mlp"), over).training
    for path, s in F.flagged():
        head, _, rest = path.partition(".")
        got = training[head][rest] if rest else training[head]
        want = {"int": 3, "float": 0.25, "bool": True}.get(s.kind, s.choices[-1] if s.choices else None)
        assert got == want, path
    assert training["optimizer"]["type"] == load_template("mlp").training["optimizer"]["type"]  # the rest kept
    TrainSettings.from_dict(training)


def test_the_exported_train_py_takes_the_same_declared_flags_and_puts_them_in_its_config():
    from netbuilder.export.python import train_config
    from netbuilder.runtime import script

    project = load_template("mlp")
    config = train_config(project, TrainSettings.from_dict(project.training), None)
    assert [f["flag"] for f in config["flags"]] == [s.flag for _, s in F.flagged()]
    values = {"int": "3", "float": "0.25"}
    argv = []
    for path, s in F.flagged():
        argv += [s.flag, s.choices[-1] if s.kind == "choice" else values[s.kind]] if s.kind != "bool" else [s.flag]
    given = script.apply_flags(json.loads(json.dumps(config)), script.parse_args(config, Path("."), argv))
    for path, s in F.flagged():
        head, _, rest = path.partition(".")
        got = given[head][rest] if rest else given[head]
        assert got == {"int": 3, "float": 0.25, "bool": True}.get(s.kind, s.choices[-1] if s.choices else None), path
    kept = script.apply_flags(json.loads(json.dumps(config)), script.parse_args(config, Path("."), []))
    assert {k: v for k, v in kept.items() if k != "device"} == config and kept["device"] == "auto"


def test_a_command_without_the_training_flags_sets_no_training_setting():
    args = build_parser().parse_args(["cv", "p.json", "--folds", "2", "--seed", "7", "--epochs", "2"])
    assert F.flag_values(args) == {} and Overrides.from_args(args).settings == {}


def test_a_bad_flag_value_is_named_as_typed(capsys):
    over = Overrides.from_args(build_parser().parse_args(["train", "p.json", "--batch-size", "0"]))
    with pytest.raises(TrainError, match=r"^--batch-size must be an integer >= 1, got 0\.$"):
        apply_overrides(load_template("mlp"), over)


def test_shuffle_off_keeps_the_data_order_and_on_draws_a_new_one_each_epoch():
    from types import SimpleNamespace

    import torch

    from netbuilder.runtime.loop import Loop

    def batches(shuffle):  # the loop's own batching, on the config the settings make (no model needed)
        config = TrainSettings.from_dict({"batch_size": 4, "shuffle": shuffle}).runtime_config("classification")
        loop = SimpleNamespace(config=config, gen=torch.Generator().manual_seed(0), device=torch.device("cpu"),
                               world=1, rank=0)
        return [torch.cat(Loop.batches(loop, 12)).tolist() for _ in range(2)]

    assert batches(False) == [list(range(12))] * 2
    first, second = batches(True)
    assert sorted(first) == list(range(12)) and first != list(range(12)) and first != second
