"""`netbuilder train --nproc-per-node N`: the same run under torchrun (torch.distributed.run),
one process per GPU (nccl) or N CPU processes (gloo). Every process runs `netbuilder train`
itself (the app's Trainer over the runtime's Loop); rank 0 reports, evaluates and writes the run
folder, whose path is fixed here so that all ranks agree on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .session import default_run_dir
from .spec import load_project

FORWARDED = (("data", "--data"), ("target", "--target"), ("epochs", "--epochs"),
             ("device", "--device"), ("resume", "--resume"), ("init_weights", "--init-weights"))


def worker_command(args, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={args.nproc_per_node}", "-m", "netbuilder.cli", "train",
           str(Path(args.project).resolve())]
    for attr, flag in FORWARDED:
        value = getattr(args, attr, None)
        if value is not None:
            cmd += [flag, str(Path(value).resolve()) if attr in ("data", "resume", "init_weights")
                    else str(value)]
    if not getattr(args, "resume", None):
        cmd += ["--out", str(out)]
    if getattr(args, "init_strict", False):
        cmd.append("--init-strict")
    if args.json:
        cmd.append("--json")
    return cmd


def launch(args) -> int:
    """Run the workers; their stderr (progress) and rank 0's stdout (the result) pass through."""
    project_path = Path(args.project)
    if getattr(args, "resume", None):
        out = Path(args.resume).resolve()
    elif args.out:
        out = Path(args.out).resolve()
    else:
        out = default_run_dir(load_project(project_path), project_path).resolve()
    package_root = str(Path(__file__).resolve().parent.parent)  # this very netbuilder
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run(worker_command(args, out), env=env, stdout=subprocess.PIPE, text=True,
                          check=False)
    sys.stdout.write(proc.stdout)
    return 0 if proc.returncode == 0 else 1
