"""Builtin synthetic sets generated with numpy: no download, reproducible from a seed.

Each generator returns (x, y, class_names or None, layout); layout says how features are
normalized: "tabular" [N,F], "sequence" [N,T,F], "tokens" (int64, never normalized)."""

from __future__ import annotations

import numpy as np


def moons(n, noise, rng):
    n_top = n // 2
    t_top, t_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n - n_top)
    x = np.concatenate([np.c_[np.cos(t_top), np.sin(t_top)],
                        np.c_[1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)]])
    y = np.r_[np.zeros(n_top), np.ones(n - n_top)]
    return x + rng.normal(0, noise, x.shape), y, ["upper", "lower"], "tabular"


def circles(n, noise, rng, factor=0.5):
    n_out = n // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n - n_out, endpoint=False)
    x = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)],
                        factor * np.c_[np.cos(t_in), np.sin(t_in)]])
    y = np.r_[np.zeros(n_out), np.ones(n - n_out)]
    return x + rng.normal(0, noise, x.shape), y, ["outer", "inner"], "tabular"


def spirals(n, noise, rng):
    half = n // 2
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi  # sqrt: even density along the arm
    y = np.r_[np.zeros(half), np.ones(n - half)]
    sign = np.where(y == 0, 1.0, -1.0)
    x = sign[:, None] * np.c_[t * np.cos(t), t * np.sin(t)] / (3 * np.pi)
    return x + rng.normal(0, noise, x.shape), y, ["arm A", "arm B"], "tabular"


def xor(n, noise, rng):
    x = rng.uniform(-1, 1, (n, 2))
    y = (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(float)
    return x + rng.normal(0, noise, x.shape), y, ["same sign", "opposite sign"], "tabular"


def blobs(n, noise, rng):
    half = n // 2
    y = np.r_[np.zeros(half), np.ones(n - half)]
    centers = np.where(y[:, None] == 0, -2.0, 2.0)
    return centers + rng.normal(0, noise, (n, 2)), y, ["blob A", "blob B"], "tabular"


def sine(n, noise, rng, window=32, horizon=1):
    t = np.arange(n + window + horizon - 1) * 0.1
    series = np.sin(t) + 0.5 * np.sin(0.37 * t) + rng.normal(0, noise, t.shape)
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    x = series[idx][..., None]
    y = series[np.arange(n) + window + horizon - 1][:, None]
    return x, y, None, "sequence"


def sequences(n, noise, rng, length=32):
    """Three wave shapes with random frequency, phase and amplitude: sine, square, sawtooth."""
    y = rng.integers(0, 3, n)
    t = np.arange(length)[None, :]
    freq = rng.uniform(0.03, 0.12, (n, 1))
    phase = rng.uniform(0, 1, (n, 1))
    amp = rng.uniform(0.5, 1.5, (n, 1))
    cycle = (t * freq + phase) % 1.0
    waves = np.stack([np.sin(2 * np.pi * cycle), np.where(cycle < 0.5, 1.0, -1.0),
                      2 * cycle - 1])
    x = amp * waves[y, np.arange(n)] + rng.normal(0, noise, (n, length))
    return x[..., None], y, ["sine", "square", "sawtooth"], "sequence"


def tokens(n, noise, rng, length=16, vocab=20):
    """Label 1 when token 1 appears more often than token 2; ties are redrawn."""
    del noise
    rows = []
    while sum(len(r) for r in rows) < n:
        x = rng.integers(0, vocab, (2 * n, length))
        diff = (x == 1).sum(1) - (x == 2).sum(1)
        rows.append(x[diff != 0])
    x = np.concatenate(rows)[:n]
    y = ((x == 1).sum(1) > (x == 2).sum(1)).astype(np.int64)
    return x.astype(np.int64), y, ["more 2s", "more 1s"], "tokens"


# name -> (generator, default n, default noise)
GENERATORS = {
    "moons": (moons, 1000, 0.1),
    "circles": (circles, 1000, 0.05),
    "spirals": (spirals, 1000, 0.02),
    "xor": (xor, 1000, 0.05),
    "blobs": (blobs, 1000, 0.6),
    "sine": (sine, 1000, 0.05),
    "sequences": (sequences, 900, 0.1),
    "tokens": (tokens, 2000, 0.0),
}
EXTRA_PARAMS = {"sine": ("window", "horizon"), "sequences": ("length",),
                "tokens": ("length", "vocab"), "circles": ("factor",)}
