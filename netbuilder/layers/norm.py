"""Normalization and dropout."""

from ..errors import ShapeError
from .base import LayerType
from .checks import need_features, need_float, need_rank, same_float
from .params import Param
from .registry import register


def _layer_norm_shape(ins, p):
    need_features("LayerNorm", ins[0])
    return same_float("LayerNorm")(ins, p)


def _bn1d_shape(ins, p):
    t = ins[0]
    need_float("BatchNorm1d", t)
    if len(t.shape) not in (1, 2):
        raise ShapeError(f"BatchNorm1d needs [features] or [channels, length] per sample, but receives {t}; "
                         "use BatchNorm2d for images.")
    return t


def _bn2d_shape(ins, p):
    need_float("BatchNorm2d", ins[0])
    need_rank("BatchNorm2d", ins[0], 3, "[channels, height, width]", "Use BatchNorm1d for vectors.")
    return ins[0]


def _group_norm_shape(ins, p):
    t = ins[0]
    need_float("GroupNorm", t)
    if len(t.shape) < 2:
        raise ShapeError(f"GroupNorm needs [channels, ...] per sample, but receives {t}; use LayerNorm for vectors.")
    if t.shape[0] % p["num_groups"]:
        raise ShapeError(f"GroupNorm: num_groups={p['num_groups']} must divide the {t.shape[0]} input channels.")
    return t


_bn_params = (Param("eps", "float", 1e-5, "Added to the variance for stability.", min=0.0),
              Param("momentum", "float", 0.1, "Running statistics update rate.", min=0.0, max=1.0),
              Param("affine", "bool", True, "Learn a scale and a shift."))
_channels = lambda ins, p: {"num_features": ins[0].shape[0]}

register(
    LayerType("BatchNorm1d", "Normalization", "Normalizes each feature over the batch (vectors, sequences).",
              shape=_bn1d_shape, torch_class="nn.BatchNorm1d", inferred=_channels, positional=("num_features",),
              params=_bn_params, id_prefix="bn", running_stats=True),
    LayerType("BatchNorm2d", "Normalization", "Normalizes each channel over the batch and the image.",
              shape=_bn2d_shape, torch_class="nn.BatchNorm2d", inferred=_channels, positional=("num_features",),
              params=_bn_params, id_prefix="bn", running_stats=True, example_input=(3, 5, 5)),
    LayerType("GroupNorm", "Normalization", "Normalizes groups of channels within each sample (small batches, GANs).",
              shape=_group_norm_shape, torch_class="nn.GroupNorm", inferred=lambda ins, p: {"num_channels": ins[0].shape[0]},
              positional=("num_groups", "num_channels"), summary_keys=("num_groups",), id_prefix="gn",
              example_input=(4, 5, 5),
              params=(Param("num_groups", "int", 2, "Groups the channels are split into (must divide them).", min=1,
                            short="groups"),
                      Param("eps", "float", 1e-5, "Added to the variance for stability.", min=0.0),
                      Param("affine", "bool", True, "Learn a scale and a shift per channel."))),
    LayerType("LayerNorm", "Normalization", "Normalizes each sample over its last dimension.",
              shape=_layer_norm_shape, torch_class="nn.LayerNorm", id_prefix="ln", example_input=(5, 8),
              inferred=lambda ins, p: {"normalized_shape": ins[0].shape[-1]}, positional=("normalized_shape",),
              params=(Param("eps", "float", 1e-5, "Added to the variance for stability.", min=0.0),
                      Param("elementwise_affine", "bool", True, "Learn a scale and a shift."))),
    LayerType("Dropout", "Regularization", "Zeroes a random fraction p of values while training.",
              shape=same_float("Dropout"), torch_class="nn.Dropout", positional=("p",), summary_keys=("p",),
              id_prefix="drop",
              params=(Param("p", "float", 0.5, "Probability of zeroing a value.", min=0.0, max=1.0),)),
)
