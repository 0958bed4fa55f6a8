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


def model_space(bundle, values: np.ndarray) -> torch.Tensor:
    """Rows in the columns' original units -> the model's (normalized) input."""
    stats = bundle.normalization
    return torch.from_numpy(np.asarray(normalize.apply(np.asarray(values, dtype=np.float64), stats),
                                       dtype=np.float32))


def original_units(bundle, x: torch.Tensor) -> np.ndarray:
    return normalize.invert(x.detach().cpu().numpy().astype(np.float64), bundle.normalization)


def table_baseline(bundle) -> torch.Tensor:
    """The reference row of table attributions: the training split's average row."""
    return bundle.x_train.float().mean(0)


def feature_columns(bundle) -> list[tuple[str, list[str] | None]]:
    """The raw columns a person fills in: (name, None) for numbers, (name, levels) for
    categories (one-hot in the model)."""
    categorical = bundle.info.get("categorical_features") or {}
    out, seen = [], set()
    for name in bundle.feature_names or []:
        base = name.split("=", 1)[0] if "=" in name else name
        if base in categorical:
            if base not in seen:
                out.append((base, list(categorical[base])))
                seen.add(base)
        else:
            out.append((name, None))
    return out


def encode_row(bundle, row: dict) -> np.ndarray:
    """One raw row {column: value} -> feature values in original units (one-hot categories)."""
    categorical = bundle.info.get("categorical_features") or {}
    values = []
    for name in bundle.feature_names or []:
        base, _, level = name.partition("=")
        if level and base in categorical:
            values.append(1.0 if str(row.get(base)) == level else 0.0)
            continue
        if name not in row:
            raise InspectError(f'The row has no column "{name}".', field=name)
        try:
            values.append(float(row[name]))
        except (TypeError, ValueError):
            raise InspectError(f'Column "{name}" needs a number, got "{row[name]}".',
                               field=name) from None
    return np.asarray(values, dtype=np.float64)


def table_rows_samples(path: str | Path, bundle) -> torch.Tensor:
    """The rows of a CSV with the project's feature columns, as the model's inputs."""
    from ..data.tabular import _read_rows

    path = Path(path)
    if not path.is_file():
        raise InspectError(f"--data {path}: no such file.")
    if not bundle.feature_names:
        raise InspectError(f"--data {path}: this project's data is not a table; give a .npy "
                           "array of samples or an image.")
    header, rows = _read_rows(path, {})
    wanted = [name for name, _ in feature_columns(bundle)]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise InspectError(f"{path.name} lacks the feature column(s) {', '.join(missing)} "
                           f"(it has {', '.join(header)}).", field=missing[0])
    encoded = []
    for line, cells in rows:
        try:
            encoded.append(encode_row(bundle, dict(zip(header, cells))))
        except InspectError as err:
            raise InspectError(f"{path.name}, line {line}: {err.message}", field=err.field) from None
    return model_space(bundle, np.stack(encoded))
