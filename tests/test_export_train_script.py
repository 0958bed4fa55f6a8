"""The exported bundle (model.py + the runtime's files + train_config.json) runs with nothing but
torch: one epoch per template in a subprocess where numpy, netbuilder and safetensors cannot be
imported; for every training option it repeats the app's run (per-epoch losses, metrics and final
weights within 1e-6); torchrun with 2 CPU processes; safetensors interop; and the CLI's bad-input
behaviour."""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from export_helpers import all_projects, import_file
from safetensors.torch import load_file, save_file

from netbuilder.cli import main as cli_main
from netbuilder.compiler import build_model
from netbuilder.export import export_python
from netbuilder.session import prepare
from netbuilder.spec import save_project
from netbuilder.templates import template_names, template_path
from netbuilder.train import train

ROOT = Path(__file__).resolve().parent.parent


def _torch_closure() -> set[str]:
    """Top-level module names of torch and its (recursive) requirements."""
    from importlib.metadata import packages_distributions, requires

    by_dist: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for d in dists:
            by_dist.setdefault(d.lower().replace("_", "-"), set()).add(module)
    todo, seen, modules = ["torch"], set(), set()
    while todo:
        dist = todo.pop().lower().replace("_", "-")
        if dist in seen:
            continue
        seen.add(dist)
        modules |= by_dist.get(dist, set())
        for req in requires(dist) or []:
            if "extra ==" in req:
                continue
            name = req.split(";")[0].strip()
            for sep in "<>=!~[ (":
                name = name.split(sep)[0]
            todo.append(name)
    return modules - {"numpy", "netbuilder", "safetensors"}


@pytest.fixture(scope="module")
def torch_only_site(tmp_path_factory):
    """A site folder holding links to torch and its own dependencies only (no numpy, no netbuilder)."""
    site = tmp_path_factory.mktemp("torch_only")
    torch_dir = Path(torch.__file__).resolve().parent.parent
    for name in _torch_closure():
        for candidate in (torch_dir / name, torch_dir / f"{name}.py"):
            if candidate.exists():
                (site / candidate.name).symlink_to(candidate)
    return site


