"""`netbuilder search PROJECT --space SPACE.json --trials N [--storage URL] [--study NAME] [--json]`.

Adds N trials to the study (creating it, or resuming one of that name); `--trials 0` only
reports it. Several processes, here or on other machines, pointed at one `--storage` share
the study. Progress goes to stderr, one line per trial."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("search", help="hyper-parameter search (Optuna); --trials 0 only reports")
    p.add_argument("project")
    p.add_argument("--space", required=True, metavar="SPACE.json", help="what to vary, and over what")
    p.add_argument("--trials", type=int, required=True, help="trials to add (0: only report)")
    p.add_argument("--storage", metavar="URL",
                   help="Optuna storage URL (default: sqlite in the project's runs folder)")
    p.add_argument("--study", metavar="NAME", help="study name (default: the project's name)")
    p.add_argument("--metric", default="val_loss",
                   help="what a trial is scored by: val_loss (default) or a metric (accuracy, r2...)")
    p.add_argument("--sampler", default="tpe", choices=("tpe", "random", "grid"))
    p.add_argument("--pruner", default="median", choices=("median", "none"))
    p.add_argument("--workers", type=int, default=1, help="trials run side by side in processes")
    p.add_argument("--epochs", type=int, help="epochs per trial (default: the project's)")
    p.add_argument("--seed", type=int, help="sampler seed")
    p.add_argument("--apply", action="store_true",
                   help="write the best trial's values into PROJECT (Apply best)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _print_trial(event: tuple) -> None:
    if event[0] == "trial":
        row = event[1]
        params = "  ".join(f"{k} {_fmt(v)}" for k, v in row["params"].items())
        value = f" {_fmt(row['value'])}" if row["value"] is not None else ""
        why = f" ({row['error']})" if row["error"] else ""
        print(f"trial {row['trial']}: {row['state']}{value} after {row['epochs']} epochs  {params}{why}",
              file=sys.stderr, flush=True)
    elif event[0] == "progress" and event[3] is not None:
        print(f"[{event[1]}/{event[2]} trials, about {event[3]:.0f}s left]", file=sys.stderr, flush=True)


def run(args) -> int:
    from .cli_report import fail as _fail
    from .cli_stop import stop_on_ctrl_c
    from .experiments.search import search
    from .experiments.space import load_space
    from .session import USER_ERRORS
    from .spec import load_project

    with stop_on_ctrl_c() as should_stop:
        try:
            project = load_project(args.project)
            result = search(project, Path(args.project).parent, load_space(args.space), args.trials,
                            project_path=args.project, storage=args.storage, study=args.study,
                            metric=args.metric, sampler=args.sampler, pruner=args.pruner,
                            workers=args.workers, seed=args.seed, epochs=args.epochs,
                            on_event=_print_trial, should_stop=should_stop)
            if args.apply:
                if not result.best:
                    return _fail("The study has no finished trial to apply yet.", args.json)
                from .experiments.search import apply_params
                from .spec import save_project

                save_project(apply_params(project, result.best["params"]), args.project)
                print(f"applied trial {result.best['trial']} to {args.project}", file=sys.stderr)
        except USER_ERRORS as err:
            return _fail(err, args.json)
    out = result.to_json()
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
        return 0
    print(f"study {result.study} in {result.storage}: {out['trials']} trials "
          + ", ".join(f"{n} {s}" for s, n in out["states"].items()))
    if result.best:
        params = "  ".join(f"{k} {_fmt(v)}" for k, v in result.best["params"].items())
        print(f"best: trial {result.best['trial']}, {result.metric} {_fmt(result.best['value'])}  {params}")
    for name, share in result.importances.items():
        print(f"importance {name}: {share:.2f}")
    return 0
