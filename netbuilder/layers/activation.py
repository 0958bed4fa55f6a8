"""Activation functions: element-wise, shape-preserving."""

from .base import LayerType
from .checks import same_float
from .params import Param
from .registry import register


def _act(name, doc, *params, always=()):
    return LayerType(name, "Activation", doc, shape=same_float(name), torch_class=f"nn.{name}",
                     params=params, always=always, summary_keys=tuple(p.name for p in params[:1]))


_dim = Param("dim", "int", -1, "Dim that sums to 1 (-1: the last; 0 is the batch).", min=-8, max=8)

register(
    _act("ReLU", "max(0, x): the default choice for hidden layers."),
    _act("LeakyReLU", "Like ReLU but with a small slope for x < 0 (no dead units).",
         Param("negative_slope", "float", 0.01, "Slope for x < 0.", min=0.0, max=1.0, short="slope")),
    _act("ELU", "Exponential linear unit: smooth for x < 0.", Param("alpha", "float", 1.0, "Saturation value.", min=0.0)),
    _act("GELU", "Gaussian error linear unit (transformers).",
         Param("approximate", "choice", "none", "Use the tanh approximation.", choices=("none", "tanh"))),
    _act("SiLU", "x·sigmoid(x), also called swish."),
    _act("Sigmoid", "Squashes to (0, 1). For a binary output prefer BCEWithLogitsLoss without it."),
    _act("Tanh", "Squashes to (-1, 1)."),
    _act("Softmax", "Turns scores into probabilities. CrossEntropyLoss applies it itself: do not add it "
         "before that loss.", _dim, always=("dim",)),
    _act("LogSoftmax", "Log of Softmax; pair with NLLLoss.", _dim, always=("dim",)),
)
