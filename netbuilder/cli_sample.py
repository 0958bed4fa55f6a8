"""`netbuilder sample PROJECT --weights CKPT -n N -o OUT.npy|OUT.png [--seed S] [--json]`: samples of
a trained GAN (its generator) or VAE (its decoder, from the prior), as float32 [N, C, H, W] in
[0, 1] (.npy) or as a grid picture (.png)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="draw samples from a trained GAN or VAE")
    p.add_argument("project")
    p.add_argument("--weights", required=True, metavar="CKPT",
                   help="the run's best.safetensors (or its run folder)")
    p.add_argument("-n", type=int, default=64, help="how many samples (default 64)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.npy|OUT.png")
    p.add_argument("--seed", type=int, default=0, help="the noise's seed (default 0)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    from .errors import ProjectError
    from .fileio import write_atomic
    from .generative import draw, save_grid
    from .spec import load_project

    out = Path(args.output)
    if out.suffix.lower() not in (".npy", ".png"):
        raise ProjectError(f"-o {out}: write .npy (the samples' values) or .png (a grid).", field="output")
    project = load_project(args.project)
    images = draw(project, args.weights, args.n, args.seed)
    if out.suffix.lower() == ".png":
        save_grid(images, out)
    else:
        buffer = io.BytesIO()
        np.save(buffer, images)
        write_atomic(out, buffer.getvalue())
    if args.json:
        sys.stdout.write(json.dumps({"output": str(out), "shape": list(images.shape),
                                     "min": float(images.min()), "max": float(images.max())}) + "\n")
    else:
        print(f"wrote {out}: {len(images)} samples of shape {list(images.shape[1:])}")
    return 0
