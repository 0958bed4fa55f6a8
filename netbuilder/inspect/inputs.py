"""Inputs a person gives (a drawing, an image file, a row typed into a form or a CSV), turned
into the model's input exactly as the training data was: same size, range and normalization."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..data import normalize
from .activations import InspectError


def image_sample(pixels: np.ndarray, shape) -> torch.Tensor:
    """Gray [H, W] or RGB [H, W, 3] pixels in [0, 1] -> one sample [C, h, w] for an Input of
    `shape` ([C, h, w]), resized bilinearly as the built-in digits are."""
    if shape is None or len(shape) != 3:
        raise InspectError(f"An image needs an Input of shape [channels, height, width], not {shape}.")
    c, h, w = (int(s) for s in shape)
    img = torch.as_tensor(np.asarray(pixels, dtype=np.float32))
    img = img[None] if img.ndim == 2 else img.permute(2, 0, 1)
    if img.shape[0] != c:
        img = img.mean(0, keepdim=True).expand(c, -1, -1) if c in (1, 3) else img
    if tuple(img.shape[1:]) != (h, w):
        img = F.interpolate(img[None], size=(h, w), mode="bilinear", align_corners=False,
                            antialias=True)[0]
    return img.clamp(0, 1).contiguous()


def image_file_sample(path: str | Path, shape) -> torch.Tensor:
    from PIL import Image

    try:
        with Image.open(path) as img:
            mode = "L" if shape and int(shape[0]) == 1 else "RGB"
            pixels = np.asarray(img.convert(mode), dtype=np.float32) / 255.0
    except (OSError, ValueError) as err:
        raise InspectError(f"{path} cannot be read as an image ({err}).") from None
    return image_sample(pixels, shape)


def original_units(bundle, x: torch.Tensor) -> np.ndarray:
    return normalize.invert(x.detach().cpu().numpy().astype(np.float64), bundle.normalization)


def table_baseline(bundle) -> torch.Tensor:
    """The reference row of table attributions: the training split's average row."""
    return bundle.x_train.float().mean(0)


def feature_columns(bundle) -> list[tuple[str, str, list[str] | None]]:
    """The raw columns a person fills in: (name, type, levels): numbers have no levels,
    categories list theirs; encoded by the data's own preprocessing plan."""
    if getattr(bundle, "plan", None) is None:  # built-in tables: numbers, normalized
        return [(name, "numeric", None) for name in bundle.feature_names or []]
    return [(f["name"], f["type"], [str(v) for v in f.get("levels") or []] or None)
            for f in bundle.plan["features"]]


def encode_cells(plan: dict, header: list[str], rows: list[list[str]], what: str) -> torch.Tensor:
    """Raw cells -> model inputs, by the plan the training data was encoded with
    (netbuilder.data.plan_apply: the code `netbuilder predict` and predict.py run)."""
    from ..data.plan_apply import encode_rows

    try:
        inputs, _ = encode_rows(header, rows, plan)
    except ValueError as err:
        raise InspectError(f"{what}: {err}.") from None
    return torch.tensor(inputs, dtype=torch.float32).reshape(len(rows), -1)


def encode_row(bundle, row: dict) -> torch.Tensor:
    """One raw row {column: value} -> one model input."""
    if getattr(bundle, "plan", None) is None:
        try:
            values = [float(row[name]) for name in bundle.feature_names or []]
        except (KeyError, TypeError, ValueError) as err:
            raise InspectError(f"The row needs a number in every feature column ({err}).") from None
        normalized = normalize.apply(np.asarray([values], dtype=np.float64), bundle.normalization)
        return torch.tensor(np.asarray(normalized, dtype=np.float32))[0]
    names = list(row)
    return encode_cells(bundle.plan, names, [[str(row[n]) for n in names]], "the row")[0]


def table_rows_samples(path: str | Path, bundle) -> torch.Tensor:
    """The rows of a CSV with the project's feature columns, as the model's inputs."""
    from ..data.plan_apply import read_rows

    path = Path(path)
    if not path.is_file():
        raise InspectError(f"--data {path}: no such file.")
    if getattr(bundle, "plan", None) is None:
        raise InspectError(f"--data {path}: this project's data is not a table; give a .npy "
                           "array of samples or an image.")
    header, rows = read_rows(path, bundle.plan)
    return encode_cells(bundle.plan, header, rows, path.name)
