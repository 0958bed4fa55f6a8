"""`netbuilder export PROJECT --format python|onnx|pt2 -o OUT [--weights CKPT] [--force] [--json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli_report import fail
from .errors import ProjectError
from .spec import load_project


def run(args) -> int:
    from .export import export

    def progress(message: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    fmt = args.format or {".onnx": "onnx", ".pt2": "pt2"}.get(Path(args.output).suffix.lower(), "python")
    try:
        project = load_project(args.project)
        result = export(project, fmt, args.output, weights=args.weights,
                        base_dir=Path(args.project).resolve().parent, force=args.force, progress=progress,
                        network=getattr(args, "network", None))
    except ProjectError as exc:
        status = fail(exc, args.json, written=False)
        print("nothing was written.", file=sys.stderr)
        return status
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        files = [str(f) for f in result.files] if fmt == "python" else [str(result.path)]
        sys.stdout.write(json.dumps({"written": True, "format": fmt, "path": str(result.path),
                                     "files": files, "warnings": list(result.warnings)}) + "\n")
    elif fmt == "python":
        print(f"wrote {result.path}/: {', '.join(f.name for f in result.files)}")
        print(f"run it: cd {result.path} && python train.py   (or torchrun --nproc_per_node=N train.py)")
    else:
        print(f"wrote {result.path}")
    return 0
