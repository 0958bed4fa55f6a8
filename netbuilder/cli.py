"""The `netbuilder` command: everything the GUI does, headless (CONTRACT.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__, training_fields
from .cli_data import add_parsers as add_data_parsers
from .cli_report import fail
from .errors import ProjectError, UserError, os_error_message
from .spec import InvalidProject, load_project, save_project


def _emit_json(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")


def _errors_of(exc: ProjectError) -> list[ProjectError]:
    return exc.errors if isinstance(exc, InvalidProject) else [exc]


def _fail(exc: UserError, as_json: bool, command: str | None = None) -> int:
    # validate's object always has its keys
    return fail(exc, as_json, **({"valid": False, "warnings": []} if command == "validate" else {}))


def cmd_templates(args) -> int:
    from .templates import describe, template_names

    names = template_names()
    width = max(map(len, names))
    for name in names:
        print(f"{name:<{width}}  {describe(name)}")
    return 0


def cmd_new(args) -> int:
    from .templates import load_template, with_sample_data

    out = Path(args.output)
    if out.exists() and not args.force:
        print(f"error: {out} exists; pass --force to overwrite it.", file=sys.stderr)
        return 1
    try:
        project = load_template(args.template)
        if args.sample_data:
            project = with_sample_data(project, args.template, out.resolve().parent)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    save_project(project, out)
    print(f"wrote {out} from template {args.template!r}")
    return 0


def cmd_validate(args) -> int:
    from .data import DataError
    from .session import Overrides, apply_overrides
    from .validation import project_errors, project_warnings

    warnings = []
    try:  # --data/--target as train takes them, so that validate checks what train would load
        project = apply_overrides(load_project(args.project), Overrides(args.data, args.target))
    except ProjectError as exc:
        errors = _errors_of(exc)
    except DataError as exc:  # it names the data section (and the file, row, column) itself
        errors = [exc]
    else:
        errors = project_errors(project, Path(args.project).resolve().parent)
        warnings = project_warnings(project)
    if args.json:
        _emit_json({"valid": not errors, "errors": [e.to_dict() for e in errors],
                    "warnings": [w.to_dict() for w in warnings]})
        return 1 if errors else 0
    for e in errors:
        print(f"error: {e.message}", file=sys.stderr)
    for w in warnings:
        print(f"warning: {w.message}", file=sys.stderr)
    if not errors:
        print(f"{args.project}: valid")
    return 1 if errors else 0


def cmd_summary(args) -> int:
    from .data import DataError
    from .session import with_data_defaults
    from .summary import summarize

    try:  # what the project leaves to the data (an omitted Input shape) is filled in, as validate does
        project = load_project(args.project)
        summary = summarize(with_data_defaults(project, Path(args.project).resolve().parent))
    except (DataError, ProjectError) as exc:
        return _fail(exc, args.json)
    if args.json:
        _emit_json(summary.to_dict())
        return 0
    rows = [("node", "type", "output shape", "params", "mult-adds")]
    rows += [(f"{n.network}.{n.id}" if n.network else n.id, n.type, str(n.output_shape), f"{n.params:,}",
              f"{n.macs:,}") for n in summary.nodes]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"total params: {summary.total_params:,} (trainable {summary.trainable_params:,}, "
          f"frozen {summary.total_params - summary.trainable_params:,}); "
          f"mult-adds per sample: {summary.total_macs:,}")
    return 0


def cmd_gui(args) -> int:
    from ui.app import main as gui_main  # the GUI layer sits above the core; imported only here

    return gui_main(args.project, screenshot=args.screenshot)


def cmd_train(args) -> int:
    from .cli_train import run

    return run(args)


def cmd_export(args) -> int:
    from .cli_export import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netbuilder", description="Design, train and export neural networks. "
                                     "`netbuilder [PROJECT.json]` opens the app.")
    parser.add_argument("--version", action="version", version=f"netbuilder {__version__}")
    sub = parser.add_subparsers(dest="command")
    parser.commands = sub.choices  # name -> subparser, also those that cli_<name> modules register

    p = sub.add_parser("gui", help="open the app")
    p.add_argument("project", nargs="?")
    p.add_argument("--screenshot", metavar="OUT.png", help="render the main window offscreen, save it, quit")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("templates", help="list the built-in templates")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("new", help="write a new project from a template")
    p.add_argument("--template", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--sample-data", action="store_true",
                   help="bind the template's shipped sample file (copied beside the project)")
    p.set_defaults(func=cmd_new)

    for name, func, helptext in (("validate", cmd_validate, "check the graph"),
                                 ("summary", cmd_summary, "per node: type, output shape, params, mult-adds")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("project")
        p.add_argument("--json", action="store_true", help="one JSON object on stdout")
        p.set_defaults(func=func)
    p = sub.choices["validate"]  # the data train would load, checked against the graph
    p.add_argument("--data", help="data file or folder (as train --data takes it)")
    p.add_argument("--target", help="target column for CSV data (as train --target takes it)")

    p = sub.add_parser("train", help="train as the GUI would")
    p.add_argument("project")
    p.add_argument("--data", help="data file or folder (overrides the project's)")
    p.add_argument("--target", help="target column for CSV data")
    training_fields.add_flags(p)  # --epochs, --batch-size, --lr, --device...: one per declared setting
    p.add_argument("--out", metavar="RUN_DIR", help="run folder (checkpoints, history)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped run")
    p.add_argument("--init-weights", metavar="W", help="start from these weights (.safetensors, a torch.save'd "
                   "state_dict or a run folder), matched to the node ids")
    p.add_argument("--init-strict", action="store_true", help="refuse weights that do not fit the graph exactly")
    p.add_argument("--nproc-per-node", type=int, default=1, metavar="N",
                   help="data-parallel: N processes under torchrun (one per GPU, or CPU processes)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("export", help="write PyTorch code, ONNX or a torch.export program")
    p.add_argument("project")
    p.add_argument("--format", choices=("python", "onnx", "pt2"),
                   help="default: from the output's extension (.onnx, .pt2), else python")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--weights", metavar="CKPT", help="a .safetensors checkpoint to embed")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.add_argument("--network", metavar="NAME", help="onnx/pt2 of a project with several networks: which one "
                   "(default: the generator of a GAN, the decoder of a VAE)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_export)
    from .cli_inspect import add_parsers as add_inspect_parsers  # activations, explain
    add_inspect_parsers(sub)
    add_data_parsers(sub)  # data, predict
    from .cli_import import add_freeze_parser  # import, freeze
    from .cli_import import add_parser as add_import_parser
    add_import_parser(sub)
    add_freeze_parser(sub)
    from .cli_experiments import add_parsers as add_experiment_parsers  # runs, cv, search
    add_experiment_parsers(sub)
    from .cli_sample import add_parser as add_sample_parser  # sample
    add_sample_parser(sub)
    from .cli_latent import add_parsers as add_latent_parsers  # latent, interpolate
    add_latent_parsers(sub)
    return parser


def _gui_when_no_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`netbuilder` and `netbuilder PROJECT.json` open the app, as desktop apps do."""
    if not argv or (argv[0] not in parser.commands and not argv[0].startswith("-")):
        return ["gui", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_gui_when_no_command(parser, sys.argv[1:] if argv is None else list(argv)))
    as_json = getattr(args, "json", False)
    try:
        return args.func(args)
    except UserError as exc:
        return _fail(exc, as_json, args.command)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (`netbuilder templates | head`): not a file system error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as exc:  # permissions, a full disk, a path below a file: the path and the reason
        return _fail(ProjectError(os_error_message(exc), field="file"), as_json, args.command)
    except Exception as exc:
        if os.environ.get("NETBUILDER_DEBUG"):
            raise
        return _fail(ProjectError(f"NetBuilder failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]}). "
                                  "Set NETBUILDER_DEBUG=1 to see the traceback."), as_json, args.command)


if __name__ == "__main__":
    sys.exit(main())
