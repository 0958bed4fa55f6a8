"""Attention over [time, features] sequences (batch_first)."""

from ..errors import ShapeError
from .base import LayerType
from .checks import need_float, need_rank
from .params import Param
from .registry import register


def _attention_shape(name, heads):
    def shape(ins, p):
        need_float(name, ins[0])
        _, width = need_rank(name, ins[0], 2, "[time steps, features]")
        if width % p[heads]:
            raise ShapeError(f"{name}: the feature size {width} must divide evenly into {heads}={p[heads]} heads.")
        return ins[0]
    return shape


def _self_attention_forward(var, ins, p):
    x = ins[0]
    return [f"{var}, _ = self.{var}({x}, {x}, {x}, need_weights=False)"]


register(
    LayerType(
        "MultiheadAttention", "Attention", "Self-attention: each time step attends to every other.",
        shape=_attention_shape("MultiheadAttention", "num_heads"), torch_class="nn.MultiheadAttention",
        inferred=lambda ins, p: {"embed_dim": ins[0].shape[-1]}, positional=("embed_dim", "num_heads"),
        fixed={"batch_first": True}, forward=_self_attention_forward, summary_keys=("num_heads",),
        id_prefix="attn", example_input=(6, 8),
        params=(Param("num_heads", "int", 4, "Parallel attention heads (must divide the feature size).", min=1,
                      short="heads"),
                Param("dropout", "float", 0.0, "Dropout on attention weights.", min=0.0, max=1.0),
                Param("bias", "bool", True, "Learn biases."))),
    LayerType(
        "TransformerEncoderLayer", "Attention", "Self-attention + feed-forward block with residuals and norms.",
        shape=_attention_shape("TransformerEncoderLayer", "nhead"), torch_class="nn.TransformerEncoderLayer",
        inferred=lambda ins, p: {"d_model": ins[0].shape[-1]}, positional=("d_model", "nhead"),
        fixed={"batch_first": True}, summary_keys=("nhead", "dim_feedforward"),
        id_prefix="encoder", example_input=(6, 8),
        params=(Param("nhead", "int", 8, "Attention heads (must divide the feature size).", min=1, short="heads"),
                Param("dim_feedforward", "int", 2048, "Hidden size of the feed-forward block.", min=1,
                      short="ff"),
                Param("dropout", "float", 0.1, "Dropout.", min=0.0, max=1.0),
                Param("activation", "choice", "relu", "Feed-forward activation.", choices=("relu", "gelu")),
                Param("norm_first", "bool", False, "LayerNorm before (pre-norm) rather than after."))),
)
