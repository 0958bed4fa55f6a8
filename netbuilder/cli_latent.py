"""`netbuilder latent` and `netbuilder interpolate`: the latent space of a trained autoencoder (a VAE
or a plain one, such as the conv_autoencoder template), computed as the Samples tab does.

    latent PROJECT --weights CKPT [--node ID] [--split val] -o OUT.csv|OUT.npy [--json]
        .csv: one row per sample of the split: pc1, pc2 (the codes' first two principal
        components; the code itself when it has two numbers or fewer) and label (the class
        name, when the data names classes; else empty). .npy: the codes themselves, float32 [N, D].
    interpolate PROJECT --weights CKPT [--from I] [--to J] [--steps 8] [--node ID] [--split val]
                -o OUT.npy|OUT.png [--json]
        the pictures decoded along the straight line between the codes of samples I and J of the
        split (default 0 and 1): float32 [steps, C, H, W] in [0, 1], or a one-row picture.

--node: where a plain autoencoder's code is taken (default: its bottleneck, the narrowest node
every path from the Input to the Output passes through; see netbuilder/latent.py)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

SPLITS = ("train", "val", "test")
MAX_SAMPLES = 4096  # the codes of at most this many samples of the split


def _common(p) -> None:
    p.add_argument("project")
    p.add_argument("--weights", required=True, metavar="CKPT", help="the run's best.safetensors (or its run folder)")
    p.add_argument("--node", metavar="ID", help="a plain autoencoder's code node (default: its bottleneck)")
    p.add_argument("--split", choices=SPLITS, default="val", help="which samples of the data (default val)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def add_parsers(sub) -> None:
    p = sub.add_parser("latent", help="an autoencoder's codes of the data's samples, in 2-D (.csv) or whole (.npy)")
    _common(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv|OUT.npy")
    p.set_defaults(func=run_latent)
    p = sub.add_parser("interpolate", help="an autoencoder's pictures between the codes of two samples")
    _common(p)
    p.add_argument("--from", dest="a", type=int, default=0, metavar="I", help="the first sample (default 0)")
    p.add_argument("--to", dest="b", type=int, default=1, metavar="J", help="the second sample (default 1)")
    p.add_argument("--steps", type=int, default=8, help="how many pictures, both ends included (default 8)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.npy|OUT.png")
    p.set_defaults(func=run_interpolate)


def _load(args, suffixes: tuple[str, ...]):
    """(project, model with the weights, the split's samples, their labels or None, class names)."""
    from .compiler import build_model
    from .errors import ProjectError
    from .latent import is_autoencoder
    from .session import load_project_data
    from .spec import load_project
    from .weights import load_into

    out = Path(args.output)
    if out.suffix.lower() not in suffixes:
        raise ProjectError(f"-o {out}: write {' or '.join(suffixes)}.", field="output")
    path = Path(args.project)
    project = load_project(path)
    if not is_autoencoder(project):
        raise ProjectError("This project is not an autoencoder: its data's target must be \"input\" (as in the "
                           "conv_autoencoder template), or its recipe \"vae\".", field="data.target")
    model = build_model(project)
    load_into(model, Path(args.weights), strict=True)
    model.eval()
    bundle = load_project_data(project, path.resolve().parent)
    x = getattr(bundle, f"x_{args.split}")
    x = bundle.model_inputs(x[:MAX_SAMPLES])  # (uint8 pixels scaled as training scales them)
    if not len(x):
        raise ProjectError(f"--split {args.split}: the data's {args.split} split is empty.", field="split")
    labels = bundle.labels[args.split] if bundle.labels else None
    return project, model, x, labels, (bundle.labels or {}).get("names")


def _where(project, node) -> str | None:
    from .latent import code_node, is_vae

    return None if is_vae(project) else code_node(project, node)[0]


def run_latent(args) -> int:
    import numpy as np

    from .fileio import write_atomic
    from .latent import codes, pca_2d

    project, model, x, labels, names = _load(args, (".csv", ".npy"))
    found = codes(model, project, x, args.node)
    out = Path(args.output)
    if out.suffix.lower() == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, found.astype(np.float32))
        write_atomic(out, buffer.getvalue())
    else:
        import pandas as pd

        points = pca_2d(found)
        label = [names[int(i)] for i in labels[:len(x)]] if labels is not None else [""] * len(x)
        table = pd.DataFrame({"pc1": points[:, 0], "pc2": points[:, 1], "label": label})
        write_atomic(out, table.to_csv(index=False).encode())
    node = _where(project, args.node)
    if args.json:
        sys.stdout.write(json.dumps({"output": str(out), "node": node, "samples": len(found),
                                     "code_size": int(found.shape[1]), "labelled": labels is not None}) + "\n")
    else:
        print(f"wrote {out}: the codes of {len(found)} {args.split} samples ({found.shape[1]} numbers each"
              + (f", taken at '{node}'" if node else "") + ")")
    return 0


def run_interpolate(args) -> int:
    import numpy as np

    from .errors import ProjectError
    from .fileio import write_atomic
    from .generative import save_grid
    from .latent import interpolate

    if args.steps < 2:
        raise ProjectError(f"--steps must be at least 2 (both ends), got {args.steps}.", field="steps")
    project, model, x, _, _ = _load(args, (".npy", ".png"))
    for flag, i in (("--from", args.a), ("--to", args.b)):
        if not 0 <= i < len(x):
            raise ProjectError(f"{flag} {i}: the {args.split} split has samples 0 to {len(x) - 1}.", field=flag[2:])
    pictures = interpolate(model, project, x[args.a], x[args.b], args.steps, args.node)
    out = Path(args.output)
    if out.suffix.lower() == ".png":
        if pictures.ndim != 4 or pictures.shape[1] not in (1, 3):
            raise ProjectError(f"-o {out}: the decoded samples are not pictures (shape "
                               f"{list(pictures.shape[1:])}); write .npy.", field="output")
        save_grid(pictures, out, cols=len(pictures))
    else:
        buffer = io.BytesIO()
        np.save(buffer, pictures.astype(np.float32))
        write_atomic(out, buffer.getvalue())
    if args.json:
        sys.stdout.write(json.dumps({"output": str(out), "shape": list(pictures.shape),
                                     "node": _where(project, args.node)}) + "\n")
    else:
        print(f"wrote {out}: {len(pictures)} pictures from {args.split} sample {args.a} to {args.b}")
    return 0
