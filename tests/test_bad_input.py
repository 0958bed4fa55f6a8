"""Bad project files give one clear message naming the node and field, exit 1, never a traceback."""

import json
import subprocess
import sys
from itertools import pairwise

import pytest

from netbuilder.cli import main
from netbuilder.errors import ProjectError
from netbuilder.shapes import analyze
from netbuilder.spec import load_project, parse_project
from tests.helpers import project_doc

LENET = "templates/lenet5.json"


def lenet_doc():
    with open(LENET, encoding="utf-8") as f:
        return json.load(f)


def write(tmp_path, doc) -> str:
    path = tmp_path / "p.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def validate_json(capsys, path):
    code = main(["validate", path, "--json"])
    out = json.loads(capsys.readouterr().out)
    return code, out


def node_where(doc, node_id):
    return next(n for n in doc["graph"]["nodes"] if n["id"] == node_id)


def case_broken_json(doc):
    return '{"format": "netbuilder-project", "version": 1, "graph": {'


def case_wrong_format(doc):
    doc["format"] = "keras-model"
    return doc


def case_newer_version(doc):
    doc["version"] = 99
    return doc


def case_unknown_type(doc):
    node_where(doc, "conv1")["type"] = "Conv3x"
    return doc


def case_param_wrong_type(doc):
    node_where(doc, "fc1")["params"]["out_features"] = "many"
    return doc


def case_param_out_of_range(doc):
    node_where(doc, "conv1")["params"]["kernel_size"] = 0
    return doc


def case_unknown_param(doc):
    node_where(doc, "fc1")["params"]["units"] = 3
    return doc


def case_dangling_edge(doc):
    doc["graph"]["edges"].append({"source": "fc3", "target": "ghost"})
    return doc


def case_cycle(doc):
    doc["graph"]["edges"].append({"source": "act2", "target": "conv1"})
    return doc


def case_shape_mismatch(doc):
    doc["graph"]["nodes"] = [n for n in doc["graph"]["nodes"] if n["id"] != "flatten"]
    doc["graph"]["edges"] = [e for e in doc["graph"]["edges"] if "flatten" not in e.values()]
    doc["graph"]["edges"].append({"source": "pool2", "target": "fc1"})
    return doc


CASES = [  # (mutation, node at fault, field, words the message must contain)
    (case_broken_json, None, None, "not valid JSON"),
    (case_wrong_format, None, "format", "not a NetBuilder project"),
    (case_newer_version, None, "version", "newer NetBuilder"),
    (case_unknown_type, "conv1", "type", "Did you mean 'Conv2d'"),
    (case_param_wrong_type, "fc1", "out_features", "whole number"),
    (case_param_out_of_range, "conv1", "kernel_size", "at least 1"),
    (case_unknown_param, "fc1", "units", "has no parameter 'units'"),
    (case_dangling_edge, "fc3", "edges", "'ghost', which does not exist"),
    (case_cycle, None, None, "loop"),
    (case_shape_mismatch, "fc1", None, "Add a Flatten"),
]


@pytest.mark.parametrize("mutate,node,field,words", CASES, ids=[c[0].__name__[5:] for c in CASES])
def test_bad_project_is_reported_on_the_node(tmp_path, capsys, mutate, node, field, words):
    path = write(tmp_path, mutate(lenet_doc()))
    code, out = validate_json(capsys, path)
    assert code == 1 and out["valid"] is False
    first = out["errors"][0]
    assert words in first["message"]
    if node:
        assert first["node"] == node
    if field:
        assert first.get("field") == field


def test_cycle_names_every_node_in_the_loop():
    doc = case_cycle(lenet_doc())
    analysis = analyze(parse_project(doc))
    loop = [e for e in analysis.errors if "loop" in e.message]
    assert len(loop) == 1 and set(loop[0].nodes) == {"conv1", "act1", "pool1", "conv2", "act2"}


