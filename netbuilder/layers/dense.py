"""Fully connected layers and embeddings."""

from ..errors import ShapeError
from .base import LayerType, Tensor
from .checks import need_features, need_float
from .params import Param
from .registry import register


def _linear_shape(ins, p):
    t = ins[0]
    need_float("Linear", t)
    need_features("Linear", t)
    if len(t.shape) > 2:  # torch would apply it to the last dim only: almost always a missing Flatten
        raise ShapeError(f"Linear needs a vector per sample ([features], or [time steps, features]), but "
                         f"receives the image-shaped {t}. Add a Flatten before it.")
    return Tensor(t.shape[:-1] + (p["out_features"],))


def _embedding_shape(ins, p):
    t = ins[0]
    if t.dtype != "int64":
        raise ShapeError(f"Embedding looks up integer token ids, but receives float values {t}; "
                         "set the Input's dtype to int64.")
    if p["padding_idx"] is not None and p["padding_idx"] >= p["num_embeddings"]:
        raise ShapeError(f"Embedding: padding_idx {p['padding_idx']} must be a token id below "
                         f"num_embeddings ({p['num_embeddings']}).")
    return Tensor(t.shape + (p["embedding_dim"],))


register(
    LayerType(
        "Linear", "Dense", "Fully connected layer (perceptron): y = xWᵀ + b over the last dimension.",
        shape=_linear_shape, torch_class="nn.Linear",
        inferred=lambda ins, p: {"in_features": ins[0].shape[-1]},
        positional=("in_features", "out_features"), summary_keys=("out_features",), id_prefix="fc",
        params=(Param("out_features", "int", 64, "Number of output units.", min=1, max=1_000_000, short="units"),
                Param("bias", "bool", True, "Learn an additive bias."))),
    LayerType(
        "Embedding", "Sequence", "Maps integer token ids to learned vectors.",
        shape=_embedding_shape, torch_class="nn.Embedding",
        positional=("num_embeddings", "embedding_dim"), summary_keys=("num_embeddings", "embedding_dim"),
        id_prefix="embed", example_input=(6,), example_dtype="int64",
        params=(Param("num_embeddings", "int", 1000, "Vocabulary size (largest token id + 1).", min=1,
                      short="vocab"),
                Param("embedding_dim", "int", 64, "Size of each token vector.", min=1, short="dim"),
                Param("padding_idx", "int", None, "Token id whose vector stays zero.", min=0,
                      optional=True))),
)
