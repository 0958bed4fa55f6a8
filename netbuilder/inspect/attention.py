"""Attention weights of attention nodes, which the compiled model computes but does not keep
(it asks for need_weights=False, and eval mode may take torch's fused path). The layer's input
is caught with a pre-hook and its own attention module is asked again, with weights."""

from __future__ import annotations

import torch

from .predict import first_output

ATTENTION_TYPES = ("MultiheadAttention", "TransformerEncoderLayer")


def _weights(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    if isinstance(module, torch.nn.TransformerEncoderLayer):
        h = module.norm1(x) if module.norm_first else x
        return module.self_attn(h, h, h, need_weights=True, average_attn_weights=False)[1]
    return module(x, x, x, need_weights=True, average_attn_weights=False)[1]


@torch.no_grad()
def attention_weights(model: torch.nn.Module, project, x: torch.Tensor,
                      node_ids) -> dict[str, torch.Tensor]:
    """{attention node id: weights [N, heads, T, T]} for the samples of x (eval mode)."""
    wanted = [n for n in node_ids if project.has_node(n) and project.node(n).type in ATTENTION_TYPES]
    if not wanted:
        return {}
    modules = dict(model.named_children())
    inputs: dict[str, torch.Tensor] = {}
    handles = [modules[n].register_forward_pre_hook(
        lambda m, args, n=n: inputs.__setitem__(n, args[0])) for n in wanted]
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        first_output(model(x.to(device)))
        return {n: _weights(modules[n], inputs[n]).detach().cpu() for n in wanted if n in inputs}
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
