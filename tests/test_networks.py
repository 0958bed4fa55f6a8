"""Projects with several networks (file version 2): migration of version-1 files, per-network
shapes and validation, the generator/discriminator fit, one class per network."""

import json
import re
from pathlib import Path

import pytest
import torch

from netbuilder.cli import main
from netbuilder.compiler import build_model, model_source
from netbuilder.networks import analyze_networks
from netbuilder.spec import InvalidProject, load_project, parse_project, save_project, single_to_networks
from netbuilder.summary import summarize
from netbuilder.templates import template_path

LENET = template_path("lenet5")
DCGAN = template_path("dcgan")


def dcgan_doc() -> dict:
    return json.loads(Path(DCGAN).read_text(encoding="utf-8"))


def test_version_1_files_migrate_to_one_network_named_model():
    old = json.loads(Path(LENET).read_text(encoding="utf-8"))
    new = single_to_networks(json.loads(json.dumps(old)))
    assert new["version"] == 2 and "graph" not in new
    assert new["networks"] == {"model": old["graph"]}  # the graph as it was, now named
    project = parse_project(old)
    assert not project.networks and project.graphs() == {"model": project}
    saved = old | {"version": 1, "training": {"version": 2, **old["training"]}}  # the settings' own version
    assert parse_project(new).to_dict() == project.to_dict() == saved  # saved as before: version 1


def test_a_version_1_file_without_a_graph_is_still_named(tmp_path):
    with pytest.raises(Exception, match="'graph' must be an object"):
        parse_project({"format": "netbuilder-project", "version": 1, "graph": 3})


def test_the_dcgan_template_round_trips_as_version_2(tmp_path):
    project = load_project(DCGAN)
    assert list(project.networks) == ["generator", "discriminator"] and project.active == "generator"
    assert project.node("fc").params == {"out_features": 512}  # the generator's fc
    project.activate("discriminator")
    assert project.node("fc").params == {"out_features": 1}  # the same id in another network
    project.set_param("fc", "out_features", 2)  # an edit of the active network...
    save_project(project, tmp_path / "g.json")
    again = load_project(tmp_path / "g.json")
    assert again.to_dict()["version"] == 2
    assert again.graph("discriminator").node("fc").params == {"out_features": 2}  # ...is saved
    assert again.graph("generator").node("fc").params == {"out_features": 512}
    assert again.to_dict() == project.to_dict() and project.copy().to_dict() == project.to_dict()


def test_generator_output_must_fit_the_discriminator_input_on_both_ends(tmp_path, capsys):
    doc = dcgan_doc()
    x = next(n for n in doc["networks"]["discriminator"]["nodes"] if n["id"] == "x")
    x["params"]["shape"] = [1, 8, 8]
    found = analyze_networks(parse_project(doc))
    (g_err,), (d_err,) = found["generator"].errors, found["discriminator"].errors
    assert g_err.node == "image" and d_err.node == "x" and d_err.field == "shape"
    for err in (g_err, d_err):
        assert "generator's output is [1, 16, 16] per sample but discriminator's Input 'x' takes [1, 8, 8]" \
            in err.message
    assert "Set Input 'x' shape to [1, 16, 16]" in d_err.message
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["validate", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {(e["network"], e["node"]) for e in out["errors"]} == {("generator", "image"), ("discriminator", "x")}


def test_each_network_is_checked_on_its_own():
    doc = dcgan_doc()
    doc["networks"]["discriminator"]["edges"] = [e for e in doc["networks"]["discriminator"]["edges"]
                                                 if e["target"] != "conv2"]
    found = analyze_networks(parse_project(doc))
    assert found["generator"].valid
    messages = [e.message for e in found["discriminator"].errors]
    assert any(m.startswith("discriminator: Conv2d 'conv2' has no input") for m in messages), messages
    assert all(e.network == "discriminator" for e in found["discriminator"].errors)


@pytest.mark.parametrize("edit,words", [
    (lambda d: d["networks"].update({"Bad-Name": d["networks"]["generator"]}), "Network name 'Bad-Name'"),
    (lambda d: d["networks"].pop("discriminator"), "needs networks named generator and discriminator"),
    (lambda d: d["training"].pop("recipe") and d["training"].pop("adversarial") and d["training"].pop("optimizers"),
     "needs training.recipe"),
    (lambda d: d["networks"].update({"critic": d["networks"]["generator"]}), "Network 'critic' has no part"),
])
def test_networks_that_do_not_fit_the_recipe_are_named(edit, words):
    doc = dcgan_doc()
    edit(doc)
    try:
        project = parse_project(doc)
    except InvalidProject as exc:
        messages = [e.message for e in exc.errors]
    else:
        messages = [e.message for a in analyze_networks(project).values() for e in a.errors]
    assert any(words in m for m in messages), messages


def test_one_class_per_network_and_a_model_holding_them():
    project = load_project(DCGAN)
    source = model_source(project)
    assert re.findall(r"^class (\w+)\(nn.Module\):", source, re.MULTILINE) == ["Generator", "Discriminator", "Model"]
    model = build_model(project)
    assert {k.split(".")[0] for k in model.state_dict()} == {"generator", "discriminator"}
    z = torch.randn(3, 32)
    assert model(z).shape == (3, 1, 16, 16) and model.discriminator(model(z)).shape == (3, 1)
    rows = summarize(project).nodes
    assert {r.network for r in rows} == {"generator", "discriminator"}
    assert sum(r.params for r in rows) == sum(p.numel() for p in model.parameters())
