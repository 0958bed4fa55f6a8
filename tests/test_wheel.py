"""The package works when installed from a wheel, away from the checkout: templates, built-in
data and the GUI come from package data, not from files lying beside the source."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, cwd, env):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
def test_a_built_wheel_installed_elsewhere_runs_every_first_command(tmp_path):
    # Build from a copy holding only what a source distribution holds, so nothing stale or
    # untracked in the checkout (build/, runs/) can make the wheel look complete.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in ("netbuilder", "ui"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist",
          src], cwd=tmp_path, env=os.environ)
    wheel = next((tmp_path / "dist").glob("netbuilder-*.whl"))

    # A fresh environment: the wheel is installed into it; its dependencies (torch, Qt...) are
    # borrowed read-only from this one through a plain path entry, which runs none of this
    # environment's .pth hooks, so the editable checkout stays invisible.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path, env=os.environ).strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         cwd=tmp_path, env=os.environ)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    exe = env_dir / "bin" / "netbuilder"

    where = _run([python, "-c", "import netbuilder, ui; print(netbuilder.__file__, ui.__file__)"], cwd=work, env=env)
    assert all(str(site) in p for p in where.split()), where

    listed = _run([exe, "templates"], cwd=work, env=env)
    assert "lenet5" in listed and "mlp" in listed
    _run([exe, "new", "--template", "lenet5", "-o", "lenet.json"], cwd=work, env=env)
    _run([exe, "validate", "lenet.json"], cwd=work, env=env)
    result = json.loads(_run([exe, "train", "lenet.json", "--epochs", "1", "--out", "run", "--json"], cwd=work, env=env))
    assert result["epochs"] == 1 and Path(result["checkpoint"]).is_file()
    _run([exe, "export", "lenet.json", "--format", "python", "-o", "bundle", "--weights", result["checkpoint"]],
         cwd=work, env=env)
    assert (work / "bundle" / "model.py").is_file()
    _run([exe, "gui", "lenet.json", "--screenshot", "shot.png"], cwd=work, env=env)
    assert (work / "shot.png").stat().st_size > 10_000
