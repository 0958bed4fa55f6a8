"""Frozen nodes: their parameters and BatchNorm statistics stay as they were while the rest trains."""

import pytest
import torch

from netbuilder.codegen import render_model
from netbuilder.errors import ProjectError
from netbuilder.session import prepare
from netbuilder.spec import parse_project
from netbuilder.summary import summarize
from netbuilder.train import train
from tests.helpers import chain, project_doc


def small_cnn(frozen=("c1", "bn1")):
    project = chain({"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
                    {"id": "c1", "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}},
                    {"id": "bn1", "type": "BatchNorm2d"}, {"id": "r1", "type": "ReLU"},
                    {"id": "flat", "type": "Flatten"},
                    {"id": "fc", "type": "Linear", "params": {"out_features": 10}}, {"id": "y", "type": "Output"})
    for n in project.nodes:
        n.frozen = n.id in frozen
    project.data = {"kind": "builtin", "name": "digits"}
    project.training = {"loss": "CrossEntropyLoss", "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
                        "batch_size": 64, "epochs": 1, "seed": 0}
    return project


def test_frozen_parameters_and_statistics_stay_bit_identical_while_the_head_trains():
    prepared = prepare(small_cnn(), ".")
    before = {k: v.clone() for k, v in prepared.model.state_dict().items()}
    train(prepared.model, prepared.bundle, prepared.settings)
    after = prepared.model.state_dict()
    for key in ("c1.weight", "c1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked"):
        assert torch.equal(before[key], after[key]), key
    for key in ("fc.weight", "fc.bias"):
        assert not torch.equal(before[key], after[key]), key


def test_without_the_freeze_the_same_run_moves_the_features():
    prepared = prepare(small_cnn(frozen=()), ".")
    before = {k: v.clone() for k, v in prepared.model.state_dict().items()}
    train(prepared.model, prepared.bundle, prepared.settings)
    after = prepared.model.state_dict()
    assert not torch.equal(before["c1.weight"], after["c1.weight"])
    assert not torch.equal(before["bn1.running_mean"], after["bn1.running_mean"])


def test_the_summary_counts_trainable_and_frozen_parameters():
    summary = summarize(small_cnn())
    conv, bn, fc = 4 * 9 + 4, 8, 4 * 6 * 6 * 10 + 10
    assert summary.total_params == conv + bn + fc
    assert summary.trainable_params == fc
    assert summary.to_dict()["frozen_params"] == conv + bn


def test_exported_code_freezes_the_same_layers_and_the_file_keeps_the_field():
    project = small_cnn(frozen=("c1", "bn1", "r1"))
    source = render_model(project)
    assert "for layer in (self.c1, self.bn1):" in source  # the ReLU has nothing to freeze
    assert "def train(self, mode=True):" in source
    doc = project.to_dict()
    assert [n["id"] for n in doc["graph"]["nodes"] if n.get("frozen")] == ["c1", "bn1", "r1"]
    assert "frozen" not in doc["graph"]["nodes"][-1]
    assert [n.frozen for n in parse_project(doc).nodes] == [n.frozen for n in project.nodes]
    assert "def train" not in render_model(small_cnn(frozen=("c1",)))


def test_a_frozen_field_that_is_not_a_boolean_is_refused_naming_the_node():
    doc = project_doc([{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear", "frozen": "yes"}], [("x", "fc")])
    with pytest.raises(ProjectError, match="Node 'fc': 'frozen' must be true or false") as info:
        parse_project(doc)
    assert info.value.node == "fc"


def test_frozen_code_passes_ruff(tmp_path):
    from tests.test_export_python import _ruff

    many = small_cnn(frozen=("c1", "bn1", "fc"))
    for n in many.nodes:  # long ids: the freeze loop wraps as ruff format wraps it
        n.id = n.id if n.type in ("Input", "Output") else f"{n.id}_with_long_name"
    many.edges = [type(e)(*(i if i in ("x", "y") else f"{i}_with_long_name" for i in (e.source, e.target)))
                  for e in many.edges]
    (tmp_path / "short.py").write_text(render_model(small_cnn()))
    (tmp_path / "long.py").write_text(render_model(many))
    assert "for layer in (\n" in (tmp_path / "long.py").read_text()
    _ruff(".", cwd=tmp_path)


def test_the_freeze_command_freezes_up_to_a_layer_and_unfreezes(tmp_path, capsys):
    from netbuilder.cli import main
    from netbuilder.spec import load_project, save_project

    path = tmp_path / "p.json"
    save_project(small_cnn(frozen=()), path)
    assert main(["freeze", str(path), "--up-to", "bn1"]) == 0
    assert [n.id for n in load_project(path).nodes if n.frozen] == ["c1", "bn1"]
    assert "frozen now: c1, bn1" in capsys.readouterr().out
    assert main(["freeze", str(path), "--unfreeze"]) == 0
    assert not any(n.frozen for n in load_project(path).nodes)
    assert main(["freeze", str(path), "--nodes", "nope"]) == 1
    assert "has no node 'nope'" in capsys.readouterr().err
