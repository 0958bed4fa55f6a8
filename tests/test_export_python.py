"""Python export fidelity: model.py with the app's weights equals the app's module, for every template,
a few hand-built graphs and random valid graphs; generated code passes ruff and imports only torch."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from export_helpers import all_projects, import_file, random_project
from safetensors.torch import load_file

from netbuilder.compiler import build_model, model_source
from netbuilder.export import export_python
from netbuilder.export.formats import sample_inputs
from netbuilder.shapes import analyze

PROJECTS = all_projects()
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Each project trained-as-initialised in the app, exported once: name -> (project, app model, folder)."""
    root = tmp_path_factory.mktemp("bundles")
    out = {}
    for name, project in PROJECTS.items():
        torch.manual_seed(1)
        model = build_model(project).eval()
        folder = root / name
        export_python(project, folder, weights=model.state_dict())
        out[name] = (project, model, folder)
    return out


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_exported_model_matches_app_module(bundles, name):
    project, app_model, folder = bundles[name]
    exported = import_file(folder / "model.py", f"exported_{name}").Model()
    state = load_file(str(folder / "model.safetensors"))
    assert set(state) == set(app_model.state_dict()) == set(exported.state_dict())
    exported.load_state_dict(state)
    exported.eval()
    analysis = analyze(project)
    for batch in (1, 7):
        args = sample_inputs(project, analysis, batch, seed=batch)
        with torch.no_grad():
            want, got = app_model(*args), exported(*args)
        want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
        for w, g in zip(want, got):
            assert w.dtype == torch.float32
            assert (w - g).abs().max().item() <= 1e-6


def test_bundle_contents(bundles):
    for name, (project, _, folder) in bundles.items():
        files = {p.name for p in folder.iterdir()}
        assert {"model.py", "train.py", "model.safetensors", "project.json", "README.md"} <= files, name
        if project.data:
            assert "data.pt" in files
        readme = (folder / "README.md").read_text()
        assert "python train.py" in readme and "torchrun --nproc_per_node=" in readme
        assert "torchrun --nnodes=2 --node-rank=0 --nproc_per_node=4" in readme  # several machines


def test_generated_code_imports_only_torch(bundles):
    for name, (_, _, folder) in bundles.items():
        runtime = sorted(p.relative_to(folder).as_posix() for p in (folder / "runtime").glob("*.py"))
        for file in ("model.py", "train.py", *runtime):
            tree = ast.parse((folder / file).read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    roots = {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom):  # relative: within runtime/
                    roots = {"" if node.level else (node.module or "").split(".")[0]}
                else:
                    continue
                allowed = ({"torch"} if file == "model.py" else
                           {"torch", "model", "runtime", "", *sys.stdlib_module_names})  # "": relative
                assert roots <= allowed, (name, file, roots)


def _ruff(*args, cwd):
    for cmd in (["check", *args], ["format", "--check", "--diff", *args]):
        run = subprocess.run([RUFF, cmd[0], "--isolated", "--no-cache", *cmd[1:]], capture_output=True, text=True, check=False,
                             cwd=cwd)
        assert run.returncode == 0, f"{cwd}: {run.stdout}{run.stderr}"


def test_generated_code_passes_ruff(bundles, tmp_path):
    """Default ruff settings (--isolated), run in each exported folder as its user would."""
    for _, _, folder in bundles.values():
        _ruff("model.py", "train.py", cwd=folder)
    for seed in range(30):
        (tmp_path / f"random{seed}.py").write_text(model_source(random_project(seed)))
    _ruff(".", cwd=tmp_path)


@pytest.mark.parametrize("seed", range(30))
def test_random_graph_fidelity(tmp_path, seed):
    project = random_project(seed)
    analysis = analyze(project)
    assert not analysis.errors, analysis.errors
    torch.manual_seed(seed)
    app_model = build_model(project, analysis).eval()
    export_python(project, tmp_path / "out", weights=app_model.state_dict())
    exported = import_file(tmp_path / "out" / "model.py", f"random_{seed}").Model().eval()
    exported.load_state_dict(load_file(str(tmp_path / "out" / "model.safetensors")))
    args = sample_inputs(project, analysis, 7, seed=seed)
    with torch.no_grad():
        assert (app_model(*args) - exported(*args)).abs().max().item() <= 1e-6


def test_resnet_reads_like_hand_written_code():
    project = PROJECTS["resnet"]
    analysis = analyze(project)
    source = model_source(project)
    assert "NetBuilder" not in source and "generated" not in source.lower()
    layers = {}  # self.<id> = nn.<Layer>(...) in __init__, read back from the source
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and ast.unparse(node.value.func) == "nn.Conv2d":
                call = node.value
                layers[target.attr] = ([ast.literal_eval(a) for a in call.args],
                                       {k.arg: ast.literal_eval(k.value) for k in call.keywords})
    convs = [n for n in project.nodes if n.type == "Conv2d"]
    assert convs and set(layers) == {n.id for n in convs}
    for node in convs:  # one plain nn.Conv2d per node, its in_channels inferred from the graph
        (source_id,) = [e.source for e in project.edges if e.target == node.id]
        args, kwargs = layers[node.id]
        assert args == [analysis.tensors[source_id].shape[0], node.params["out_channels"]], node.id
        assert {k: v for k, v in node.params.items() if k != "out_channels"}.items() <= kwargs.items(), node.id
    assert " + " in source  # the residual sum is plain torch
    assert "Parameters: " in source and "Input x: [batch, " in source
