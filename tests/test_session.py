"""session: overrides, the Input and output checks, run folders that only exist for real runs."""

from __future__ import annotations

import pytest

from netbuilder.errors import ProjectError
from netbuilder.session import (
    Overrides,
    apply_overrides,
    default_run_dir,
    load_project_data,
    output_mismatch,
    prepare,
    run_training,
)
from netbuilder.shapes import analyze
from netbuilder.spec import Edge, Node
from netbuilder.templates import load_template, template_names
from netbuilder.train import TrainError


def test_input_shape_mismatch_names_the_node_and_both_shapes():
    project = load_template("lenet5")
    project.data = {"kind": "builtin", "name": "digits"}  # 8x8, the template wants 32x32
    with pytest.raises(ProjectError) as err:
        prepare(project, ".")
    assert err.value.node == "x"
    assert "Input 'x' expects [1, 32, 32] but the data gives [1, 8, 8]" in err.value.message


def test_an_input_left_to_the_data_fits_whatever_the_data_gives():
    """The data panel checks the document's project, whose Input leaves its shape to the data:
    no "expects [1, 28, 28]" (the layer's default) against the data's [2]."""
    from netbuilder.session import data_mismatch, input_mismatch

    project = load_template("mlp")  # Input [2]; moons give [2]
    del project.node("x").params["shape"]
    bundle = load_project_data(project, ".")
    assert input_mismatch(project, bundle) is None
    assert data_mismatch(project, analyze(project, bundle.input_shape), bundle) is None


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
    bad = load_template("mlp")  # fails in the trainer, once the run folder exists
    bad.training = {**bad.training, "early_stopping": {"patience": 3, "monitor": "val_r2"}}
    with pytest.raises(TrainError, match="val_r2"):
        run_training(bad, tmp_path, out_dir=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    bad = load_template("mlp")
    bad.set_param("fc3", "out_features", 3)  # 3 logits for 2 classes: found before the folder
    with pytest.raises(ProjectError, match="'fc3' outputs 3 values"):
        run_training(bad, tmp_path, out_dir=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_default_run_dir_sits_beside_the_project(tmp_path):
    project = load_template("mlp")
    path = default_run_dir(project, tmp_path / "p.json")
    assert path.parent == tmp_path / "runs" and path.name.startswith("MLP-classifier-")


def mismatch_of(project):
    return output_mismatch(project, analyze(project), load_project_data(project, "."))


@pytest.mark.parametrize("name", template_names())
def test_every_template_output_fits_its_data(name):
    project = load_template(name)
    assert project.data, f"template {name} has no data set"
    assert mismatch_of(project) is None


def test_output_mismatch_names_the_linear_that_sets_the_class_count():
    project = load_template("mlp")  # moons: 2 classes
    project.set_param("fc3", "out_features", 3)
    problem = mismatch_of(project)
    assert problem.node == "fc3" and problem.field == "out_features"
    assert problem.message == ("'fc3' outputs 3 values per sample but the data has 2 classes: "
                               "set its out_features to 2.")
    with pytest.raises(ProjectError) as err:  # the CLI's path: before the model is built
        prepare(project, ".")
    assert err.value.message == problem.message and err.value.node == "fc3"


def test_output_mismatch_sees_through_shape_keeping_layers():
    project = load_template("mlp")
    project.set_param("fc3", "out_features", 3)
    out = next(n for n in project.nodes if n.type == "Output")
    feed = next(e for e in project.edges if e.target == out.id)
    project.nodes.append(Node("drop", "Dropout", {}, (0.0, 0.0)))
    project.edges.remove(feed)
    project.edges += [Edge(feed.source, "drop"), Edge("drop", out.id)]
    problem = mismatch_of(project)
    assert problem.node == "fc3" and "set its out_features to 2" in problem.message


def test_output_mismatch_for_regression_and_binary_targets():
    project = load_template("gru_forecaster")  # sine, MSELoss: one value per sample
    project.set_param("fc", "out_features", 4)
    problem = mismatch_of(project)
    assert problem.node == "fc" and problem.message == (
        "'fc' outputs 4 values per sample but the targets of MSELoss have 1 value: set its "
        "out_features to 1.")
    project = load_template("perceptron")  # blobs, BCEWithLogitsLoss: targets [1]
    project.set_param("fc1", "out_features", 2)
    problem = mismatch_of(project)
    assert problem.node == "fc1" and "targets of BCEWithLogitsLoss have 1 value" in problem.message


def test_output_mismatch_of_an_image_output_names_the_layer_that_sets_it():
    project = load_template("conv_autoencoder")  # targets are the [1, 16, 16] inputs
    project.set_param("dec_deconv2", "out_channels", 3)  # then Sigmoid keeps [3, 16, 16]
    problem = mismatch_of(project)
    assert problem.node == "dec_deconv2" and problem.field is None
    assert problem.message.startswith("'dec_deconv2' outputs shape [3, 16, 16] per sample")
    assert "have shape [1, 16, 16]" in problem.message and "Output 'y'" in problem.message


def test_output_mismatch_is_not_reported_on_top_of_another_problem():
    project = load_template("mlp")
    project.set_param("fc3", "out_features", 3)
    project.set_param("x", "shape", [5])  # the Input problem comes first
    assert mismatch_of(project) is None
    project.set_param("x", "shape", [2])
    project.edges = [e for e in project.edges if e.target != "fc3"]  # the graph is broken
    assert analyze(project).errors and mismatch_of(project) is None
