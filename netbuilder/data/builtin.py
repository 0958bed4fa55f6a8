"""The built-in sets: generated 2-D tables and series, and the digits bundled as package data."""

from __future__ import annotations

import numpy as np

from . import synthetic
from .digits import load_digits
from .errors import DataError

BUILTIN_SETS = (*synthetic.GENERATORS, "digits")


def _digit_classes(classes) -> list[int]:
    if not (isinstance(classes, list) and len(classes) >= 2 and all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 9 for c in classes)
            and len(set(classes)) == len(classes)):
        raise DataError(f"data.classes must list two or more different digits 0-9, e.g. [5, 6, 7, 8, 9]; got {classes!r}.")
    return sorted(classes)


def builtin_set(spec: dict):
    """Return (x, y, class_names, layout, feature_names)."""
    name = spec.get("name")
    if name not in BUILTIN_SETS:
        raise DataError(f'Unknown builtin data set "{name}"; choose one of '
                        f"{', '.join(BUILTIN_SETS)}.")
    n = spec.get("n")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 2):
        raise DataError(f"data.n must be an integer of at least 2, got {n!r}.")
    if name == "digits":
        x, y = load_digits(spec.get("size"))
        classes = _digit_classes(spec.get("classes", list(range(10))))
        keep = np.isin(y, classes)  # e.g. digits 5-9 only, relabelled 0..4 (transfer learning)
        x, y = x[keep], np.searchsorted(classes, y[keep])
        if n is not None:
            x, y = x[:n], y[:n]
        return x, y, [str(c) for c in classes], "image", None
    generate, default_n, default_noise = synthetic.GENERATORS[name]
    extra = {k: spec[k] for k in synthetic.EXTRA_PARAMS.get(name, ()) if k in spec}
    for key, value in extra.items():  # sizes (window, horizon, length, vocab); factor is a fraction
        if key != "factor" and (isinstance(value, bool) or not isinstance(value, int)
                                or not 1 <= value <= 10_000):
            raise DataError(f"data.{key} must be a whole number from 1 to 10000, got {value!r}.")
    rng = np.random.default_rng(spec.get("seed", 0))
    noise = spec.get("noise", default_noise)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1e6:
        raise DataError(f"data.noise must be a number of at least 0, got {noise!r}.")
    noise += 0.0  # -0.0 passes the check above but numpy's normal() refuses its sign
    x, y, classes, layout = generate(n or default_n, noise, rng, **extra)
    features = ["x1", "x2"] if layout == "tabular" else None
    return x, y, classes, layout, features
