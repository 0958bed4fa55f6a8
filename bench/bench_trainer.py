"""Trainer throughput vs a plain hand-written loop (preloaded tensors + randperm), and the cost
of a checkpoint commit for a 5M-parameter model.

Same model init, data, batch size and optimizer; samples/s over whole epochs (the trainer's
epoch also runs its validation pass on a small val split and its throttled reporting). The
machine is shared: plain and trainer epochs alternate in one process and the ratios are taken
per pair (the median paired ratio is the figure to read), never across runs.
Run: python bench/bench_trainer.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netbuilder.data import DataBundle
from netbuilder.train import Reporter, train

ROUNDS = 5  # alternate plain/trainer epochs: on a shared machine only pairs compare


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                         nn.ReLU(), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def plain_loop(model, x, y, batch_size, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch_size):
            idx = perm[i:i + batch_size]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return len(x) / min(times)


class Counting(Reporter):
    """Does what a GUI reporter does per call, minus the Qt signal."""

    def __init__(self):
        self.calls = 0

    def on_step(self, step, epoch, loss, lr):
        self.calls += 1


def trainer_loop(model, x, y, batch_size, epochs):
    n_val = 512
    shape = tuple(x.shape[1:])
    bundle = DataBundle(x, y, x[:n_val].clone(), y[:n_val].clone(), x[:0], y[:0],
                        task="classification", class_names=[str(i) for i in range(10)],
                        num_classes=10, input_shape=shape, target_shape=(),
                        feature_names=None)
    result = train(model, bundle, {"optimizer": {"type": "Adam", "lr": 1e-3},
                                   "batch_size": batch_size, "epochs": epochs,
                                   "metrics": ["accuracy"], "device": "cpu"}, Counting())
    return len(x) / min(h["epoch_time"] for h in result.history)


def bench(name, make_model, x, y, batch_size):
    plain, ours = [], []
    for _ in range(ROUNDS):
        torch.manual_seed(0)
        plain.append(plain_loop(make_model(), x, y, batch_size, 1))
        torch.manual_seed(0)
        ours.append(trainer_loop(make_model(), x, y, batch_size, 1))
    paired = sorted(o / p for o, p in zip(ours, plain))
    print(f"{name:<26} best: plain {max(plain):7.0f} samples/s, trainer {max(ours):7.0f} "
          f"samples/s, ratio {max(ours) / max(plain):.3f};  median paired ratio "
          f"{paired[len(paired) // 2]:.3f}")
    return max(ours) / max(plain)


def commit_cost(rounds: int = 5):
    """A 5M-parameter model with Adam's state: the transactional commit (model, best, optimizer
    and RNG state, fsync, rename, pointer) against writing the model's weights alone, in pairs."""
    import tempfile

    from netbuilder.runtime.loop import Loop
    from netbuilder.runtime.safetensors_io import save_file

    model = nn.Sequential(nn.Linear(1000, 2500), nn.ReLU(), nn.Linear(2500, 1000))
    params = sum(p.numel() for p in model.parameters())
    config = {"task": "regression", "loss": {"type": "MSELoss"}, "optimizer": {"type": "Adam", "lr": 1e-3},
              "schedule": None, "batch_size": 8, "epochs": 1, "seed": 0, "l1": 0.0, "l2": 0.0,
              "grad_clip": None, "metrics": [], "monitor": "val_loss", "patience": None, "min_delta": 0.0}
    loop = Loop(model, config, "cpu")
    x = torch.randn(16, 1000)
    loop.run_epoch(x, x, x, x)  # Adam's moments exist now
    commits, plain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            start = time.perf_counter()
            save_file(model.state_dict(), Path(tmp) / "weights.safetensors")
            plain.append(time.perf_counter() - start)
            loop.epoch = i + 1
            start = time.perf_counter()
            loop.commit(Path(tmp) / "run", improved=i % 2 == 0)
            commits.append(time.perf_counter() - start)
    paired = sorted(c / p for c, p in zip(commits, plain))
    print(f"checkpoint commit, {params / 1e6:.1f}M parameters + Adam: median {sorted(commits)[rounds // 2] * 1e3:.0f} ms "
          f"(weights alone {sorted(plain)[rounds // 2] * 1e3:.0f} ms; median paired ratio {paired[rounds // 2]:.2f})")


def main():
    if "--quick" in sys.argv:
        global ROUNDS
        ROUNDS = 3
    torch.set_num_threads(max(1, torch.get_num_threads()))
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, best epoch of "
          f"{ROUNDS} alternating rounds")
    x = torch.randn(60_000, 784)
    plain_loop(mlp(), x[:5000], torch.randint(0, 10, (5000,)), 64, 1)  # warm up allocator
    y = torch.randint(0, 10, (60_000,))
    ratios = [bench("MLP 784-256-128-10, bs 64", mlp, x, y, 64)]
    xi = torch.randn(12_000, 1, 28, 28)
    yi = torch.randint(0, 10, (12_000,))
    ratios.append(bench("CNN 2 conv, 28x28, bs 64", cnn, xi, yi, 64))
    print(f"min best-of ratio {min(ratios):.3f} (target >= 0.97)")
    commit_cost()


if __name__ == "__main__":
    main()
