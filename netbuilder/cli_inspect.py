"""`netbuilder activations` and `netbuilder explain`: look inside a trained model (CONTRACT.md).

    activations PROJECT --weights CKPT --data X.npy --node ID -o OUT.npy
    explain PROJECT --weights CKPT --data FILE [--sample I] [--method M] [--target C] -o OUT.npy|.png

--data for activations is an array of input samples [N, *Input.shape] as the model takes them.
explain also takes an image file (resized to the Input, values in [0, 1]) or a CSV of raw rows
with the project's feature columns (normalized as in training)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


def add_parsers(sub) -> None:
    p = sub.add_parser("activations", help="a node's output for each input sample, to .npy")
    p.add_argument("project")
    p.add_argument("--weights", required=True, metavar="CKPT", help="a .safetensors checkpoint")
    p.add_argument("--data", required=True, metavar="X.npy", help="input samples [N, ...]")
    p.add_argument("--node", required=True, metavar="ID", help="the node whose output to save")
    p.add_argument("-o", "--output", required=True, metavar="OUT.npy")
    p.set_defaults(func=run_activations)

    p = sub.add_parser("explain", help="an attribution map of one sample, to .npy or .png")
    p.add_argument("project")
    p.add_argument("--weights", required=True, metavar="CKPT", help="a .safetensors checkpoint")
    p.add_argument("--data", required=True, metavar="FILE", help=".npy samples, an image, or a CSV of rows")
    p.add_argument("--sample", type=int, default=0, metavar="I", help="which sample (default 0)")
    p.add_argument("--method", default="integrated_gradients",
                   help="integrated_gradients (default), saliency or occlusion")
    p.add_argument("--target", type=int, metavar="C", help="the output/class to explain (default: the predicted one)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.npy|OUT.png")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run_explain)


def _errors():
    from .session import USER_ERRORS
    return USER_ERRORS


def _fail(err) -> int:
    from .cli_report import fail

    return fail(err, False)


def _save_npy(path: str, array: np.ndarray) -> None:
    import io

    from .fileio import write_atomic

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    write_atomic(Path(path), buf.getvalue())


def run_activations(args) -> int:
    from .inspect import node_outputs
    from .inspect.trained import load_array, load_trained

    try:
        trained = load_trained(args.project, args.weights)
        x = trained.check_inputs(load_array(args.data), f"--data {args.data}")
        out = node_outputs(trained.model, trained.project, x, [args.node])[args.node]
    except _errors() as err:
        return _fail(err)
    _save_npy(args.output, out.numpy())
    print(f"wrote {args.output}: '{args.node}' output {list(out.shape)}")
    return 0


def read_samples(trained, path: str):
    """The model-space inputs in FILE: .npy as is, an image resized to the Input, CSV rows by
    the project's feature columns (normalized with the training split's statistics)."""
    from .inspect.trained import load_array

    suffix = Path(path).suffix.lower()
    if suffix == ".npy":
        return trained.check_inputs(load_array(path), f"--data {path}")
    if suffix in IMAGE_SUFFIXES:
        from .inspect.inputs import image_file_sample
        return image_file_sample(path, trained.input_node().resolved().get("shape"))[None]
    from .inspect.inputs import table_rows_samples
    return table_rows_samples(path, trained.bundle)


def run_explain(args) -> int:
    from .inspect import attribute
    from .inspect.activations import InspectError
    from .inspect.attribution import table_rows
    from .inspect.inputs import table_baseline
    from .inspect.render import bars_png, overlay_png
    from .inspect.trained import load_trained

    try:
        trained = load_trained(args.project, args.weights)
        x = read_samples(trained, args.data)
        if not 0 <= args.sample < len(x):
            raise InspectError(f"--sample {args.sample} is out of range: {args.data} holds "
                               f"{len(x)} sample(s).", field="sample")
        sample = x[args.sample]
        table = sample.ndim == 1 and sample.dtype.is_floating_point
        baseline = table_baseline(trained.bundle) if table and trained.project.data else None
        result = attribute(trained.model, sample, args.target, args.method, baseline,
                           project=trained.project)
    except _errors() as err:
        return _fail(err)
    out = Path(args.output)
    rows = None
    if table and trained.project.data:
        from .inspect.inputs import original_units
        b = trained.bundle
        rows = table_rows(result, original_units(b, sample), original_units(b, baseline),
                          list(b.feature_names or []))
    if out.suffix.lower() == ".png":
        s = sample.numpy()
        if s.ndim == 3:
            overlay_png(s, result.values, out)
        else:
            names = [r["column"] for r in rows] if rows else []
            values = [r["attribution"] for r in rows] if rows else result.values
            bars_png(np.asarray(values), names, out)
    else:
        _save_npy(str(out), result.values.astype(np.float32))
    summary = {"output": str(out), "method": result.method, "target": result.target,
               "score": result.output, "baseline_score": result.baseline_output,
               "delta": result.delta, "features": rows}
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        print(f"wrote {out}: {result.method} attributions of output {result.target} "
              f"(score {result.output:.4g}) for sample {args.sample}")
        for r in rows or []:
            print(f"  {r['column']:>20} = {r['value']:<12.6g} (baseline {r['baseline']:.6g}): "
                  f"{r['attribution']:+.4g}")
    return 0


