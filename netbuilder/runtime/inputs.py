"""Samples stored compactly, made model inputs one batch at a time.

Image folders stay uint8 in memory (a quarter of float32's size, in the app and in an export's
data.pt); the loop divides each batch by 255 as it reaches the model. Division (not a multiply
by 1/255) rounds as the float path's `pixels.astype(float32) / 255` does, so both train alike.

    scale = ScaleInputs.from_dict(config.get("inputs"))   # None: the data is stored as is
    xb = scale(x[idx])
"""

from __future__ import annotations

import torch


class ScaleInputs:
    """Integer samples to float32 divided by `divide`; float samples pass unchanged (so a
    caller may apply it to anything the model is about to see)."""

    def __init__(self, divide: float = 255.0):
        self.divide = float(divide)

    @classmethod
    def from_dict(cls, spec: dict | None):
        return cls(**spec) if spec else None

    def to_dict(self) -> dict:
        return {"divide": self.divide}

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_floating_point():
            return x
        return x.to(torch.float32) / self.divide
