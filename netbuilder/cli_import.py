"""`netbuilder import SOURCE [--class NAME] [--input-shape 1,28,28] [--weights W] -o PROJECT [--json]`.

A .py file's nn.Module class (traced with torch.fx; importing a file runs its code) or an .onnx file
becomes a project; its weights go beside it as PROJECT.safetensors, keyed like the project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import ProjectError


def _shape(text: str) -> tuple[int, ...]:
    import argparse

    try:
        shape = tuple(int(v) for v in text.replace("x", ",").split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape such as 1,28,28") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape of positive sizes such as 1,28,28")
    return shape


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="a .py nn.Module class or an .onnx file onto the canvas, weights beside it")
    p.add_argument("source", help="model.py or model.onnx")
    p.add_argument("--class", dest="class_name", metavar="NAME", help="the nn.Module class in a .py file")
    p.add_argument("--input-shape", type=_shape, metavar="1,28,28", help="one input sample's shape, no batch")
    p.add_argument("--weights", metavar="W", help="the module's weights (.safetensors or a torch.save'd state_dict)")
    p.add_argument("-o", "--output", required=True, metavar="PROJECT")
    p.add_argument("--force", action="store_true", help="overwrite an existing project")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    from .importers import import_file, save_import

    out = Path(args.output)
    if out.exists() and not args.force:
        raise ProjectError(f"{out} exists; pass --force to overwrite it.")
    imported = import_file(args.source, args.class_name, args.input_shape, args.weights)
    project_path, weights_path = save_import(imported, out)
    layers = sum(n.type not in ("Input", "Output") for n in imported.project.nodes)
    params = sum(v.numel() for k, v in imported.weights.items() if not k.endswith(("running_mean", "running_var",
                                                                                     "num_batches_tracked")))
    if args.json:
        sys.stdout.write(json.dumps({"project": str(project_path), "weights": str(weights_path), "layers": layers,
                                     "params": params, "max_difference": imported.max_difference}) + "\n")
    else:
        print(f"wrote {project_path} ({layers} layers, {params:,} parameters) and {weights_path}"
              + ("" if imported.had_weights else " (the module's initial weights: none were given)"))
        if imported.max_difference is not None:
            print(f"outputs match {Path(args.source).name} within {imported.max_difference:.1g}")
    return 0


def add_freeze_parser(sub) -> None:
    p = sub.add_parser("freeze", help="freeze layers (their weights are not trained), as the canvas's lock does")
    p.add_argument("project")
    p.add_argument("--up-to", nargs="+", metavar="ID", default=[], help="these layers and every layer before them")
    p.add_argument("--nodes", nargs="+", metavar="ID", default=[], help="just these layers")
    p.add_argument("--unfreeze", action="store_true", help="unfreeze the named layers (all when none are named)")
    p.set_defaults(func=run_freeze)


def run_freeze(args) -> int:
    from .freezing import freeze_up_to, set_frozen
    from .spec import load_project, save_project

    project = load_project(args.project)
    unknown = [i for i in [*args.up_to, *args.nodes] if not project.has_node(i)]
    if unknown:
        raise ProjectError(f"{args.project} has no node {unknown[0]!r}.", node=unknown[0])
    if args.unfreeze:
        named = [*args.up_to, *args.nodes] or [n.id for n in project.nodes]
        changes = {i: False for i in named if project.node(i).frozen}
    else:
        changes = {**freeze_up_to(project, args.up_to), **{i: True for i in args.nodes}}
    set_frozen(project, changes)
    save_project(project, args.project)
    frozen = [n.id for n in project.nodes if n.frozen]
    print(f"{'unfroze' if args.unfreeze else 'froze'} {len(changes)} layers; frozen now: {', '.join(frozen) or 'none'}")
    return 0
