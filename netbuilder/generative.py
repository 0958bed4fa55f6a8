"""Samples of generative projects (GAN generators, VAE decoders) and their picture grids.

    draw(project, weights, n, seed)  -> float32 [N, C, H, W] in [0, 1] (what `netbuilder sample` writes)
    grid(images) / save_grid(images, path)  -> one picture of many samples (PNG)"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from .errors import ProjectError
from .fileio import write_atomic
from .spec import Project


def grid(images, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """[N, C, H, W] values in [0, 1] -> uint8 [rows*(H+pad)+pad, cols*(W+pad)+pad, C] (C 1 or 3),
    samples left to right, top to bottom, on a dark background."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"a sample grid needs images [N, 1 or 3, H, W], got {list(images.shape)}")
    n, c, h, w = images.shape
    cols = cols or max(1, math.ceil(math.sqrt(n)))
    rows = max(1, math.ceil(n / cols))
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), 40, dtype=np.uint8)
    pixels = (np.clip(np.nan_to_num(images), 0, 1) * 255 + 0.5).astype(np.uint8).transpose(0, 2, 3, 1)
    for i in range(n):
        r, k = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        out[y:y + h, x:x + w] = pixels[i]
    return out


def png_bytes(images, scale: int = 4, cols: int | None = None) -> bytes:
    """The grid as PNG bytes, each pixel drawn `scale` times larger (digits are 8-16 px)."""
    from PIL import Image

    picture = grid(images, cols)
    if picture.shape[2] == 1:
        picture = picture[:, :, 0]
    img = Image.fromarray(picture)
    img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def save_grid(images, path: str | Path, scale: int = 4, cols: int | None = None) -> Path:
    path = Path(path)
    write_atomic(path, png_bytes(images, scale, cols))
    return path


def sampler_info(project: Project) -> tuple[str, list[int], str]:
    """(network that makes samples, latent shape, noise kind) of a generative project."""
    from .networks import io_node, roles

    r = roles(project)
    if not project.networks or r is None:
        raise ProjectError("This project has no generative recipe: `sample` works for GAN and VAE projects "
                           "(training.recipe \"adversarial\" or \"vae\"; see the dcgan and vae templates).",
                           field="training.recipe")
    node = io_node(project.graph(r.sampler), "Input")
    latent = [int(v) for v in node.resolved().get("shape", ())] if node else []
    noise = ((project.training or {}).get("adversarial") or {}).get("noise", "normal")
    return r.sampler, latent, noise


def to_unit_range(images, network: Project):
    """Samples in [0, 1]: a generator ending in Tanh makes [-1, 1], which is mapped over."""
    from .networks import io_node

    out = io_node(network, "Output")
    last = next((e.source for e in network.edges if out is not None and e.target == out.id), None)
    if last is not None and network.node(last).type == "Tanh":
        images = (images + 1) / 2
    return images.clamp(0, 1)


def draw(project: Project, weights: str | Path, n: int, seed: int = 0) -> np.ndarray:
    """n samples of a trained generative project: float32 [N, C, H, W] in [0, 1] for images."""
    import torch

    from .compiler import build_model
    from .runtime.recipes_generative import decode, draw_noise
    from .weights import load_into

    if n < 1:
        raise ProjectError(f"-n must be at least 1, got {n}.", field="n")
    network, latent, noise = sampler_info(project)
    model = build_model(project)
    load_into(model, Path(weights), strict=True)
    z = draw_noise(n, latent, noise, "cpu", torch.Generator().manual_seed(seed))
    images = to_unit_range(decode(getattr(model, network), z), project.graph(network))
    return images.numpy().astype(np.float32)


def diversity(images) -> float:
    """How different the samples are from each other: the mean over pixels of their standard
    deviation across samples (0 when every sample is the same picture)."""
    images = np.asarray(images, dtype=np.float64)
    if len(images) < 2:
        return 0.0
    return float(images.reshape(len(images), -1).std(axis=0).mean())


COLLAPSE = 0.35  # samples this much less varied than real data look like one mode
D_WINS = 0.05  # D(G(z)) below this (with D(x) above 1 - this): the discriminator wins outright


def hints(logs: dict | None, samples=None, real=None, loss: str = "bce") -> list[str]:
    """What a learner should know about a GAN's epoch: a collapse to one mode (the samples vary
    far less than the real data), or a discriminator that wins outright (no gradient left for the
    generator). `real`: a batch of real samples to compare the variety with."""
    out = []
    if samples is not None and real is not None and len(samples) >= 8:
        ours, theirs = diversity(samples), diversity(real)
        if theirs > 0 and ours < COLLAPSE * theirs:
            out.append(f"Mode collapse: the samples vary {ours / theirs:.0%} as much as the real data, so the "
                       "generator makes nearly the same picture for every noise. Try label smoothing, a lower "
                       "generator learning rate, or restart with another seed.")
    if logs and loss == "bce" and logs.get("d_fake", 1) < D_WINS and logs.get("d_real", 0) > 1 - D_WINS:
        out.append(f"The discriminator wins outright: D(x) = {logs['d_real']:.2f} and D(G(z)) = "
                   f"{logs['d_fake']:.2f}, so the generator learns little. Try label smoothing, a lower "
                   "discriminator learning rate, or more generator steps.")
    return out
