"""Bad project files give one clear message naming the node and field, exit 1, never a traceback."""

import json
import os
import subprocess
import sys
from itertools import pairwise

import pytest

from netbuilder.cli import main
from netbuilder.errors import ProjectError
from netbuilder.shapes import analyze
from netbuilder.spec import load_project, parse_project
from tests.helpers import project_doc

LENET = "netbuilder/resources/templates/lenet5.json"


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
    node_where(doc, "conv1")["type"] = "Conv2x"
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


@pytest.mark.parametrize("bad_id", ["1conv", "class", "training", "my-layer", "", "a" * 101])
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
    assert code == 0 and out["valid"] and out["errors"] == []
    assert [w["field"] for w in out["warnings"]] == ["data"]  # no data section: train needs --data


def test_save_is_atomic_and_round_trips(tmp_path):
    from netbuilder.spec import save_project

    project = load_project(LENET)
    target = tmp_path / "lenet.json"
    save_project(project, target)
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.json"]  # no temporary file left behind
    assert load_project(target).to_dict() == project.to_dict()


def test_older_versions_are_migrated_step_by_step(monkeypatch):
    from netbuilder import spec

    def v2_to_v3(doc):  # a hypothetical future change: nodes renamed "layers"
        doc = dict(doc, version=3)
        doc["networks"] = {name: {"layers": g["nodes"], "edges": g["edges"]} for name, g in doc["networks"].items()}
        return doc

    def read_v3(doc):  # and read back, so that the rest of the parser stays as it is
        doc = dict(doc)
        doc["networks"] = {name: {"nodes": g["layers"], "edges": g["edges"]} for name, g in doc["networks"].items()}
        return doc

    monkeypatch.setattr(spec, "VERSION", 3)
    monkeypatch.setitem(spec.MIGRATIONS, 2, lambda doc: read_v3(v2_to_v3(doc)))
    project = parse_project(lenet_doc())  # version 1: through 1 -> 2 (graph -> networks) and 2 -> 3
    assert project.node("fc1").params == {"out_features": 120}
    assert not project.networks  # one network: still the project it always was
    assert project.to_dict()["version"] == 1 and "graph" in project.to_dict()


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


