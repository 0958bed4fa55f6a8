"""netbuilder.inspect and `netbuilder activations|explain`: previews are the hooked outputs,
integrated gradients are complete, the gallery holds exactly the misclassified samples."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from netbuilder.cli import main
from netbuilder.compiler import build_model
from netbuilder.inspect import (
    attribute,
    cell_samples,
    decision_grid,
    first_conv_filters,
    forward,
    histogram_image,
    largest_errors,
    misclassified,
    nearest_confusions,
    node_outputs,
    preview,
    probabilities,
)
from netbuilder.inspect.attention import attention_weights
from netbuilder.inspect.trained import load_trained
from netbuilder.spec import save_project
from netbuilder.templates import load_template
from netbuilder.train.checkpoint import save_model


def _model(name):
    torch.manual_seed(0)
    project = load_template(name)
    return project, build_model(project).eval()


def _hooked(model, name, x):
    """The module's output, read with a hook of the test's own."""
    got = {}
    handle = getattr(model, name).register_forward_hook(lambda m, a, out: got.setdefault("o", out))
    with torch.no_grad():
        model(x)
    handle.remove()
    return got["o"]


def test_previews_are_the_hooked_module_outputs():
    project, model = _model("lenet5")
    x = torch.rand(5, 1, 32, 32)
    outs = node_outputs(model, project, x, [n.id for n in project.nodes])
    for node in ("conv1", "act1", "pool1", "fc1", "fc3"):
        assert torch.equal(outs[node], _hooked(model, node, x)), node
    assert torch.equal(outs["x"], x)
    assert torch.equal(outs["y"], forward(model, x))  # the Output is the model's output
    p = preview(project, "conv1", outs["conv1"], sample=3)
    assert p.kind == "feature_maps" and p.maps.shape == (6, 28, 28)
    assert np.array_equal(p.maps, outs["conv1"][3].numpy())
    dense = preview(project, "fc1", outs["fc1"], sample=1)
    assert dense.kind == "dense" and np.array_equal(dense.values, outs["fc1"][1].numpy())
    assert dense.histogram[0].sum() == 120
    assert preview(project, "x", outs["x"]).kind == "image"


def test_expression_nodes_are_read_where_they_go_in():
    project, model = _model("resnet")
    x = torch.rand(3, 1, 16, 16)
    outs = node_outputs(model, project, x, ["block1_add", "block1_bn2", "stem_relu"])
    assert torch.allclose(outs["block1_add"], outs["block1_bn2"] + outs["stem_relu"])
    relu = preview(project, "block1_add", outs["block1_add"])  # feeds a ReLU
    expected = float((~(outs["block1_add"] > 0).flatten(2).any(2).any(0)).float().mean())
    assert relu.dead_share == pytest.approx(expected)


def test_attention_weights_of_the_transformer():
    project, model = _model("transformer")
    x = torch.randint(0, 20, (4, 16))
    weights = attention_weights(model, project, x, ["encoder"])["encoder"]
    assert weights.shape == (4, 4, 16, 16)
    assert torch.allclose(weights.sum(-1), torch.ones(4, 4, 16), atol=1e-5)
    outs = node_outputs(model, project, x, ["encoder"])
    p = preview(project, "encoder", outs["encoder"], 2, weights)
    assert p.kind == "attention" and np.array_equal(p.attention, weights[2].numpy())


@pytest.mark.parametrize("name, shape", [("lenet5", (1, 32, 32)), ("mlp", (2,))])
def test_integrated_gradients_add_up_to_the_output_difference(name, shape):
    project, model = _model(name)
    x = torch.rand(*shape)
    baseline = torch.full(shape, 0.25)
    a = attribute(model, x, method="integrated_gradients", baseline=baseline, steps=128,
                  project=project)
    with torch.no_grad():
        fx, fb = forward(model, x[None])[0, a.target], forward(model, baseline[None])[0, a.target]
    assert a.values.shape == shape
    assert a.values.sum() == pytest.approx(float(fx - fb), abs=2e-3 + 1e-2 * abs(float(fx - fb)))
    assert a.output == pytest.approx(float(fx), abs=1e-5)


def test_saliency_and_occlusion_are_shaped_like_the_input():
    project, model = _model("lenet5")
    x = torch.rand(1, 32, 32)
    for method in ("saliency", "occlusion"):
        a = attribute(model, x, target=3, method=method, project=project)
        assert a.values.shape == (1, 32, 32) and a.target == 3 and np.isfinite(a.values).all()
    sal = attribute(model, x, target=3, method="saliency", project=project)
    xg = x[None].clone().requires_grad_()
    model(xg)[0, 3].backward()
    assert np.allclose(sal.values, xg.grad[0].abs().numpy(), atol=1e-6)


def test_gallery_holds_exactly_the_misclassified_samples():
    torch.manual_seed(1)
    probs = torch.rand(50, 4).softmax(1)
    y = torch.randint(0, 4, (50,))
    wrong = misclassified(probs, y)
    assert {w["index"] for w in wrong} == set(torch.nonzero(probs.argmax(1) != y).reshape(-1).tolist())
    assert all(w["predicted"] != w["true"] for w in wrong)
    confidences = [w["confidence"] for w in wrong]
    assert confidences == sorted(confidences, reverse=True)
    cells = [cell_samples(probs, y, t, p) for t in range(4) for p in range(4)]
    assert sorted(i for c in cells for i in c) == list(range(50))  # every sample in one cell
    assert cell_samples(probs, y, 2, 1) == [i for i in range(50) if y[i] == 2 and probs[i].argmax() == 1]
    near = nearest_confusions(probs, y, 2, 1, k=5)  # the 2s most like a 1, closest first
    twos = [i for i in range(50) if y[i] == 2]
    assert [n["index"] for n in near] == sorted(twos, key=lambda i: -float(probs[i, 1]))[:5]
    assert all(n["true"] == 2 and n["p_other"] == float(probs[n["index"], 1]) for n in near)


def test_largest_errors_come_first():
    pred = torch.tensor([[1.0], [5.0], [2.0]])
    true = torch.tensor([[1.5], [0.0], [2.0]])
    assert [e["index"] for e in largest_errors(pred, true, k=2)] == [1, 0]


def test_decision_grid_is_the_model_over_the_plane():
    from netbuilder.session import prepare

    project = load_template("mlp")
    prepared = prepare(project, ".")
    grid = decision_grid(prepared.model, prepared.bundle, resolution=9)
    assert grid.classes.shape == grid.confidence.shape == (9, 9)
    lo = prepared.bundle.x_train.min(0).values
    assert grid.x_range[0] < float(lo[0]) or prepared.bundle.normalization["method"] != "none"
    probs = probabilities(forward(prepared.model, prepared.bundle.x_train[:1]), "classification")
    assert probs.shape == (1, 2)


def test_first_conv_filters_and_weight_histograms():
    project, model = _model("lenet5")
    node, images = first_conv_filters(model, project)
    assert node == "conv1" and images.shape == (6, 5, 5)
    assert images.min() == 0 and np.allclose(images.reshape(6, -1).max(1), 1)
    image, lo, hi = histogram_image([{"counts": [1, 3, 1], "min": -1, "max": 1},
                                     {"counts": [2, 2], "min": 0, "max": 2}], bins=8)
    assert image.shape == (2, 8) and (lo, hi) == (-1, 2) and np.allclose(image.max(1), 1)


@pytest.fixture
def lenet_run(tmp_path):
    project, model = _model("lenet5")
    path = tmp_path / "lenet.json"
    save_project(project, path)
    save_model(tmp_path / "w.safetensors", model)
    x = torch.rand(4, 1, 32, 32)
    np.save(tmp_path / "x.npy", x.numpy())
    return path, tmp_path / "w.safetensors", tmp_path / "x.npy", model, project, x


def test_cli_activations_writes_the_node_output(lenet_run, tmp_path, capsys):
    path, weights, data, model, project, x = lenet_run
    out = tmp_path / "a.npy"
    assert main(["activations", str(path), "--weights", str(weights), "--data", str(data),
                 "--node", "pool1", "-o", str(out)]) == 0
    assert np.array_equal(np.load(out), node_outputs(model, project, x, ["pool1"])["pool1"].numpy())
    assert main(["activations", str(path), "--weights", str(weights), "--data", str(data),
                 "--node", "conv9", "-o", str(out)]) == 1
    assert "no node 'conv9'" in capsys.readouterr().err
    np.save(tmp_path / "bad.npy", np.zeros((2, 3, 8, 8), np.float32))
    assert main(["activations", str(path), "--weights", str(weights), "--data",
                 str(tmp_path / "bad.npy"), "--node", "conv1", "-o", str(out)]) == 1
    assert "Input 'x' takes [1, 32, 32]" in capsys.readouterr().err


def test_cli_explain_npy_and_png(lenet_run, tmp_path, capsys):
    path, weights, data, model, project, x = lenet_run
    out = tmp_path / "e.npy"
    assert main(["explain", str(path), "--weights", str(weights), "--data", str(data),
                 "--sample", "2", "--method", "saliency", "--target", "4", "-o", str(out)]) == 0
    expected = attribute(model, x[2], target=4, method="saliency", project=project).values
    assert np.allclose(np.load(out), expected)
    png = tmp_path / "e.png"
    assert main(["explain", str(path), "--weights", str(weights), "--data", str(data),
                 "-o", str(png)]) == 0
    from PIL import Image
    assert Image.open(png).size == (256, 256)
    assert main(["explain", str(path), "--weights", str(weights), "--data", str(data),
                 "--sample", "9", "-o", str(out)]) == 1
    assert "--sample 9 is out of range" in capsys.readouterr().err


def test_cli_explain_names_table_columns_in_original_units(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["height_cm,weight_kg,label"] + [f"{h:.1f},{w:.1f},{int(h > 170)}" for h, w in
                                           zip(rng.normal(170, 10, 60), rng.normal(70, 8, 60))]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    project = load_template("mlp")
    project.data = {"kind": "csv", "path": "people.csv", "target": "label"}
    path = tmp_path / "p.json"
    save_project(project, path)
    trained = load_trained(path, None)
    save_model(tmp_path / "w.safetensors", trained.model)
    (tmp_path / "ask.csv").write_text("weight_kg,height_cm\n80,190\n")
    assert main(["explain", str(path), "--weights", str(tmp_path / "w.safetensors"), "--data",
                 str(tmp_path / "ask.csv"), "--json", "-o", str(tmp_path / "e.png")]) == 0
    result = json.loads(capsys.readouterr().out)
    by_name = {r["column"]: r for r in result["features"]}
    assert by_name["height_cm"]["value"] == pytest.approx(190, abs=1e-3)
    assert by_name["weight_kg"]["value"] == pytest.approx(80, abs=1e-3)
    mean_height = float(np.mean([float(r.split(",")[0]) for r in rows[1:]][:48]))
    assert 150 < by_name["height_cm"]["baseline"] < 190 and mean_height > 0
    total = sum(r["attribution"] for r in result["features"])
    assert total == pytest.approx(result["score"] - result["baseline_score"], abs=1e-2)
