"""PyTorch tensors: a `.pt` file holding a dict of tensors (`torch.save({"x": x, "y": y}, path)`),
read with `weights_only=True`, so nothing in it is unpickled as code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .arrays import checked_pair
from .errors import DataError


def read_tensor_file(spec: dict, base_dir: Path) -> tuple[np.ndarray, np.ndarray | None]:
    if "path" not in spec:
        raise DataError("data.path is missing: name the .pt file.")
    path = base_dir / spec["path"]
    if not path.is_file():
        raise DataError(f"Data file {path} does not exist. Check the path in the project's data "
                        "section (paths are relative to the project file).", path=str(path))
    with open(path, "rb") as fh:
        zipped = fh.read(4) == b"PK\x03\x04"  # torch.save's format since torch 1.6
    try:
        if not zipped:
            raise ValueError
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 (any refusal by torch's safe unpickler is the same answer)
        raise DataError(f"{path.name} is not a file of tensors by its content; save a dict of "
                        'tensors with torch.save({"x": x, "y": y}, path).', path=str(path)) from None
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise DataError(f'{path.name} must hold a dict of tensors, e.g. {{"x": x, "y": y}}.',
                        path=str(path))
    keys = [str(k) for k in loaded]
    wanted = (spec.get("x", "x"),) if spec.get("target") == "input" else (spec.get("x", "x"), spec.get("y", "y"))
    for key in wanted:
        if key not in loaded:
            raise DataError(f'{path.name} has no tensor "{key}". Tensors in it: '
                            f"{', '.join(keys) or 'none'}.", path=str(path))
    x = _array(loaded[wanted[0]], path)
    y = _array(loaded[wanted[1]], path) if len(wanted) > 1 else None
    return checked_pair(x, y, path)


def _array(tensor: torch.Tensor, path: Path) -> np.ndarray:
    if tensor.is_floating_point() and tensor.dtype not in (torch.float16, torch.float32, torch.float64):
        tensor = tensor.float()  # bfloat16, float8: numpy has no such type
    try:
        return tensor.detach().cpu().numpy()
    except (TypeError, RuntimeError):  # complex, sparse, quantized...
        raise DataError(f"{path.name}: tensors must be dense real numbers, got {tensor.dtype}.",
                        path=str(path)) from None