def torch_only_command(site: Path, *args: str) -> list[str]:
    """`python -I -S` (no site-packages, no PYTHONPATH, no user site) seeing only `site` and the cwd."""
    code = (f"import runpy, sys; sys.path[:0] = ['', {str(site)!r}]; sys.argv = {list(args)!r}; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    return [sys.executable, "-I", "-S", "-c", code]


def test_torch_only_site_has_no_numpy(torch_only_site, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import torch\nfor m in ('numpy', 'netbuilder', 'safetensors'):\n    try:\n"
                     "        __import__(m)\n    except ImportError:\n        print('missing', m)\n")
    run = subprocess.run(torch_only_command(torch_only_site, "probe.py"), capture_output=True, text=True, check=False,
                         cwd=tmp_path, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.stdout.split("\n")[:3] == ["missing numpy", "missing netbuilder", "missing safetensors"], run.stderr


def _small_data_project(name):
    """The template with its built-in data cut to a few hundred samples (train.py still runs a full epoch)."""
    project = all_projects()[name]
    if project.data and project.data.get("kind") == "builtin":
        project.data = dict(project.data, n=min(project.data.get("n") or 10**9, 256))
    return project


# One torch-only process trains every bundle in turn (importing torch and dynamo once, not once per
# template); each bundle's own `model` and `runtime` modules are dropped before the next one runs.
_EVERY_BUNDLE = """
import json, os, runpy, sys, traceback
for folder in json.loads(sys.argv[1]):
    os.chdir(folder)
    for name in [m for m in sys.modules if m in ('model', 'train_entry') or m.split('.')[0] == 'runtime']:
        del sys.modules[name]
    sys.path[0] = folder
    sys.argv = ['train.py', '--epochs', '1', '--out', 'run', '--weights', 'model.safetensors']
    print('== ' + os.path.basename(folder), flush=True)
    try:
        runpy.run_path('train.py', run_name='__main__')
    except BaseException:
        print('FAILED ' + traceback.format_exc().replace(chr(10), ' | '), flush=True)
"""


def test_train_py_one_epoch_per_template_with_only_torch(torch_only_site, tmp_path):
    names = template_names() + ["x_mlp", "x_autoencoder"]
    folders = {}
    for name in names:
        project = _small_data_project(name)
        folders[name] = tmp_path / name
        export_python(project, folders[name], weights=build_model(project).state_dict())
    driver = tmp_path / "every_bundle.py"
    driver.write_text(_EVERY_BUNDLE)
    cmd = torch_only_command(torch_only_site, str(driver), json.dumps([str(folders[n]) for n in names]))
    proc = subprocess.run(cmd, cwd=tmp_path, env={**os.environ, "OMP_NUM_THREADS": "1"},
                          capture_output=True, text=True, check=False, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outputs = dict(part.split("\n", 1) for part in proc.stdout.split("== ")[1:])
    assert sorted(outputs) == sorted(names)
    for name in names:
        assert "FAILED" not in outputs[name], f"{name}: {outputs[name]}"
        logs = _json_lines(outputs[name])
        assert logs[0]["epoch"] == 1 and math.isfinite(logs[0]["train_loss"]), name
        best = load_file(str(folders[name] / "run" / "best.safetensors"))  # the real safetensors reads it
        app_keys = set(build_model(all_projects()[name]).state_dict())
        assert set(best) == app_keys, name
        model = import_file(folders[name] / "model.py", f"trained_{name}").Model()
        model.load_state_dict(best)


def _json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _option_project(base: str, data: dict | None = None, training: dict | None = None):
    project = copy.deepcopy(all_projects()[base])
    project.data = {**project.data, **(data or {})}
    project.training = {**project.training, **(training or {})}
    return project


# each option of the runtime once, on tiny data: every augmentation, every schedule with its
# defaults, L1/L2, clipping, early stopping, both recipes (x_mlp: dropout, LayerNorm, RMSprop,
# BCEWithLogitsLoss, l1, l2, clipping, ReduceLROnPlateau; x_resnet: BatchNorm, SGD momentum)
OPTIONS = {
    "x_mlp": ("x_mlp", {"n": 120}, None),
    "StepLR, l2": ("x_mlp", {"n": 120}, {"schedule": {"type": "StepLR"}, "l1": 0.0, "grad_clip": None,
                                          "l2": 1e-3, "epochs": 3}),
    "ExponentialLR, l1": ("x_mlp", {"n": 120}, {"schedule": {"type": "ExponentialLR"}, "l1": 1e-3,
                                                "l2": 0.0, "grad_clip": None}),
    "CosineAnnealingLR, early stopping": ("x_resnet", {"n": 96}, {
        "epochs": 3, "early_stopping": {"patience": 1, "min_delta": 10.0}}),
    "flip, crop": ("x_resnet", {"n": 64, "augment": {"flip": True, "crop": 2}}, {"epochs": 2}),
    "rotation, noise": ("x_resnet", {"n": 64, "augment": {"rotation": 20, "noise": 0.1}},
                        {"epochs": 2, "schedule": None, "early_stopping": None}),
    "autoencoder, noise": ("x_autoencoder", {"n": 64, "augment": {"noise": 0.05}}, None),
    # the adversarial recipe: its d_loss, g_loss, d_real and d_fake too (checked below)
    "GAN bce, label smoothing": ("dcgan", {"n": 96}, {"epochs": 2}),
    "GAN wgan-gp, uniform noise, 2 D steps": ("dcgan", {"n": 64}, {
        "epochs": 2, "adversarial": {"loss": "wgan-gp", "noise": "uniform", "d_steps": 2, "samples": 16}}),
    "GAN hinge, 2 G steps": ("dcgan", {"n": 64}, {"epochs": 1, "adversarial": {"loss": "hinge", "g_steps": 2}}),
    "VAE, KL warm-up": ("vae", {"n": 64}, {"epochs": 2, "vae": {"kl_weight": 0.5, "warmup_epochs": 2}}),
}


def _run_exported(folder: Path, *args: str) -> list[dict]:
    """The bundle's own runtime package (not netbuilder's) trains its model.py, in this process."""
    assert (folder / "runtime" / "loop.py").read_bytes() == (ROOT / "netbuilder" / "runtime" / "loop.py").read_bytes()
    sys.path.insert(0, str(folder))
    try:
        script = importlib.import_module("runtime.script")
        assert Path(script.__file__).resolve().parent == (folder / "runtime").resolve()
        model = import_file(folder / "model.py", f"model_{folder.parent.name}").Model
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            script.main(model, folder, list(args))
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == "runtime" or m.startswith("runtime.")]:
            del sys.modules[name]  # the next bundle imports its own copy
    return _json_lines(out.getvalue())


@pytest.mark.parametrize("option", OPTIONS)
def test_the_exported_runtime_repeats_the_app_run(tmp_path, option):
    """Per-epoch losses, metrics and learning rates, the best epoch, the early stop and the final
    weights of the exported bundle equal the app's (CPU, within 1e-6)."""
    base, data, training = OPTIONS[option]
    project = _option_project(base, data, training)
    prepared = prepare(project, tmp_path)
    app = train(prepared.model, prepared.bundle, prepared.settings, out_dir=tmp_path / "app_run")
    export_python(project, tmp_path / "bundle")
    logs = _run_exported(tmp_path / "bundle", "--out", str(tmp_path / "bundle" / "run"))
    epochs, final = logs[:-1], logs[-1]
    assert [log["epoch"] for log in epochs] == [h["epoch"] for h in app.history]
    for ours, theirs in zip(epochs, app.history):
        keys = [k for k in theirs if k.startswith(("train_", "val_", "d_", "g_", "recon_", "kl"))
                and k != "val_on_train"]
        assert keys and set(keys) <= set(ours), (keys, ours)
        for key in keys + ["lr", "step"]:
            assert abs(ours[key] - theirs[key]) <= 1e-6 or (math.isnan(ours[key]) and math.isnan(theirs[key])), (
                option, ours["epoch"], key, ours[key], theirs[key])
    assert final["best_epoch"] == app.best_epoch
    for key, value in app.metrics.items():  # every metric of the best weights, as the app reports them
        assert abs(final[f"val_{key}"] - value) <= 1e-6, (option, key, final[f"val_{key}"], value)
    ours_w = load_file(str(tmp_path / "bundle" / "run" / "last.safetensors"))
    theirs_w = load_file(str(tmp_path / "app_run" / "last.safetensors"))
    assert set(ours_w) == set(theirs_w)
    worst = max(float((ours_w[k].double() - v.double()).abs().max()) for k, v in theirs_w.items())
    assert worst <= 1e-6, (option, worst)


def test_a_training_text_that_looks_like_code_still_exports_valid_code(tmp_path):
    """The old template was patched with str.replace("AUGMENT = None", ...) after the config was
    inlined: such a text plus augmentation gave a SyntaxError. Now nothing is rendered."""
    project = _option_project("x_resnet", {"n": 64, "augment": {"flip": True}}, {"epochs": 1})
    project.name = 'AUGMENT = None"""\nAUGMENT = None'
    project.description = "AUGMENT = None\n# <AUGMENT>\nCONFIG = {}"
    project.training = {**project.training, "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9}}
    export_python(project, tmp_path / "b")
    for file in [tmp_path / "b" / "train.py", tmp_path / "b" / "model.py", *(tmp_path / "b" / "runtime").glob("*.py")]:
        compile(file.read_text(encoding="utf-8"), str(file), "exec")
    config = json.loads((tmp_path / "b" / "train_config.json").read_text())
    assert config["augment"]["flip"] is True
    logs = _run_exported(tmp_path / "b", "--out", str(tmp_path / "b" / "run"))
    assert logs[0]["epoch"] == 1


def test_torchrun_two_cpu_processes(tmp_path):
    project = _small_data_project("x_mlp")
    export_python(project, tmp_path / "bundle")
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", "train.py", "--epochs", "2",
                           "--out", "run"], cwd=tmp_path / "bundle", env=env, capture_output=True, text=True, check=False,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "training on 2 x cpu" in proc.stdout
    logs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"epoch"')]
    assert [log["epoch"] for log in logs] == [1, 2]  # rank 0 alone prints
    state = load_file(str(tmp_path / "bundle" / "run" / "last.safetensors"))
    assert set(state) == set(build_model(project).state_dict())


def test_the_runtime_safetensors_writer_and_reader_agree_with_safetensors(tmp_path):
    from netbuilder.runtime.safetensors_io import load_file as our_load
    from netbuilder.runtime.safetensors_io import save_file as our_save

    tensors = {"f32": torch.randn(3, 4), "f64": torch.randn(2, dtype=torch.float64), "i64": torch.arange(5),
               "bf16": torch.randn(4).bfloat16(), "u8": torch.arange(3, dtype=torch.uint8),
               "b": torch.tensor([True, False]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3)}
    our_save(tensors, tmp_path / "ours.safetensors")
    theirs = load_file(str(tmp_path / "ours.safetensors"))
    save_file(tensors, str(tmp_path / "theirs.safetensors"))
    ours = our_load(tmp_path / "theirs.safetensors")
    for name, t in tensors.items():
        for got in (theirs[name], ours[name]):
            assert got.dtype == t.dtype and got.shape == t.shape and torch.equal(got, t), name


# --- CLI ---------------------------------------------------------------------------------------------

def _invalid_project(tmp_path):
    doc = json.loads(template_path("lenet5").read_text())
    doc["graph"]["edges"] = [e for e in doc["graph"]["edges"] if e["target"] != "fc1"]
    doc["graph"]["edges"].append({"source": "pool2", "target": "fc1"})  # skips the Flatten
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("fmt", ["python", "onnx", "pt2"])
def test_cli_invalid_graph_names_nodes_and_writes_nothing(tmp_path, capsys, fmt):
    bad = _invalid_project(tmp_path)
    out = tmp_path / "out" / ("bundle" if fmt == "python" else f"model.{fmt}")
    assert cli_main(["export", str(bad), "--format", fmt, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "fc1" in err and "nothing was written" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_export_json_reports_the_nodes_at_fault_or_the_files_written(tmp_path, capsys):
    bad = _invalid_project(tmp_path)
    assert cli_main(["export", str(bad), "-o", str(tmp_path / "no"), "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert refused["written"] is False and not (tmp_path / "no").exists()
    assert {"flatten", "fc1"} <= {e["node"] for e in refused["errors"]}
    assert refused["error"] == refused["errors"][0]["message"] + " (and 1 more problem)"
    out = tmp_path / "model.onnx"
    assert cli_main(["export", str(template_path("lenet5")), "-o", str(out), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written == {"written": True, "format": "onnx", "path": str(out), "files": [str(out)],
                       "warnings": []}
    assert out.stat().st_size > 0


def test_cli_refuses_to_overwrite_without_force(tmp_path, capsys):
    project = tmp_path / "p.json"
    save_project(all_projects()["x_mlp"], project)
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli_main(["export", str(project), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert cli_main(["export", str(project), "-o", str(out), "--force"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"model.py", "train.py", "README.md", "project.json", "data.pt", "notes.txt"} <= names
    assert "model.safetensors" not in names  # no --weights: nothing trained to ship


def test_cli_weights_and_formats(tmp_path, capsys):
    project_path = tmp_path / "p.json"
    project = all_projects()["x_mlp"]
    save_project(project, project_path)
    model = build_model(project)
    save_file(model.state_dict(), str(tmp_path / "best.safetensors"))
    assert cli_main(["export", str(project_path), "-o", str(tmp_path / "b"), "--weights",
                     str(tmp_path / "best.safetensors")]) == 0
    shipped = load_file(str(tmp_path / "b" / "model.safetensors"))
    assert all(torch.equal(shipped[k], v) for k, v in model.state_dict().items())
    assert cli_main(["export", str(project_path), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 0
    assert (tmp_path / "m.onnx").stat().st_size > 0
    wrong = tmp_path / "wrong.safetensors"
    save_file({"nope": torch.zeros(1)}, str(wrong))
    assert cli_main(["export", str(project_path), "--format", "pt2", "-o", str(tmp_path / "m.pt2"),
                     "--weights", str(wrong)]) == 1
    assert "weights" in capsys.readouterr().err and not (tmp_path / "m.pt2").exists()
