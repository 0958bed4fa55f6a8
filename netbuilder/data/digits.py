"""The classic 8x8 handwritten digits (UCI, via scikit-learn, BSD): shipped as package data
(netbuilder/resources/data/)."""

from __future__ import annotations

from importlib.resources import as_file

import numpy as np
import torch
import torch.nn.functional as F

from ..resources import resource
from .errors import DataError

DIGITS_FILE = resource("data", "digits.csv.gz")


def load_digits(size=None) -> tuple[np.ndarray, np.ndarray]:
    """x [1797,1,8,8] (or [.,1,H,W] resized bilinearly) float32 in [0,1], y int64 0..9."""
    if not DIGITS_FILE.is_file():
        raise DataError(f"The digits data file {DIGITS_FILE} is missing from this install.")
    with as_file(DIGITS_FILE) as path:  # a real file even when installed zipped
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    x = (table[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    y = table[:, 64].astype(np.int64)
    if size is not None and not (isinstance(size, (list, tuple)) and len(size) == 2
                                 and all(isinstance(s, int) and not isinstance(s, bool)
                                         and 0 < s <= 4096 for s in size)):  # True is an int
        raise DataError(f"data.size must be [height, width], got {size!r}.")
    if size is not None and list(size) != [8, 8]:
        x = F.interpolate(torch.from_numpy(x), size=tuple(size), mode="bilinear",
                          align_corners=False).clamp_(0, 1).numpy()
    return x, y
