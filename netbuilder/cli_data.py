"""`netbuilder data PROJECT [--data PATH] [--target COL] [--json]` and
`netbuilder predict PROJECT --weights CKPT --data FILE -o OUT.csv [--json]` (CONTRACT.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli_report import fail as _fail
from .spec import load_project  # the session (and torch) only once a command runs


def run_data(args) -> int:
    from .data.report import data_report, report_text
    from .session import USER_ERRORS, Overrides, apply_overrides, load_project_data

    try:
        project = apply_overrides(load_project(args.project), Overrides.from_args(args))
        bundle = load_project_data(project, Path(args.project).resolve().parent)
    except USER_ERRORS as err:
        return _fail(err, args.json)
    report = data_report(bundle)
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        print(report_text(report))
    return 0


def run_predict(args) -> int:
    from .data.predict import predict_file
    from .session import USER_ERRORS

    try:
        project = load_project(args.project)
        result = predict_file(project, Path(args.project).resolve().parent, args.weights,
                              args.data)
        result.save_csv(args.output)
    except USER_ERRORS as err:
        return _fail(err, args.json)
    except OSError as err:
        return _fail(f"{args.output} cannot be written: {err.strerror or err}.", args.json)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps({**result.to_json(), "output": str(args.output)}) + "\n")
    else:
        print(f"wrote {args.output}: {len(result.rows)} rows with {', '.join(result.columns)}")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("data", help="load the data as training would and report every column")
    p.add_argument("project")
    p.add_argument("--data", help="data file or folder (overrides the project's)")
    p.add_argument("--target", help="target column for CSV data")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run_data)

    p = sub.add_parser("predict", help="predict raw rows with a run's weights and preprocessing")
    p.add_argument("project")
    p.add_argument("--weights", required=True, metavar="CKPT", help="a run's .safetensors")
    p.add_argument("--data", required=True, metavar="FILE", help="a CSV of new rows")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run_predict)
