"""Trainer throughput vs a plain hand-written loop (preloaded tensors + randperm), and the cost
of a checkpoint commit for a 5M-parameter model.

Same model init, data, batch size, optimizer, number of batches, and validation pass (loss
and accuracy on the same 512 samples after each epoch); the trainer also pays for its
throttled reporting and its gradient statistics. This machine's speed drifts by tens of percent within seconds,
so two ways of pairing:
- lockstep (the figure to read): one epoch of the trainer, and before each of its batches one
  step of the plain loop on its own model, timed apart. Both see the same moments of the
  machine; trainer time = its epoch time minus the time spent in the plain steps' calls.
- alternating epochs, in ABBA order (plain first in even rounds, trainer first in odd ones).
Each prints the median of the rounds' ratios and their range. --quick runs fewer rounds but
still 5 of lockstep: with 3, one slow moment of the machine moved the median by 1-2%.
The trainer polls pause/stop before it gathers a batch, so in lockstep the plain step (run in
that poll) does not sit between the trainer's gather and its step, evicting the batch from
the cache (which cost the trainer 2-3% here before the loop gathered after the poll).
Run: python bench/bench_trainer.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netbuilder.data import DataBundle
from netbuilder.train import Reporter, train

LOCKSTEP_ROUNDS, ALTERNATING_ROUNDS, COMMITS = 7, 5, 7


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                         nn.ReLU(), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


class PlainLoop:
    """The hand-written loop, one step at a time (so that it can run in lockstep), and the
    validation pass a hand-written loop runs after each epoch (loss and accuracy on the same
    val split the trainer validates on): like with like."""

    def __init__(self, make_model, x, y, batch_size, n_val: int = 512):
        torch.manual_seed(0)
        self.model, self.x, self.y, self.batch_size = make_model(), x, y, batch_size
        self.xv, self.yv = x[:n_val].clone(), y[:n_val].clone()  # as trainer_epoch's bundle
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()
        self.perm, self.at, self.seconds = None, 0, 0.0

    @property
    def done(self) -> bool:
        return self.at >= len(self.x)

    def step(self) -> None:
        start = time.perf_counter()
        self._step()  # its batch and outputs are freed on return: inside the timing, as in a loop
        self.seconds += time.perf_counter() - start

    def _step(self) -> None:
        if self.perm is None:
            self.perm = torch.randperm(len(self.x))
        idx = self.perm[self.at:self.at + self.batch_size]
        self.at += self.batch_size
        loss = self.loss_fn(self.model(self.x[idx]), self.y[idx])
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()

    def validate(self) -> tuple[float, float]:
        start = time.perf_counter()
        self.model.eval()
        with torch.no_grad():
            out = self.model(self.xv)
            loss, accuracy = self.loss_fn(out, self.yv).item(), (out.argmax(1) == self.yv).float().mean().item()
        self.model.train()
        self.seconds += time.perf_counter() - start
        return loss, accuracy

    def epoch(self) -> float:
        """The rest of the epoch's steps and the validation pass; the loop's whole time."""
        while not self.done:
            self.step()
        self.validate()
        return self.seconds


class Counting(Reporter):
    """Does what a GUI reporter does per call, minus the Qt signal."""

    def __init__(self):
        self.calls = 0

    def on_step(self, step, epoch, loss, lr):
        self.calls += 1


class Lockstep:
    """Runs one plain step before each of a trainer's batches, in the reporter's pause poll
    (called once a batch), and the rest of the plain epoch after the trainer's. The trainer's
    own time is its epoch time minus the whole time spent in those polls."""

    def __init__(self, reporter: Reporter, plain: PlainLoop):
        self.plain, self.in_polls, self.trainer_s = plain, 0.0, None
        poll, on_epoch = reporter.wait_if_paused, reporter.on_epoch

        def wait_if_paused():
            start = time.perf_counter()
            if not plain.done:
                plain.step()
            self.in_polls += time.perf_counter() - start
            poll()

        def epoch_done(epoch, logs):
            self.trainer_s = logs["epoch_time"] - self.in_polls
            plain.epoch()
            on_epoch(epoch, logs)

        reporter.wait_if_paused, reporter.on_epoch = wait_if_paused, epoch_done

    @property
    def ratio(self) -> float:
        return self.plain.seconds / self.trainer_s  # same samples: the ratio of throughputs


def trainer_epoch(model, x, y, batch_size, reporter) -> float:
    """One epoch of netbuilder.train on the data; its epoch time."""
    n_val = 512
    bundle = DataBundle(x, y, x[:n_val].clone(), y[:n_val].clone(), x[:0], y[:0],
                        task="classification", class_names=[str(i) for i in range(10)],
                        num_classes=10, input_shape=tuple(x.shape[1:]), target_shape=(),
                        feature_names=None)
    result = train(model, bundle, {"optimizer": {"type": "Adam", "lr": 1e-3},
                                   "batch_size": batch_size, "epochs": 1,
                                   "metrics": ["accuracy"], "device": "cpu"}, reporter)
    return result.history[0]["epoch_time"]


def lockstep_ratio(make_model, x, y, batch_size) -> float:
    reporter = Counting()
    lockstep = Lockstep(reporter, PlainLoop(make_model, x, y, batch_size))
    torch.manual_seed(0)
    trainer_epoch(make_model(), x, y, batch_size, reporter)
    return lockstep.ratio


def alternating_ratio(make_model, x, y, batch_size, trainer_first: bool) -> float:
    def plain():
        return PlainLoop(make_model, x, y, batch_size).epoch()

    def ours():
        torch.manual_seed(0)
        return trainer_epoch(make_model(), x, y, batch_size, Counting())

    if trainer_first:
        t, p = ours(), plain()
    else:
        p, t = plain(), ours()
    return p / t


def _spread(ratios: list[float]) -> str:
    return f"median {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}, {len(ratios)} rounds)"


def bench(name, make_model, x, y, batch_size) -> float:
    small = slice(0, 2048)  # warm-up: both loops, so that no first-call cost lands in a round
    PlainLoop(make_model, x[small], y[small], batch_size).epoch()
    trainer_epoch(make_model(), x[small], y[small], batch_size, Counting())
    lock = [lockstep_ratio(make_model, x, y, batch_size) for _ in range(LOCKSTEP_ROUNDS)]
    alt = [alternating_ratio(make_model, x, y, batch_size, i % 2 == 1) for i in range(ALTERNATING_ROUNDS)]
    print(f"{name:<26} trainer / plain throughput: lockstep {_spread(lock)};  alternating epochs "
          f"{_spread(alt)}")
    return statistics.median(lock)


def commit_cost(rounds: int = 7):
    """A 5M-parameter model with Adam's state: the transactional commit (loop.commit: model,
    optimizer and RNG state in a new epoch folder, state.json, each fsynced, the folder
    renamed, the pointer replaced; best linked, every other epoch improved) against writing
    and fsyncing the model's weights alone (the same writer), in pairs. The commit writes
    three times the bytes (Adam keeps two moments per weight)."""
    import tempfile

    from netbuilder.runtime.checkpoint import write_file
    from netbuilder.runtime.loop import Loop
    from netbuilder.runtime.safetensors_io import tensor_pieces

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
            write_file(Path(tmp) / "weights.safetensors", tensor_pieces(model.state_dict()))
            plain.append(time.perf_counter() - start)
            loop.epoch = i + 1
            start = time.perf_counter()
            folder = loop.commit(Path(tmp) / "run", improved=i % 2 == 0)
            commits.append(time.perf_counter() - start)
        written = sum(f.stat().st_size for f in folder.iterdir() if f.name != "best.safetensors")
    paired = [c / p for c, p in zip(commits, plain)]
    ms = [c * 1e3 for c in commits]
    print(f"checkpoint commit, {params / 1e6:.1f}M parameters + Adam ({written / 1e6:.0f} MB): median "
          f"{statistics.median(ms):.0f} ms (range {min(ms):.0f}-{max(ms):.0f}, {rounds} commits); the weights "
          f"alone ({params * 4 / 1e6:.0f} MB, written and fsynced) {statistics.median(plain) * 1e3:.0f} ms; "
          f"median paired ratio {statistics.median(paired):.2f}")


def main():
    if "--quick" in sys.argv:
        global LOCKSTEP_ROUNDS, ALTERNATING_ROUNDS, COMMITS
        LOCKSTEP_ROUNDS, ALTERNATING_ROUNDS, COMMITS = 5, 3, 5
    torch.set_num_threads(max(1, torch.get_num_threads()))
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {LOCKSTEP_ROUNDS} lockstep rounds, "
          f"{ALTERNATING_ROUNDS} alternating")
    x = torch.randn(60_000, 784)
    y = torch.randint(0, 10, (60_000,))
    ratios = [bench("MLP 784-256-128-10, bs 64", mlp, x, y, 64)]
    xi = torch.randn(12_000, 1, 28, 28)
    yi = torch.randint(0, 10, (12_000,))
    ratios.append(bench("CNN 2 conv, 28x28, bs 64", cnn, xi, yi, 64))
    print(f"lowest lockstep median {min(ratios):.3f} (target >= 0.97)")
    commit_cost(COMMITS)


if __name__ == "__main__":
    main()
