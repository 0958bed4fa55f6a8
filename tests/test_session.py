"""session: overrides, the Input check, run folders that only exist for real runs."""

from __future__ import annotations

import pytest

from netbuilder.errors import ProjectError
from netbuilder.session import Overrides, apply_overrides, default_run_dir, prepare, run_training
from netbuilder.templates import load_template
from netbuilder.train import TrainError


def test_input_shape_mismatch_names_the_node_and_both_shapes():
    project = load_template("lenet5")
    project.data = {"kind": "builtin", "name": "digits"}  # 8x8, the template wants 32x32
    with pytest.raises(ProjectError) as err:
        prepare(project, ".")
    assert err.value.node == "x"
    assert "Input 'x' expects [1, 32, 32] but the data gives [1, 8, 8]" in err.value.message


def test_overrides_pick_the_data_kind_and_keep_the_source_project(tmp_path):
    project = load_template("mlp")
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,x\n")
    out = apply_overrides(project, Overrides(data=str(tmp_path / "d.csv"), target="label",
                                             epochs=3, device="cpu"))
    assert out.data == {"kind": "csv", "path": str(tmp_path / "d.csv"), "target": "label"}
    assert out.training["epochs"] == 3 and out.training["device"] == "cpu"
    assert project.data["kind"] == "builtin"  # a copy: the caller's project is untouched
    assert apply_overrides(project, Overrides(data=str(tmp_path)))
    with pytest.raises(TrainError):
        apply_overrides(project, Overrides(epochs=0))


def test_run_writes_project_json_and_a_failed_run_leaves_no_folder(tmp_path):
    project = load_template("mlp")
    result = run_training(project, tmp_path, overrides=Overrides(epochs=1),
                          out_dir=tmp_path / "ok")
    assert result.status == "done" and (tmp_path / "ok" / "project.json").is_file()
    assert result.checkpoint.endswith("best.safetensors")
    bad = load_template("mlp")
    bad.set_param("fc3", "out_features", 3)  # 3 logits for 2 classes: fails before epoch 1
    with pytest.raises(TrainError):
        run_training(bad, tmp_path, out_dir=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_default_run_dir_sits_beside_the_project(tmp_path):
    project = load_template("mlp")
    path = default_run_dir(project, tmp_path / "p.json")
    assert path.parent == tmp_path / "runs" and path.name.startswith("MLP-classifier-")
