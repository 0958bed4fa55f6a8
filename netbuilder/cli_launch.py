"""`netbuilder train --nproc-per-node N`: the same run under torchrun (torch.distributed.run),
one process per GPU (nccl) or N CPU processes (gloo). Every process runs `netbuilder train`
itself (the app's Trainer over the runtime's Loop); rank 0 reports, evaluates and writes the run
folder, whose path is fixed here so that all ranks agree on it."""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
from pathlib import Path

from . import training_fields
from .session import default_run_dir
from .spec import Project, load_project

FORWARDED = (("data", "--data"), ("target", "--target"), ("resume", "--resume"),
             ("init_weights", "--init-weights"))


def worker_command(args, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={args.nproc_per_node}", "-m", "netbuilder.cli", "train",
           str(Path(args.project).resolve())]
    for attr, flag in FORWARDED:
        value = getattr(args, attr, None)
        if value is not None:
            cmd += [flag, str(Path(value).resolve()) if attr in ("data", "resume", "init_weights")
                    else str(value)]
    for path, value in training_fields.flag_values(args).items():  # --epochs, --lr...
        cmd += training_fields.flag_argv(path, value)
    if not getattr(args, "resume", None):
        cmd += ["--out", str(out)]
    if getattr(args, "init_strict", False):
        cmd.append("--init-strict")
    if args.json:
        cmd.append("--json")
    return cmd


def project_for_launch(project: Project, base_dir) -> Project:
    """A copy of `project` whose file paths are absolute: saved anywhere (the app saves the
    document as it stands, unsaved edits included), it trains on the same files."""
    project = copy.deepcopy(project)
    base = Path(base_dir)
    data = dict(project.data or {})
    for key in ("path", "target_path"):
        if isinstance(data.get(key), str):
            data[key] = str((base / Path(data[key]).expanduser()).resolve())
    if project.data:
        project.data = data
    training = dict(project.training or {})
    weights = training.get("init_weights")
    if isinstance(weights, str) and not weights.startswith("builtin:"):
        training["init_weights"] = str((base / Path(weights).expanduser()).resolve())
        project.training = training
    return project


def launch_env(base: dict | None = None) -> dict:
    """The environment that runs this very netbuilder (a checkout, not only an install)."""
    base = dict(os.environ if base is None else base)
    package_root = str(Path(__file__).resolve().parent.parent)
    base["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [base.get("PYTHONPATH")])])
    base.setdefault("OMP_NUM_THREADS", "1")
    return base


def train_command(project: Path, nproc: int, out: Path, device: str | None = None) -> list[str]:
    """What `netbuilder train PROJECT --nproc-per-node N --out RUN_DIR --json` runs (torchrun
    and its workers), for the app to start itself: one Python start-up less than the CLI."""
    args = argparse.Namespace(project=str(project), nproc_per_node=int(nproc), device=device,
                              json=True)
    return worker_command(args, Path(out).resolve())


def launch(args) -> int:
    """Run the workers; their stderr (progress) and rank 0's stdout (the result) pass through."""
    project_path = Path(args.project)
    if getattr(args, "resume", None):
        out = Path(args.resume).resolve()
    elif args.out:
        out = Path(args.out).resolve()
    else:
        out = default_run_dir(load_project(project_path), project_path).resolve()
    proc = subprocess.run(worker_command(args, out), env=launch_env(), stdout=subprocess.PIPE,
                          text=True, check=False)
    sys.stdout.write(proc.stdout)
    return 0 if proc.returncode == 0 else 1
