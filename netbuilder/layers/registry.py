"""All layer types by name. Each family file declares its types; importing them registers them."""

from __future__ import annotations

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


def _load_families() -> None:
    from . import (  # noqa: F401  (imported for their register() calls)
        activation,
        attention,
        conv,
        dense,
        generative,
        io,
        merge,
        norm,
        pool,
        recurrent,
        reshape,
    )


_load_families()