# --- issue 12: hostile files, each once an internal error, a hang or a false "valid" ------------------
def validate_and_summary(tmp_path, capsys, doc_or_text):
    """validate --json and summary --json on one file: both refuse, neither with the internal-error line."""
    path = write(tmp_path, doc_or_text)
    code, out = validate_json(capsys, path)
    assert code == 1 and out["valid"] is False and out["errors"], out
    assert main(["summary", path, "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    for text in (json.dumps(out), json.dumps(summary)):
        assert "failed unexpectedly" not in text
    return out["errors"]


def lenet_text_with(node_id, param, raw_value: str) -> str:
    doc = lenet_doc()
    node_where(doc, node_id)["params"][param] = "@value@"
    return json.dumps(doc).replace('"@value@"', raw_value)


@pytest.mark.parametrize("raw,words", [
    ("9" * 4301, "too long to read"),  # Python's int() refuses more than 4,300 digits
    ("9" * 400, "Node 'fc1': params.out_features is an integer beyond ±9,223,372,036,854,775,807"),  # > 1e308
    ("1e300", "between -2,147,483,647 and 2,147,483,647"),
    ("2147483648", "not 2147483648"),
])
def test_huge_integers_are_refused_by_name(tmp_path, capsys, raw, words):
    errors = validate_and_summary(tmp_path, capsys, lenet_text_with("fc1", "out_features", raw))
    assert words in errors[0]["message"]
    if "too long" not in words:
        assert errors[0]["node"] == "fc1" and errors[0]["field"] == "out_features"


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
def test_deep_nesting_is_refused(tmp_path, capsys, depth):
    doc = lenet_doc()
    doc["training"]["metrics"] = "@deep@"
    text = json.dumps(doc).replace('"@deep@"', "[" * depth + "]" * depth)
    (err,) = validate_and_summary(tmp_path, capsys, text)[:1]
    assert "nest" in err["message"] and "32 levels" in err["message"]


def test_data_name_as_a_list_is_a_data_error(tmp_path, capsys):
    doc = lenet_doc()
    doc["data"]["name"] = ["digits"]
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"][0]["field"] == "data" and "built-in set" in out["errors"][0]["message"]


def merge_of(n: int, layers: int = 100) -> dict:
    """An Add of n inputs, taken in turn from `layers` ReLUs of the Input."""
    nodes = [{"id": "x", "type": "Input", "params": {"shape": [4]}}]
    nodes += [{"id": f"r{i}", "type": "ReLU"} for i in range(layers)]
    nodes += [{"id": "add", "type": "Add"}, {"id": "y", "type": "Output"}]
    edges = [("x", f"r{i}") for i in range(layers)] + [(f"r{i % layers}", "add") for i in range(n)] + [("add", "y")]
    return project_doc(nodes, edges)


def test_an_add_of_twenty_thousand_inputs_is_refused_without_recursion(tmp_path, capsys):
    code, out = validate_json(capsys, write(tmp_path, merge_of(20_000)))
    assert code == 1
    (err,) = out["errors"]
    assert err["node"] == "add" and "20,000 inputs" in err["message"] and "at most 512" in err["message"]


def test_the_largest_merge_allowed_compiles():
    from netbuilder.compiler import build_model
    from netbuilder.limits import FAN_IN

    project = parse_project(merge_of(FAN_IN))
    assert analyze(project).valid
    build_model(project, device="meta")


def test_an_output_that_feeds_a_layer_is_refused_everywhere(tmp_path, capsys):
    doc = project_doc([{"id": "x", "type": "Input", "params": {"shape": [4]}},
                       {"id": "y", "type": "Output"}, {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
                       {"id": "z", "type": "Output"}], [("x", "y"), ("y", "fc"), ("fc", "z")])
    errors = validate_and_summary(tmp_path, capsys, doc)
    assert any(e["node"] == "y" and "cannot feed another layer" in e["message"] for e in errors)
    assert main(["export", str(tmp_path / "p.json"), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("field,value,words", [
    ("name", "net\x00work", "NUL character at position 4"),
    ("name", "net\ud800", "lone surrogate (U+D800) at position 4"),
    ("description", "a\udfff", "lone surrogate (U+DFFF)"),
    ("name", "n" * 201, "201 characters long; at most 200"),
    ("description", "word " * 1_200_000, "6,000,000 characters long; at most 20,000"),
    ("name", ["LeNet"], "must be a text, not list"),
])
def test_names_and_descriptions_that_cannot_be_kept_are_refused(tmp_path, capsys, field, value, words):
    doc = lenet_doc()
    doc[field] = value
    errors = validate_and_summary(tmp_path, capsys, json.dumps(doc))  # a lone surrogate is written as \ud800
    assert errors[0]["field"] == field and words in errors[0]["message"], errors


def test_a_nul_in_a_node_field_is_refused_on_that_node(tmp_path, capsys):
    doc = lenet_doc()
    node_where(doc, "act1")["type"] = "ReLU\x00"
    errors = validate_and_summary(tmp_path, capsys, doc)
    assert errors[0]["node"] == "act1" and errors[0]["field"] == "type"


def test_saving_a_name_with_a_lone_surrogate_says_why_and_writes_nothing(tmp_path):
    from netbuilder.spec import save_project

    project = load_project(LENET)
    project.name = "LeNet \ud83d"
    with pytest.raises(ProjectError) as info:
        save_project(project, tmp_path / "p.json")
    assert "name" in info.value.message and "lone surrogate" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_saves_temporary_is_removed_next_time(tmp_path):
    from netbuilder.spec import save_project

    target = tmp_path / "p.json"
    save_project(load_project(LENET), target)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a finished process: its pid is free
    stale = tmp_path / f".p.json.{dead}.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    foreign = tmp_path / ".p.json.notes.tmp"  # not ours: kept
    foreign.write_text("keep")
    load_project(target)
    assert not stale.exists() and foreign.exists() and target.exists()


def test_huge_and_nan_positions_are_brought_back_onto_the_canvas(tmp_path):
    from netbuilder.limits import POSITION

    doc = lenet_doc()
    node_where(doc, "conv1")["pos"] = [1e308, -1e308]
    node_where(doc, "fc1")["pos"] = [float("nan"), float("inf")]
    project = load_project(write(tmp_path, json.dumps(doc)))
    assert project.node("conv1").pos == (POSITION, -POSITION)
    assert project.node("fc1").pos == (0.0, POSITION)


def test_models_too_large_to_build_are_refused_before_building(tmp_path, capsys):
    doc = project_doc([{"id": "x", "type": "Input", "params": {"shape": [100_000]}},
                       {"id": "fc", "type": "Linear", "params": {"out_features": 100_000}},
                       {"id": "y", "type": "Output"}], [("x", "fc"), ("fc", "y")])
    (err,) = validate_and_summary(tmp_path, capsys, doc)
    assert err["node"] == "fc" and "10,000,100,000 parameters" in err["message"]
    doc["graph"]["nodes"][0]["params"]["shape"] = [3, 20_000, 20_000]
    errors = validate_and_summary(tmp_path, capsys, doc)
    assert errors[0]["node"] == "x" and "1,200,000,000 values per sample" in errors[0]["message"]


def test_too_many_nodes_are_refused(tmp_path, capsys):
    from netbuilder.limits import NODES

    nodes = [{"id": f"r{i}", "type": "ReLU"} for i in range(NODES + 1)]
    errors = validate_and_summary(tmp_path, capsys, project_doc(nodes, []))
    assert errors[0]["field"] == "nodes" and "at most 20,000" in errors[0]["message"]


def test_validate_json_says_valid_even_when_netbuilder_itself_fails(tmp_path, capsys, monkeypatch):
    import netbuilder.shapes

    def broken(project):
        raise RuntimeError("a bug")

    monkeypatch.setattr(netbuilder.shapes, "analyze", broken)
    code, out = validate_json(capsys, LENET)
    assert code == 1 and out["valid"] is False and "failed unexpectedly" in out["error"]


@pytest.mark.parametrize("errno_,reason", [(28, "No space left on device"), (30, "Read-only file system")])
def test_full_or_read_only_disks_are_a_plain_message_naming_the_path(tmp_path, capsys, monkeypatch, errno_, reason):
    import netbuilder.cli

    target = tmp_path / "p.json"

    def refuse(project, path):
        raise OSError(errno_, reason, str(path))

    monkeypatch.setattr(netbuilder.cli, "save_project", refuse)
    assert main(["new", "--template", "mlp", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: The file system refused {target}: {reason}.\n"


def test_an_output_path_below_a_file_is_a_plain_message(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / "file.txt" / "bundle"
    assert main(["export", LENET, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "failed unexpectedly" not in err and f"error: The file system refused {tmp_path / 'file.txt'}: " in err


def test_the_docstring_wrap_matches_textwrap_on_ordinary_text():
    import textwrap

    from netbuilder.codegen import wrap

    text = " ".join(["word"] * 50 + ["x" * 200] + ["tail"] * 30)
    assert wrap(text, 82) == textwrap.wrap(text, 82, break_on_hyphens=False)
    assert wrap("", 82) == [] and wrap("one", 82) == ["one"]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc, where nobody (not even root) may write")
@pytest.mark.parametrize("argv", [["new", "--template", "mlp", "-o", "/proc/nb_out.json"],
                                  ["export", LENET, "-o", "/proc/nb_out"],
                                  ["train", LENET.replace("lenet5", "perceptron"), "--epochs", "1", "--out",
                                   "/proc/nb_out", "--json"]])
def test_an_output_the_os_refuses_is_named_in_one_line(capsys, argv):
    assert main(argv) == 1
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "unexpectedly" not in text and "The file system refused /proc/nb_out" in text, text
    if "--json" in argv:
        assert json.loads(captured.out)["error"].startswith("The file system refused /proc/nb_out")


def test_validate_refuses_what_the_first_training_step_would(tmp_path, capsys):
    """Found by the campaign: a model whose output does not fit the data's targets passed validate."""
    with open(LENET.replace("lenet5", "gru_forecaster"), encoding="utf-8") as f:
        doc = json.load(f)
    node_where(doc, "fc")["params"]["out_features"] = 3
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"] == [{"node": "fc", "field": "out_features", "message": (
        "'fc' outputs 3 values per sample but the targets of MSELoss have 1 value: set its out_features to 1.")}]


@pytest.mark.parametrize("size", [-1e308, [True, 32]])  # [True, 32]: found by the campaign
def test_a_data_size_that_is_not_a_pair_is_a_data_error(tmp_path, capsys, size):
    doc = lenet_doc()
    doc["data"]["size"] = size
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"][0]["field"] == "data" and "data.size must be [height, width]" in \
        out["errors"][0]["message"]


def test_summary_fills_in_an_omitted_input_shape_from_the_data_as_validate_does(tmp_path, capsys):
    """Found by the campaign: validate (which loads the data) said valid, summary refused."""
    with open(LENET.replace("lenet5", "lstm_classifier"), encoding="utf-8") as f:
        doc = json.load(f)
    del next(n for n in doc["graph"]["nodes"] if n["type"] == "Input")["params"]["shape"]
    path = write(tmp_path, doc)
    assert validate_json(capsys, path)[0] == 0
    assert main(["summary", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] > 0


def test_a_builtin_noise_that_is_not_a_number_is_a_data_error(tmp_path, capsys):
    with open(LENET.replace("lenet5", "mlp"), encoding="utf-8") as f:
        doc = json.load(f)
    doc["data"]["noise"] = []
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"][0] == {"node": None, "field": "data",
                                              "message": "data.noise must be a number of at least 0, got []."}


def _token_project(tmp_path, ids, num_embeddings=10):
    """Token ids [N, 2, 3] -> Flatten -> Embedding -> Mean -> Linear: integers reach the
    Embedding through a reshape, as any int64 input may."""
    import numpy as np

    x = np.asarray(ids, dtype=np.int64).reshape(-1, 2, 3)
    np.savez(tmp_path / "tokens.npz", x=x, y=np.arange(len(x)) % 2)
    nodes = [{"id": "tok", "type": "Input", "params": {"shape": [2, 3], "dtype": "int64"}},
             {"id": "flat", "type": "Flatten"},
             {"id": "emb", "type": "Embedding", "params": {"num_embeddings": num_embeddings, "embedding_dim": 4}},
             {"id": "mean", "type": "Mean", "params": {"dim": 1}},
             {"id": "fc", "type": "Linear", "params": {"out_features": 2}}, {"id": "y", "type": "Output"}]
    doc = project_doc(nodes, list(pairwise([n["id"] for n in nodes])),
                      data={"kind": "numpy", "path": "tokens.npz", "dtype": "int64"},
                      training={"loss": "CrossEntropyLoss", "epochs": 1, "batch_size": 4})
    return write(tmp_path, doc)


def test_an_embedding_smaller_than_the_token_ids_is_refused_by_validate_and_train(tmp_path, capsys):
    path = _token_project(tmp_path, list(range(100)) + [0, 1] * 4)  # ids up to 99, 18 samples
    code, out = validate_json(capsys, path)
    message = "'emb' has num_embeddings 10 but the data holds token ids up to 99: set its num_embeddings to 100."
    assert code == 1 and out["errors"] == [{"node": "emb", "field": "num_embeddings", "message": message}]
    assert main(["train", path, "--epochs", "1", "--out", str(tmp_path / "run"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": message, "errors": out["errors"]}  # the same words
    # and locations, before any step
    assert not (tmp_path / "run").exists()


def test_token_ids_that_fit_the_embedding_validate_and_negative_ones_do_not(tmp_path, capsys):
    assert validate_json(capsys, _token_project(tmp_path, [i % 10 for i in range(36)]))[0] == 0
    code, out = validate_json(capsys, _token_project(tmp_path, [-3] + [1] * 35))
    assert code == 1 and out["errors"][0]["node"] == "emb" and "token id -3" in out["errors"][0]["message"]


def test_validate_says_train_needs_data_and_checks_the_data_it_is_given(tmp_path, capsys):
    with open(LENET.replace("lenet5", "mlp"), encoding="utf-8") as f:
        doc = json.load(f)
    del doc["data"]
    path = write(tmp_path, doc)
    code, out = validate_json(capsys, path)
    assert code == 0 and out["valid"] and out["warnings"][0]["field"] == "data" and \
        "--data" in out["warnings"][0]["message"] and out["warnings"][0]["code"] == "no_data"
    assert main(["validate", path]) == 0
    assert "warning: The project has no data section" in capsys.readouterr().err
    assert main(["train", path, "--epochs", "1", "--json"]) == 1  # what the warning said
    refused = json.loads(capsys.readouterr().out)
    assert "no data section" in refused["error"] and refused["code"] == "no_data"  # the warning's code
    table = tmp_path / "t.csv"
    table.write_text("a,b,c,label\n" + "".join(f"{i % 7 / 3:.3f},{i % 3 / 7:.3f},{i % 5 / 9:.3f},{i % 2}\n" for i in range(20)), encoding="utf-8")
    assert main(["validate", path, "--data", str(table), "--target", "label", "--json"]) == 1  # 3 features, Input [2]
    out = json.loads(capsys.readouterr().out)
    assert out["warnings"] == [] and out["errors"][0]["field"] == "shape", out
    assert main(["validate", path, "--data", str(tmp_path / "missing.csv"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["field"] == "data"


def test_export_refuses_an_unwritable_output_before_loading_the_data(tmp_path, capsys, monkeypatch):
    import netbuilder.data
    import netbuilder.session

    def loading(*args, **kwargs):
        raise AssertionError("the data was loaded before the output path was checked")

    monkeypatch.setattr(netbuilder.session, "load_data", loading)
    monkeypatch.setattr(netbuilder.data, "load_data", loading)
    (tmp_path / "file.txt").write_text("x")
    doc = lenet_doc()
    del node_where(doc, "x")["params"]["shape"]  # left to the data: export would load it first
    path = write(tmp_path, doc)
    for out in (tmp_path / "file.txt" / "bundle", tmp_path / "file.txt" / "deeper" / "bundle"):
        assert main(["export", path, "-o", str(out)]) == 1
        assert capsys.readouterr().err == f"error: The file system refused {tmp_path / 'file.txt'}: Not a directory.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "p.json"]


def test_a_learning_rate_beyond_float32_is_refused_by_validate(tmp_path, capsys):
    """Found by the campaign: lr 1e308 validated, then Adam's step overflowed in step 8."""
    with open(LENET.replace("lenet5", "gru_forecaster"), encoding="utf-8") as f:
        doc = json.load(f)
    doc["training"]["optimizer"]["lr"] = 1e308
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"][0]["field"] == "training.optimizer.lr"
    assert "1e+308, beyond what the float32 weights can take" in out["errors"][0]["message"]


def test_a_negative_zero_noise_is_no_noise(tmp_path):
    """Found by the campaign: data.noise -0.0 passed the check, then numpy refused its sign."""
    from netbuilder.data import load_data

    bundle = load_data({"kind": "builtin", "name": "moons", "noise": -0.0, "n": 40}, tmp_path, "CrossEntropyLoss")
    assert len(bundle) == 40


@pytest.mark.parametrize("window", [1e-320, 2.5, True, 0])
def test_a_builtin_window_that_is_not_a_whole_number_is_a_data_error(tmp_path, capsys, window):
    """Found by the campaign (seed 303): data.window 1e-320 reached numpy as an index."""
    with open(LENET.replace("lenet5", "gru_forecaster"), encoding="utf-8") as f:
        doc = json.load(f)
    doc["data"]["window"] = window
    code, out = validate_json(capsys, write(tmp_path, doc))
    assert code == 1 and out["errors"][0]["field"] == "data"
    assert "data.window must be a whole number from 1 to 10000" in out["errors"][0]["message"]


def test_batch_norm_over_one_value_per_channel_with_batch_size_1_is_refused_before_training(tmp_path, capsys):
    # found by the campaign (seed 404): the dcgan discriminator's BatchNorm1d met a batch of one in train
    from netbuilder.templates import template_path

    doc = json.loads(template_path("dcgan").read_text())
    doc["training"]["batch_size"] = 1
    path = tmp_path / "gan.json"
    path.write_text(json.dumps(doc))
    code, out = validate_json(capsys, str(path))
    assert code == 1 and not out["valid"]
    (err,) = out["errors"]
    node = next(n for n in doc["networks"][err["network"]]["nodes"] if n["id"] == err["node"])
    assert err["field"] == "training.batch_size" and node["type"].startswith("BatchNorm")
    assert "batch_size of 2" in err["message"]
    code = main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "run")])
    assert code == 1 and "batch_size of 2" in capsys.readouterr().err and not (tmp_path / "run").exists()
    doc["training"]["batch_size"] = 2
    path.write_text(json.dumps(doc))
    assert validate_json(capsys, str(path))[1]["valid"]
