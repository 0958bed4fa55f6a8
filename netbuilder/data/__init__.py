"""Data loading for training: CSV, NumPy, image folders and builtin sets, as tensors.

`load_data(spec, base_dir, loss)` reads a project's `data` section into a `DataBundle`; every
problem with the user's files is a `DataError` with a readable message."""

from .bundle import DataBundle
from .errors import DataError
from .loader import BUILTIN_SETS, load_data

__all__ = ["BUILTIN_SETS", "DataBundle", "DataError", "load_data"]