def test_summary_of_invalid_project_fails_with_json_errors(tmp_path, capsys):
    path = write(tmp_path, case_shape_mismatch(lenet_doc()))
    assert main(["summary", path, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["node"] == "fc1"


def test_cli_prints_no_traceback_for_missing_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "netbuilder.cli", "summary", str(tmp_path / "nope.json")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "No project file" in proc.stderr and "Traceback" not in proc.stderr


def test_several_problems_are_all_listed(tmp_path, capsys):
    doc = case_unknown_param(case_unknown_type(lenet_doc()))
    _, out = validate_json(capsys, write(tmp_path, doc))
    assert {e["node"] for e in out["errors"]} == {"conv1", "fc1"}


@pytest.mark.parametrize("bad_id", ["1conv", "class", "training", "my-layer", ""])
def test_node_ids_must_be_python_names(bad_id):
    doc = project_doc([{"id": bad_id, "type": "Input", "params": {"shape": [3]}}], [])
    with pytest.raises(ProjectError) as info:
        parse_project(doc)
    assert info.value.field == "id"


def test_structure_errors_name_their_node():
    doc = project_doc([{"id": "x", "type": "Input", "params": {"shape": [4]}},
                       {"id": "fc", "type": "Linear"}, {"id": "relu", "type": "ReLU"},
                       {"id": "add", "type": "Add"}, {"id": "lost", "type": "Tanh"},
                       {"id": "y", "type": "Output"}],
                      [("x", "fc"), ("fc", "add"), ("add", "y"), ("x", "relu")])
    errors = analyze(parse_project(doc)).errors
    by_node = {e.node: e.message for e in errors}
    assert "merges two or more inputs but has 1" in by_node["add"]
    assert "has no input" in by_node["lost"]
    assert "not used" in by_node["relu"]


def test_missing_input_and_output_are_reported():
    messages = [e.message for e in analyze(parse_project(project_doc([{"id": "r", "type": "ReLU"}], []))).errors]
    assert any("no Input node" in m for m in messages) and any("no Output node" in m for m in messages)


def test_add_of_different_widths_names_both_shapes():
    doc = project_doc([{"id": "x", "type": "Input", "params": {"shape": [4]}},
                       {"id": "a", "type": "Linear", "params": {"out_features": 64}},
                       {"id": "b", "type": "Linear", "params": {"out_features": 32}},
                       {"id": "sum", "type": "Add"}, {"id": "y", "type": "Output"}],
                      [("x", "a"), ("x", "b"), ("a", "sum"), ("b", "sum"), ("sum", "y")])
    (err,) = analyze(parse_project(doc)).errors
    assert err.node == "sum"
    assert "[64]" in err.message and "[32]" in err.message and "'a', 'b'" in err.message


def test_conv_on_flat_tensor_explains_the_expected_layout():
    doc = project_doc([{"id": "x", "type": "Input", "params": {"shape": [784]}},
                       {"id": "c", "type": "Conv2d"}, {"id": "y", "type": "Output"}], [("x", "c"), ("c", "y")])
    (err,) = analyze(parse_project(doc)).errors
    assert err.node == "c" and "[channels, height, width]" in err.message and "[784]" in err.message


def test_ten_thousand_node_graph_validates(tmp_path, capsys):
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [8]}}]
    nodes += [{"id": f"r{i}", "type": "ReLU"} for i in range(10_000)]
    nodes.append({"id": "y", "type": "Output"})
    ids = [n["id"] for n in nodes]
    code, out = validate_json(capsys, write(tmp_path, project_doc(nodes, list(pairwise(ids)))))
    assert code == 0 and out == {"valid": True, "errors": []}


def test_save_is_atomic_and_round_trips(tmp_path):
    from netbuilder.spec import save_project

    project = load_project(LENET)
    target = tmp_path / "lenet.json"
    save_project(project, target)
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.json"]  # no temporary file left behind
    assert load_project(target).to_dict() == project.to_dict()


def test_older_versions_are_migrated_step_by_step(monkeypatch):
    from netbuilder import spec

    def v1_to_v2(doc):  # a hypothetical future change: nodes renamed "layers"
        doc = dict(doc, version=2)
        doc["graph"] = {"nodes": doc["graph"].pop("layers"), "edges": doc["graph"]["edges"]}
        return doc

    monkeypatch.setattr(spec, "VERSION", 2)
    monkeypatch.setitem(spec.MIGRATIONS, 1, v1_to_v2)
    old = lenet_doc()
    old["graph"]["layers"] = old["graph"].pop("nodes")
    project = parse_project(old)
    assert project.node("fc1").params == {"out_features": 120}
    assert project.to_dict()["version"] == 2


