"""Graph inputs and outputs."""

from .base import LayerType, Tensor
from .params import Param
from .registry import register


def _input_shape(inputs, p):
    return Tensor(tuple(p["shape"]), p["dtype"])


register(
    LayerType(
        "Input", "Input / Output", "A model input: one sample's shape, without the batch dimension.",
        shape=_input_shape, inputs=0, forward=lambda var, ins, p: [], id_prefix="x",
        params=(Param("shape", "shape", (1, 28, 28), "One sample's shape, e.g. [1, 28, 28] or [20].", min=1),
                Param("dtype", "choice", "float32", "float32 for values, int64 for token ids (Embedding).",
                      choices=("float32", "int64"), torch_arg=False)),
        summary_keys=("shape",)),
    LayerType(
        "Output", "Input / Output", "A model output: what forward() returns (and what the loss sees).",
        shape=lambda ins, p: ins[0], forward=lambda var, ins, p: [], id_prefix="out"),
)
