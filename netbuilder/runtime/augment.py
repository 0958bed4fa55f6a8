"""Batch image augmentation as torch ops, on whatever device the batch lives on."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class ImageAugment:
    """Random flip, shift (crop with zero padding), rotation and Gaussian noise per sample.

    Shift and rotation share one affine `grid_sample` per batch, so the cost stays one kernel
    whatever is enabled. Random numbers come from torch's global generator, whose state a
    checkpoint keeps."""

    def __init__(self, flip: bool = False, crop: int = 0, rotation: float = 0.0,
                 noise: float = 0.0):
        self.flip, self.crop, self.rotation, self.noise = bool(flip), int(crop), rotation, noise

    @classmethod
    def from_dict(cls, spec: dict | None):
        aug = cls(**spec) if spec else None
        return aug if aug and (aug.flip or aug.crop or aug.rotation or aug.noise) else None

    def to_dict(self) -> dict:
        return {"flip": self.flip, "crop": self.crop, "rotation": self.rotation,
                "noise": self.noise}

    def __call__(self, xb: torch.Tensor) -> torch.Tensor:
        n, _, h, w = xb.shape
        if self.flip:
            flip = torch.rand(n, 1, 1, 1, device=xb.device) < 0.5
            xb = torch.where(flip, xb.flip(-1), xb)
        if self.crop or self.rotation:
            angle = (torch.rand(n, device=xb.device) * 2 - 1) * math.radians(self.rotation)
            shift = torch.randint(-self.crop, self.crop + 1, (n, 2), device=xb.device)
            cos, sin = angle.cos(), angle.sin()
            theta = torch.stack([
                torch.stack([cos, -sin, shift[:, 0] * 2.0 / w], 1),
                torch.stack([sin, cos, shift[:, 1] * 2.0 / h], 1)], 1).to(xb.dtype)
            grid = F.affine_grid(theta, list(xb.shape), align_corners=False)
            xb = F.grid_sample(xb, grid, mode="bilinear", padding_mode="zeros",
                               align_corners=False)
        if self.noise:
            xb = xb + torch.randn_like(xb) * self.noise
        return xb