HOSTILE = [  # (mutation, node, field) found by review: each once ended in a traceback or a false "valid"
    (lambda d: node_where(d, "conv1").__setitem__("type", ["Conv2d"]), "conv1", "type"),
    (lambda d: d["graph"]["edges"].append({"source": ["x"], "target": "conv1"}), "conv1", "edges"),
    (lambda d: node_where(d, "fc1")["params"].__setitem__("out_features", float("inf")), "fc1", "out_features"),
    (lambda d: node_where(d, "fc1")["params"].__setitem__("out_features", 1e400), "fc1", "out_features"),
    (lambda d: d["graph"]["nodes"].append({"id": "bn", "type": "BatchNorm1d", "params": {"eps": float("nan")}}),
     "bn", "eps"),
    (lambda d: node_where(d, "fc1").__setitem__("id", "fc1\n"), None, "id"),
    (lambda d: node_where(d, "fc1").__setitem__("id", "_modules"), "_modules", "id"),
]


@pytest.mark.parametrize("mutate,node,field", HOSTILE)
def test_hostile_values_are_reported_not_crashed_on(tmp_path, capsys, mutate, node, field):
    doc = lenet_doc()
    mutate(doc)
    code, out = validate_json(capsys, write(tmp_path, json.dumps(doc)))  # json writes inf/nan as Infinity/NaN
    assert code == 1
    assert any(e.get("field") == field and (node is None or e["node"] == node) for e in out["errors"]), out


def test_reserved_ids_cover_every_public_module_attribute():
    import torch

    from netbuilder.spec import RESERVED_IDS

    public = {name for name in dir(torch.nn.Module) if not name.startswith("_")}
    assert public <= RESERVED_IDS, sorted(public - RESERVED_IDS)


@pytest.mark.parametrize("nodes,words", [
    ([{"id": "x", "type": "Input", "params": {"shape": [3, 10]}},
      {"id": "up", "type": "Upsample", "params": {"mode": "bilinear"}}], "bilinear is for images"),
    ([{"id": "x", "type": "Input", "params": {"shape": [3, 1, 1]}},
      {"id": "up", "type": "Upsample", "params": {"scale_factor": 0.5}}], "shrinks"),
    ([{"id": "x", "type": "Input", "params": {"shape": [5], "dtype": "int64"}},
      {"id": "up", "type": "Embedding", "params": {"num_embeddings": 4, "padding_idx": 4}}], "padding_idx 4"),
    ([{"id": "x", "type": "Input", "params": {"shape": [5], "dtype": "int64"}},
      {"id": "up", "type": "Dropout"}], "integer tokens"),
])
def test_shape_rules_refuse_what_torch_refuses(nodes, words):
    nodes = [*nodes, {"id": "y", "type": "Output"}]
    (err,) = analyze(parse_project(project_doc(nodes, [("x", "up"), ("up", "y")]))).errors
    assert err.node == "up" and words in err.message


def test_concat_of_token_ids_stays_integer():
    nodes = [{"id": "a", "type": "Input", "params": {"shape": [4], "dtype": "int64"}},
             {"id": "b", "type": "Input", "params": {"shape": [4], "dtype": "int64"}},
             {"id": "cat", "type": "Concat", "params": {"dim": 1}},
             {"id": "emb", "type": "Embedding", "params": {"num_embeddings": 10, "embedding_dim": 3}},
             {"id": "y", "type": "Output"}]
    analysis = analyze(parse_project(project_doc(nodes, [("a", "cat"), ("b", "cat"), ("cat", "emb"), ("emb", "y")])))
    assert analysis.valid and analysis.tensors["emb"].shape == (8, 3)


def test_unexpected_failures_are_one_paragraph_not_a_traceback(tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    proc = subprocess.run([sys.executable, "-m", "netbuilder.cli", "new", "--template", "mlp", "-o", str(folder),
                           "--force"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and proc.stderr.startswith("error:")


def test_saving_keeps_ordinary_file_permissions(tmp_path):
    import os
    import stat

    from netbuilder.spec import save_project

    target = tmp_path / "p.json"
    save_project(load_project(LENET), target)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o640)
    save_project(load_project(LENET), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_single_number_per_sample_is_refused_by_layers_over_the_last_dim():
    from netbuilder.shapes import analyze
    from netbuilder.spec import parse_project

    for layer in ("Linear", "LayerNorm"):
        doc = {"format": "netbuilder-project", "version": 1, "name": "t", "graph": {
            "nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}},
                      {"id": "m", "type": "Mean", "params": {"dim": 1}},
                      {"id": "n", "type": layer}, {"id": "y", "type": "Output"}],
            "edges": [{"source": "x", "target": "m"}, {"source": "m", "target": "n"},
                      {"source": "n", "target": "y"}]}}
        errors = analyze(parse_project(doc)).errors
        assert [e.node for e in errors] == ["n"], errors
        assert "one number per sample ([])" in errors[0].message
