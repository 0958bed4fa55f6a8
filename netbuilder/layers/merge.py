"""Merges: several incoming tensors become one (residual sums, concatenation, gating)."""

from ..errors import ShapeError
from .base import VARIADIC, LayerType, Tensor
from .checks import batch_dim
from .params import Param
from .registry import register


def _listing(ins) -> str:
    return ", ".join(f"input {i + 1} {t}" for i, t in enumerate(ins))


def _same_dtype(name, ins) -> None:
    if len({t.dtype for t in ins}) > 1:
        raise ShapeError(f"{name} cannot mix integer tokens and float values: it gets {_listing(ins)}.")


def _same_shape(name):
    def shape(ins, p):
        _same_dtype(name, ins)
        if len({t.shape for t in ins}) > 1:
            raise ShapeError(f"{name} needs inputs of the same shape, but gets {_listing(ins)}.")
        return ins[0]
    return shape


def _concat_shape(ins, p):
    _same_dtype("Concat", ins)
    ranks = {len(t.shape) for t in ins}
    if len(ranks) > 1:
        raise ShapeError(f"Concat needs inputs with the same number of dimensions, but gets {_listing(ins)}.")
    d = batch_dim(p["dim"], ranks.pop(), "Concat")
    rest = {t.shape[:d] + t.shape[d + 1:] for t in ins}
    if len(rest) > 1:
        raise ShapeError(f"Concat along dim {p['dim']} needs every other dimension to match, "
                         f"but gets {_listing(ins)}.")
    first = ins[0].shape
    return Tensor(first[:d] + (sum(t.shape[d] for t in ins),) + first[d + 1:], ins[0].dtype)


def _operator(op):
    return lambda var, ins, p: [f"{var} = {f' {op} '.join(ins)}"]


register(
    LayerType("Add", "Merge", "Element-wise sum of its inputs (residual connections).", inputs=VARIADIC,
              shape=_same_shape("Add"), forward=_operator("+")),
    LayerType("Multiply", "Merge", "Element-wise product of its inputs (gating).", inputs=VARIADIC,
              shape=_same_shape("Multiply"), forward=_operator("*")),
    LayerType("Concat", "Merge", "Joins its inputs along a dimension (1: channels or features).",
              inputs=VARIADIC, shape=_concat_shape, summary_keys=("dim",),
              forward=lambda var, ins, p: [f"{var} = torch.cat([{', '.join(ins)}], dim={p['dim']})"],
              params=(Param("dim", "int", 1, "Dim to join along (0 is the batch).", min=-8, max=8),)),
)
