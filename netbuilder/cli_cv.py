"""`netbuilder cv PROJECT --folds K [--epochs N] [--workers W] [--json]`: k-fold cross-validation.

Progress (one line per finished epoch, with an ETA) goes to stderr; Ctrl-C stops every fold
after its current batch and still prints what the folds reached."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("cv", help="k-fold cross-validation (stratified for classes)")
    p.add_argument("project")
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--epochs", type=int, help="epochs per fold (default: the project's)")
    p.add_argument("--data", help="data file or folder (overrides the project's)")
    p.add_argument("--target", help="target column for CSV data")
    p.add_argument("--workers", type=int, help="folds run side by side (default: one per core)")
    p.add_argument("--seed", type=int, help="fold assignment seed (default: data.split.seed)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def progress_printer(stream=None):
    def on_event(event: tuple) -> None:
        if event[0] == "progress":
            _, done, total, eta = event
            left = f", about {eta:.0f}s left" if eta is not None else ""
            print(f"[{done}/{total} epochs{left}]", file=stream or sys.stderr, flush=True)
        elif event[0] == "epoch":
            _, fold, epoch, logs = event
            print(f"fold {fold} epoch {epoch}: val_loss {_fmt(logs.get('val_loss'))}",
                  file=stream or sys.stderr, flush=True)
    return on_event


def run(args) -> int:
    from .cli_report import fail as _fail
    from .cli_stop import stop_on_ctrl_c
    from .experiments.cv import cross_validate
    from .session import USER_ERRORS, Overrides
    from .spec import load_project

    with stop_on_ctrl_c() as should_stop:
        try:
            project = load_project(args.project)
            result = cross_validate(project, Path(args.project).parent, args.folds,
                                    overrides=Overrides.from_args(args), workers=args.workers,
                                    seed=args.seed, on_event=progress_printer(),
                                    should_stop=should_stop)
        except USER_ERRORS as err:
            return _fail(err, args.json)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
        return 0
    print(f"{args.folds}-fold cross-validation ({result.strategy}), {result.status}")
    for fold in result.folds:
        print(f"fold {fold['fold']} ({fold['n_train']} train / {fold['n_val']} held out): "
              + "  ".join(f"{k} {_fmt(v)}" for k, v in fold["metrics"].items()))
    print("mean ± std: " + "  ".join(f"{k} {result.mean[k]:.4g} ± {result.std[k]:.2g}"
                                     for k in result.mean))
    for note in result.notes:
        print(f"note: {note}")
    return 0
