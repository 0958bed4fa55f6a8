"""`netbuilder runs PROJECT [--json]`: the project's run folders with their settings and metrics."""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="the project's runs with their settings and metrics")
    p.add_argument("project", help="the project file (its runs/ folder is listed)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else ("" if value is None else str(value))


def run(args) -> int:
    from .experiments.runs import list_runs, runs_root

    runs = list_runs(runs_root(args.project))
    if args.json:
        sys.stdout.write(json.dumps({"runs": [r.to_json() for r in runs]}) + "\n")
        return 0
    if not runs:
        print(f"no runs yet in {runs_root(args.project)}")
        return 0
    for r in runs:
        metrics = "  ".join(f"{k} {_fmt(v)}" for k, v in r.metrics.items())
        settings = "  ".join(f"{k.split('.')[-1]} {_fmt(v)}" for k, v in r.key_settings().items())
        took = f"{r.duration_s:.1f}s" if r.duration_s is not None else "?"
        print(f"{r.label}  {r.started or '?'}  {r.status}  {r.epochs} epochs  {took}  "
              f"{metrics}  [{settings}]" + (f"  ({r.problem})" if r.problem else ""))
    return 0
