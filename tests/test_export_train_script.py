"""train.py runs with nothing but torch: one epoch per template in a subprocess where numpy,
netbuilder and safetensors cannot be imported; in one process it repeats the app's run (losses,
metrics, weights); its torch-only metrics equal netbuilder.metrics; torchrun with 2 CPU processes;
safetensors interop; and the CLI's bad-input behaviour."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from export_helpers import all_projects, import_file
from safetensors.torch import load_file, save_file

from netbuilder import metrics as M
from netbuilder.cli import main as cli_main
from netbuilder.compiler import build_model
from netbuilder.export import export_python
from netbuilder.session import prepare
from netbuilder.spec import save_project
from netbuilder.templates import template_names, template_path
from netbuilder.train import train


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


def test_train_py_one_epoch_per_template_with_only_torch(torch_only_site, tmp_path):
    names = template_names() + ["x_mlp", "x_autoencoder"]
    folders = {}
    for name in names:
        project = _small_data_project(name)
        folders[name] = tmp_path / name
        export_python(project, folders[name], weights=build_model(project).state_dict())

    def run(name):
        cmd = torch_only_command(torch_only_site, "train.py", "--epochs", "1", "--out", "run",
                                 "--weights", "model.safetensors")
        return name, subprocess.run(cmd, cwd=folders[name], env={**os.environ, "OMP_NUM_THREADS": "1"},
                                    capture_output=True, text=True, check=False, timeout=240)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, names))
    for name, proc in results:
        assert proc.returncode == 0, f"{name}:\n{proc.stdout}\n{proc.stderr}"
        logs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        assert logs[0]["epoch"] == 1 and logs[0]["train_loss"] == logs[0]["train_loss"], name
        best = load_file(str(folders[name] / "run" / "best.safetensors"))  # the real safetensors reads it
        app_keys = set(build_model(all_projects()[name]).state_dict())
        assert set(best) == app_keys, name
        model = import_file(folders[name] / "model.py", f"trained_{name}").Model()
        model.load_state_dict(best)


def _json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _close(a: float, b: float, tol: float = 1e-5) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b)) or (math.isnan(a) and math.isnan(b))


# mlp / gru_forecaster: the templates; x_mlp: dropout, l1, l2, grad clipping, ReduceLROnPlateau and
# BCEWithLogitsLoss; x_resnet: BatchNorm, SGD momentum, CosineAnnealingLR and early stopping
@pytest.mark.parametrize("name", ["mlp", "gru_forecaster", "x_mlp", "x_resnet"])
def test_train_py_repeats_the_app_run(tmp_path, name):
    """`python train.py --epochs 3` in one process gives the app trainer's epochs: the same seeding,
    batch order, losses, metrics, early stopping, best epoch and weights (up to float32 rounding:
    the app sums losses in float32, the script in float64)."""
    project = _small_data_project(name)
    project.data = dict(project.data, n=200)
    prepared = prepare(project, tmp_path)
    prepared.settings.epochs = 3  # as --epochs 3: the schedule's T_max follows it in both
    app = train(prepared.model, prepared.bundle, prepared.settings, out_dir=tmp_path / "app_run")
    export_python(project, tmp_path / "bundle")
    proc = subprocess.run([sys.executable, "train.py", "--epochs", "3", "--out", "run"], cwd=tmp_path / "bundle",
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, check=False,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    logs = _json_lines(proc.stdout)
    epochs, final = logs[:-1], logs[-1]
    assert [log["epoch"] for log in epochs] == [h["epoch"] for h in app.history]
    for ours, theirs in zip(epochs, app.history):
        keys = [k for k in theirs if k.startswith(("train_", "val_")) and k != "val_on_train"]
        assert keys and set(keys) <= set(ours), (keys, ours)
        for key in keys + ["lr"]:
            assert _close(ours[key], theirs[key]), (name, ours["epoch"], key, ours[key], theirs[key])
    assert final["best_epoch"] == app.best_epoch
    for key, value in app.metrics.items():  # every metric of the best weights, as the app reports them
        assert _close(final[f"val_{key}"], value), (name, key, final[f"val_{key}"], value)
    ours_w = load_file(str(tmp_path / "bundle" / "run" / "last.safetensors"))
    theirs_w = load_file(str(tmp_path / "app_run" / "last.safetensors"))
    assert set(ours_w) == set(theirs_w)
    for key, value in theirs_w.items():
        assert torch.allclose(ours_w[key].float(), value.float(), atol=1e-5, rtol=1e-4), (name, key)


@pytest.fixture(scope="module")
def exported_train(tmp_path_factory):
    """The exported train.py imported as a module (its CONFIG is edited per test)."""
    folder = tmp_path_factory.mktemp("train_module") / "b"
    export_python(all_projects()["x_mlp"], folder)
    sys.path.insert(0, str(folder))
    try:
        return import_file(folder / "train.py", "exported_train_metrics")
    finally:
        sys.path.remove(str(folder))


def _check_metrics(train_module, task, out, y, num_classes=None):
    theirs = M.evaluate(task, out, y, num_classes, details=False)
    train_module.CONFIG["task"] = task
    if task == "regression":
        ours = train_module.regression_metrics(out, y)
    else:
        ours = train_module.classifier_metrics(out, y, with_auroc=True)
    assert set(ours) == set(theirs), (ours, theirs)
    for key, value in theirs.items():
        assert _close(ours[key], value, 1e-5), (task, key, ours[key], value)


@pytest.mark.filterwarnings("ignore:No positive samples")
@pytest.mark.parametrize("seed", range(6))
def test_script_metrics_equal_netbuilder_metrics(exported_train, seed):
    gen = torch.Generator().manual_seed(seed)
    n = 40 + seed * 13
    exported_train.CONFIG["loss"] = {"type": "BCEWithLogitsLoss"}
    # 5 classes: logits rounded so that probabilities tie (auroc's ties); class 4 is neither a target
    # nor a prediction (the macro averages leave it out), class 3 is predicted but never a target
    logits = (torch.randn(n, 5, generator=gen) * 2).round()
    logits[:, 3] += 1
    logits[:, 4] -= 20
    target = torch.randint(0, 3, (n,), generator=gen)
    _check_metrics(exported_train, "classification", logits, target, 5)
    _check_metrics(exported_train, "classification", logits[:, :3], torch.randint(0, 3, (n,), generator=gen), 3)
    # binary: one logit against 0/1 floats; multi-label: three
    for labels in (1, 3):
        out = torch.randn(n, labels, generator=gen).round()
        y = (torch.rand(n, labels, generator=gen) < 0.4).float()
        _check_metrics(exported_train, "binary", out, y)
    # regression: one output, several outputs (variance-weighted r2), and a constant output column
    y = torch.randn(n, 1, generator=gen)
    _check_metrics(exported_train, "regression", y + 0.3 * torch.randn(n, 1, generator=gen), y)
    y = torch.randn(n, 4, generator=gen) * torch.tensor([1.0, 3.0, 0.1, 0.0]) + 2
    _check_metrics(exported_train, "regression", y + 0.2 * torch.randn(n, 4, generator=gen), y)
    y = torch.rand(n, 1, 3, 3, generator=gen)  # an autoencoder's image targets
    _check_metrics(exported_train, "regression", y + 0.1 * torch.randn(n, 1, 3, 3, generator=gen), y)


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


def test_builtin_safetensors_writer_and_reader(tmp_path):
    export_python(all_projects()["x_mlp"], tmp_path / "b")
    sys.path.insert(0, str(tmp_path / "b"))
    try:
        train = import_file(tmp_path / "b" / "train.py", "exported_train")
    finally:
        sys.path.remove(str(tmp_path / "b"))
    tensors = {"f32": torch.randn(3, 4), "f64": torch.randn(2, dtype=torch.float64), "i64": torch.arange(5),
               "bf16": torch.randn(4).bfloat16(), "u8": torch.arange(3, dtype=torch.uint8),
               "b": torch.tensor([True, False]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3)}
    train.save_safetensors(tensors, tmp_path / "ours.safetensors")
    theirs = load_file(str(tmp_path / "ours.safetensors"))
    save_file(tensors, str(tmp_path / "theirs.safetensors"))
    ours = train.load_safetensors(tmp_path / "theirs.safetensors")
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
