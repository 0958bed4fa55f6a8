"""The kinds of data a project's `data` section can name, each declared once: the Data tab's
chooser and file filter, the files `--data PATH` takes as that kind, the section's fields and
the reader. A table (kind "csv") has no reader here: its own pipeline (netbuilder/data/tabular.py)
profiles, imputes and encodes columns with a preprocessing plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COMMON = frozenset({"kind", "split", "normalize", "target"})


@dataclass(frozen=True)
class Source:
    kind: str  # data.kind
    label: str  # in the Data tab's source chooser
    fields: frozenset[str]  # every field the section may have (COMMON included)
    # (spec, base_dir) -> (x, y, class names, layout, feature names, numeric mask, info); None: a table
    read: Callable | None = None
    suffixes: tuple[str, ...] = ()  # the files `--data PATH` takes as this kind
    folder: bool = False  # a folder, not a file
    file_filter: str = "All files (*)"  # the Data tab's file chooser
    # data.normalize applies to its images and token ids too (plain arrays); other readers give
    # pixels that are scaled per batch, and ids that must stay ids
    normalizes_all: bool = False


def _plain_arrays(x: np.ndarray, y, tokens: bool):
    """Arrays or tensors as given: token ids (int64), else float32 laid out by their rank."""
    layout = "tokens" if tokens else "image" if x.ndim >= 4 else "tabular" if x.ndim == 2 else "sequence"
    return x.astype(np.int64 if tokens else np.float32), y, None, layout, None, None, {}


def _numpy(spec: dict, base_dir: Path):
    from .arrays import read_arrays

    x, y = read_arrays(spec, base_dir)
    return _plain_arrays(x, y, tokens=spec.get("dtype") == "int64")


def _tensors(spec: dict, base_dir: Path):
    from .tensor_file import read_tensor_file

    x, y = read_tensor_file(spec, base_dir)
    return _plain_arrays(x, y, tokens=x.dtype == np.int64)


def _images(spec: dict, base_dir: Path):
    from ..runtime.stream import DiskSamples
    from .images import read_images

    x, y, classes, info = read_images(spec, base_dir)  # uint8 pixels
    if spec.get("target") == "input":  # reconstructed: targets are the float pixels
        x = (x[:].numpy() if isinstance(x, DiskSamples) else x).astype(np.float32) / 255.0
    return x, y, classes, "image", None, None, info


def _builtin(spec: dict, base_dir: Path):
    from .builtin import builtin_set

    x, y, classes, layout, features = builtin_set(spec)
    return x, y, classes, layout, features, None, {"name": spec["name"]}


TABLE_FIELDS = frozenset({"path", "features", "ignore", "types", "missing", "missing_indicator",
                          "max_levels", "vocabulary", "delimiter", "decimal", "window", "horizon",
                          "sequence_length", "scale_target"})
SOURCES = (
    Source("builtin", "Built-in set", COMMON | {"name", "n", "noise", "seed", "size", "augment", "classes"},
           _builtin),
    Source("csv", "CSV / TSV file", COMMON | TABLE_FIELDS, None, (".csv", ".tsv", ".txt"),
           file_filter="Tables (*.csv *.tsv *.txt)"),
    Source("numpy", "NumPy arrays", COMMON | {"path", "x", "y", "target_path", "dtype"}, _numpy,
           (".npz", ".npy"), file_filter="NumPy (*.npz *.npy)", normalizes_all=True),
    Source("tensors", "PyTorch tensors", COMMON | {"path", "x", "y"}, _tensors, (".pt",),
           file_filter="PyTorch tensors (*.pt)", normalizes_all=True),
    Source("images", "Image folder", COMMON | {"path", "size", "channels", "augment", "memory_limit_mb"},
           _images, folder=True),
)
BY_KIND = {s.kind: s for s in SOURCES}
KINDS = tuple(BY_KIND)


def kind_for(path: Path) -> str:
    """The kind of data at `path` (for `--data PATH`): a folder is an image folder, a file goes
    by its suffix, and anything else is read as a table (the reader sniffs the delimiter)."""
    if path.is_dir():
        return next(s.kind for s in SOURCES if s.folder)
    suffix = path.suffix.lower()
    return next((s.kind for s in SOURCES if suffix in s.suffixes), "csv")
