"""Reshaping: flatten, unflatten, and a mean over a dimension (sequence pooling)."""

import math

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import batch_dim, need_float
from .params import Param
from .registry import register


def _flatten_shape(ins, p):
    t = ins[0]
    start = batch_dim(p["start_dim"], len(t.shape), "Flatten")
    end = batch_dim(p["end_dim"], len(t.shape), "Flatten")
    if end < start:
        raise ShapeError("Flatten: end_dim comes before start_dim.")
    merged = math.prod(t.shape[start:end + 1])
    return Tensor(t.shape[:start] + (merged,) + t.shape[end + 1:], t.dtype)


def _unflatten_shape(ins, p):
    t = ins[0]
    d = batch_dim(p["dim"], len(t.shape), "Unflatten")
    sizes = tuple(p["unflattened_size"])
    if math.prod(sizes) != t.shape[d]:
        raise ShapeError(f"Unflatten cannot split a dimension of size {t.shape[d]} into {list(sizes)} "
                         f"({' × '.join(map(str, sizes))} = {math.prod(sizes)}).")
    return Tensor(t.shape[:d] + sizes + t.shape[d + 1:], t.dtype)


def _mean_shape(ins, p):
    t = ins[0]
    need_float("Mean", t)
    d = batch_dim(p["dim"], len(t.shape), "Mean")
    return Tensor(t.shape[:d] + ((1,) if p["keepdim"] else ()) + t.shape[d + 1:])


def _mean_forward(var, ins, p):
    keep = ", keepdim=True" if p["keepdim"] else ""
    return [f"{var} = {ins[0]}.mean(dim={p['dim']}{keep})"]


register(
    LayerType("Flatten", "Reshape", "Flattens each sample into a vector (dims counted with the batch as 0).",
              shape=_flatten_shape, torch_class="nn.Flatten", example_input=(2, 3, 4),
              params=(Param("start_dim", "int", 1, "First dim to flatten (0 is the batch).", min=-8, max=8),
                      Param("end_dim", "int", -1, "Last dim to flatten.", min=-8, max=8))),
    LayerType("Unflatten", "Reshape", "Splits one dimension into several, e.g. [784] into [1, 28, 28].",
              shape=_unflatten_shape, torch_class="nn.Unflatten", positional=("dim", "unflattened_size"),
              summary_keys=("unflattened_size",), example_input=(784,),
              params=(Param("dim", "int", 1, "Dim to split (0 is the batch).", min=-8, max=8),
                      Param("unflattened_size", "shape", (1, 28, 28), "The new sizes.", min=1, short="to"))),
    LayerType("Mean", "Reshape", "Averages over one dimension, e.g. over the time steps of a sequence "
              "(torch.mean).", shape=_mean_shape, forward=_mean_forward, summary_keys=("dim",), example_input=(6, 8),
              params=(Param("dim", "int", 1, "Dim to average (0 is the batch; 1 is time for sequences).",
                            min=-8, max=8),
                      Param("keepdim", "bool", False, "Keep the averaged dim with size 1."))),
)
