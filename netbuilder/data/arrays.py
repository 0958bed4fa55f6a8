"""NumPy arrays: an .npz with x/y keys or an .npy pair. Never unpickles."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .errors import DataError


def _load(path: Path, what: str):
    if not path.is_file():
        raise DataError(f"{what} {path} does not exist. Check the path in the project's data "
                        "section (paths are relative to the project file).", path=str(path))
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if magic != b"\x93NUMPY" and not magic.startswith(b"PK\x03\x04"):  # .npy / .npz (a zip)
        raise DataError(f"{path.name} is not a NumPy file by its content (neither .npy nor "
                        ".npz); save arrays with np.save or np.savez.", path=str(path))
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as err:  # object arrays need pickle: refused on purpose
        raise DataError(f"{path.name} cannot be read without pickle ({err}); save plain "
                        "numeric arrays (np.savez) instead.", path=str(path)) from None
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise DataError(f"{path.name} is not a readable NumPy file ({type(err).__name__}).",
                        path=str(path)) from None


def read_arrays(spec: dict, base_dir: Path) -> tuple[np.ndarray, np.ndarray | None]:
    if "path" not in spec:
        raise DataError("data.path is missing: name the .npz (or .npy) file.")
    path = base_dir / spec["path"]
    loaded = _load(path, "Data file")
    if isinstance(loaded, np.ndarray):  # .npy: targets in a second file
        x = loaded
        if spec.get("target") == "input":
            return x, None
        if "target_path" not in spec:
            raise DataError(f"{path.name} is a single .npy array: give the targets with "
                            'data.target_path (another .npy), or use an .npz with "x" and "y".',
                            path=str(path))
        y = _load(base_dir / spec["target_path"], "Target file")
        if not isinstance(y, np.ndarray):
            raise DataError(f"{spec['target_path']} must be a .npy array.")
    else:
        with loaded:
            x_key, y_key = spec.get("x", "x"), spec.get("y", "y")
            keys = list(loaded.keys())
            for key in (x_key,) if spec.get("target") == "input" else (x_key, y_key):
                if key not in keys:
                    raise DataError(f'{path.name} has no array "{key}". Arrays in it: '
                                    f"{', '.join(keys) or 'none'}.", path=str(path))
            try:  # an .npz reads its arrays lazily: an object array fails only here
                x = loaded[x_key]
                y = None if spec.get("target") == "input" else loaded[y_key]
            except ValueError:
                raise DataError(f"{path.name} holds object arrays, which cannot be read without "
                                "pickle (refused); save plain numeric arrays (np.savez) instead.",
                                path=str(path)) from None
    return checked_pair(x, y, path)


def checked_pair(x: np.ndarray, y: np.ndarray | None, path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Numeric inputs, one row per sample, and as many targets as inputs (arrays or tensors)."""
    if x.dtype.kind not in "biuf":
        raise DataError(f"{path.name}: inputs must be numeric, got dtype {x.dtype}.",
                        path=str(path))
    if x.ndim == 0 or y is not None and np.ndim(y) == 0:
        what = "inputs" if x.ndim == 0 else "targets"
        raise DataError(f"{path.name}: the {what} are a single number; they need one row per sample.",
                        path=str(path))
    if x.ndim < 2:
        x = x[:, None]
    if y is not None and len(y) != len(x):
        raise DataError(f"{path.name}: {len(x)} inputs but {len(y)} targets; they must match "
                        "one to one.", path=str(path))
    return x, y
