"""Parameter counts per node, from each node's own module built on the meta device (cached)."""

from __future__ import annotations

import torch
from torch import nn

from .shapes import Analysis
from .spec import Node, Project

_cache: dict[tuple, int | None] = {}


def _key(node: Node, inferred: dict) -> tuple:
    return node.type, tuple(sorted(node.resolved().items())), tuple(sorted(inferred.items()))


def node_params(node: Node, inferred: dict | None) -> int | None:
    """Trainable + frozen parameter count of one node's module (0 for ops without one)."""
    layer = node.layer
    if not layer.has_module:
        return 0
    if inferred is None:
        return None
    key = _key(node, inferred)
    if key in _cache:
        return _cache[key]
    kwargs = layer.arguments(node.params, inferred)  # exactly what the generated code passes
    cls = getattr(nn, layer.torch_class.split(".")[-1])
    try:
        with torch.device("meta"):
            module = cls(**kwargs)
        count = sum(p.numel() for p in module.parameters())
    except Exception:  # noqa: BLE001 - a count we cannot make is shown as unknown, never a crash
        count = None
    _cache[key] = count
    return count


def project_params(project: Project, analysis: Analysis) -> dict[str, int | None]:
    """Each node's count (None: unknown), counted once per analysis of this project: the size
    check counts them while analysing, and the document, compiler and codegen ask again."""
    memo = analysis.param_counts
    if memo is None or memo[0] is not project:
        memo = analysis.param_counts = (project, {n.id: node_params(n, analysis.inferred.get(n.id))
                                                  for n in project.nodes})
    return dict(memo[1])
