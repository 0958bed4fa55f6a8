"""All layer types by name. Each family file in this package declares its types with register();
the files are found, not listed, so a new family is one new file."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from .base import LayerType

LAYERS: dict[str, LayerType] = {}

CATEGORIES = ("Input / Output", "Dense", "Convolution", "Pooling", "Reshape", "Normalization",
              "Regularization", "Activation", "Sequence", "Attention", "Merge", "Generative")


def register(*types: LayerType) -> None:
    for t in types:
        assert t.name not in LAYERS, t.name
        assert t.category in CATEGORIES, t.category
        LAYERS[t.name] = t


def get(name: str) -> LayerType:
    return LAYERS[name]


def by_category() -> dict[str, list[LayerType]]:
    out: dict[str, list[LayerType]] = {c: [] for c in CATEGORIES}
    for t in LAYERS.values():
        out[t.category].append(t)
    return out


_NOT_FAMILIES = {"base", "checks", "params", "registry"}  # the machinery every family shares


def _load_families() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in _NOT_FAMILIES):
        importlib.import_module(f"{__package__}.{module}")


_load_families()
