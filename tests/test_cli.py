"""The `netbuilder` command per CONTRACT.md, on every template."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder.cli import main
from netbuilder.templates import template_names


def run_json(capsys, *argv):
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_templates_lists_every_template_with_a_description(capsys):
    assert main(["templates"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(template_names()) >= 8
    for line in lines:
        name, description = line.split(maxsplit=1)
        assert name in template_names() and len(description) > 20


@pytest.mark.parametrize("name", template_names())
def test_every_template_summarizes(capsys, tmp_path, name):
    out_file = tmp_path / f"{name}.json"
    assert main(["new", "--template", name, "-o", str(out_file)]) == 0
    capsys.readouterr()
    code, summary = run_json(capsys, "summary", str(out_file), "--json")
    assert code == 0
    assert summary["total_params"] == sum(n["params"] for n in summary["nodes"]) > 0
    assert summary["trainable_params"] == summary["total_params"] - summary["frozen_params"]
    assert (summary["frozen_params"] > 0) == (name == "transfer_digits")  # the one template with frozen layers
    for node in summary["nodes"]:
        assert set(node) >= {"id", "type", "output_shape", "params"}
        assert all(isinstance(d, int) and d > 0 for d in node["output_shape"])
    code, valid = run_json(capsys, "validate", str(out_file), "--json")
    assert code == 0 and valid == {"valid": True, "errors": [], "warnings": []}


def test_lenet5_has_the_classic_parameter_count(capsys):
    code, summary = run_json(capsys, "summary", "netbuilder/resources/templates/lenet5.json", "--json")
    assert code == 0 and summary["total_params"] == 61_706
    by_id = {n["id"]: n for n in summary["nodes"]}
    assert by_id["conv1"]["output_shape"] == [6, 28, 28] and by_id["conv1"]["macs"] == 6 * 28 * 28 * 25
    assert by_id["fc1"]["params"] == 400 * 120 + 120


def test_new_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "p.json"
    target.write_text("keep me")
    assert main(["new", "--template", "mlp", "-o", str(target)]) == 1
    assert target.read_text() == "keep me"
    assert main(["new", "--template", "no_such", "-o", str(tmp_path / "q.json")]) == 1
    assert "Available:" in capsys.readouterr().err


def test_json_output_is_the_only_thing_on_stdout():
    proc = subprocess.run([sys.executable, "-m", "netbuilder.cli", "summary", "netbuilder/resources/templates/resnet.json", "--json"],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["total_params"] > 0


def test_ci_runs_exactly_the_readme_test_command():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    ci_command = (root / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert "pytest" in ci_command and ci_command in readme


def test_export_format_follows_the_output_extension(tmp_path, capsys):
    out = tmp_path / "mlp.pt2"
    assert main(["export", "netbuilder/resources/templates/mlp.json", "-o", str(out)]) == 0
    assert out.is_file()  # a torch.export archive, not a folder holding a Python bundle


def test_inferred_args_are_explained_not_misspelled():
    from netbuilder.spec import InvalidProject, parse_project
    from tests.helpers import project_doc

    doc = project_doc([{"id": "fc", "type": "Linear", "params": {"in_features": 7, "out_features": 3}}], [])
    with pytest.raises(InvalidProject) as info:
        parse_project(doc)
    assert "in_features is inferred" in info.value.message and info.value.field == "in_features"


def test_a_missing_edge_gives_one_error_where_the_path_ends():
    from netbuilder.shapes import analyze
    from netbuilder.spec import load_project

    project = load_project("netbuilder/resources/templates/lenet5.json")
    project.remove_edge(next(e for e in project.edges if e.target == "y"))
    messages = {e.node: e.message for e in analyze(project).errors}
    assert set(messages) == {"y", "fc3"}, messages
