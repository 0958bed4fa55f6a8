"""Shape checks shared by layer families, worded for a learner."""

from __future__ import annotations

from ..errors import ShapeError
from .base import Tensor


def need_rank(layer: str, t: Tensor, rank: int, layout: str, hint: str = "") -> tuple[int, ...]:
    if len(t.shape) != rank:
        dims = len(t.shape)
        raise ShapeError(
            f"{layer} needs an input shaped {layout} ({rank} dimension{'s' * (rank > 1)} per sample), "
            f"but it receives {t} ({dims} dimension{'s' * (dims > 1)}).{' ' + hint if hint else ''}")
    return t.shape


def need_features(layer: str, t: Tensor) -> None:
    """Layers that work over the last dimension need one: not a single number per sample."""
    if not t.shape:
        raise ShapeError(f"{layer} works over the last dimension of each sample, but it receives "
                         f"one number per sample ({t}). Keep a dimension before it (e.g. Mean "
                         "with keepdim).")


def need_float(layer: str, t: Tensor) -> None:
    if t.dtype != "float32":
        raise ShapeError(f"{layer} needs float values but receives integer tokens {t}; "
                         "put an Embedding before it.")


def same_float(layer: str):
    """The shape rule of an element-wise layer on float values (dims checked where it has one)."""
    def shape(ins, p):
        need_float(layer, ins[0])
        if "dim" in p:
            batch_dim(p["dim"], len(ins[0].shape), layer)
        return ins[0]
    return shape


def conv_out(size: int, k: int, s: int, p: int, d: int, what: str) -> int:
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    if out < 1:
        raise ShapeError(f"the kernel ({k}, dilation {d}) is larger than the input {what} {size} "
                         f"plus padding {p}: the output would be empty. Use a smaller kernel or add padding.")
    return out


def batch_dim(dim: int, rank: int, layer: str) -> int:
    """A torch dim argument (counting the batch dimension) as an index into one sample's shape."""
    full = rank + 1
    d = dim + full if dim < 0 else dim
    if not 1 <= d < full:
        raise ShapeError(f"{layer}: dim {dim} is out of range for a batch of inputs shaped "
                         f"[batch, {', '.join('?' * rank)}] (dim 0 is the batch).")
    return d - 1
