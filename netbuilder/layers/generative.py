"""Layers of generative models: the VAE's reparameterisation."""

from ..errors import ShapeError
from .base import LayerType
from .registry import register


def _reparameterize_shape(ins, p):
    mean, logvar = ins
    if mean.shape != logvar.shape or "float32" not in (mean.dtype, logvar.dtype):
        raise ShapeError(f"Reparameterize needs a mean (input 1) and a log-variance (input 2) of the same shape, "
                         f"but gets {mean} and {logvar}.")
    if len(mean.shape) != 1:
        raise ShapeError(f"Reparameterize takes a code vector per sample (e.g. [8]), not {mean}: Flatten first.")
    return mean


def _reparameterize_forward(var, ins, p):
    mean, logvar = ins
    return ["# the KL divergence from N(0, I) per sample: the VAE recipe adds it to the loss",
            f"self.kl = -0.5 * (1 + {logvar} - {mean}.pow(2) - {logvar}.exp()).sum(1).mean()",
            f"{var} = {mean}",
            "if self.training:  # a code drawn around the mean (the mean itself in eval mode)",
            f"    {var} = {mean} + torch.randn_like({mean}) * torch.exp(0.5 * {logvar})"]


register(
    LayerType("Reparameterize", "Generative",
              "A VAE's code: mean + exp(log-variance / 2) * noise while training, the mean in eval mode "
              "(input 1: mean, input 2: log-variance).",
              inputs=2, shape=_reparameterize_shape, forward=_reparameterize_forward),
)
