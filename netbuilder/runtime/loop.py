"""The training loop the app and the exported train.py share: one epoch at a time over
preloaded tensors, a recipe per batch, callbacks for whoever watches.

    loop = Loop(model, config, device, augment)   # config: the run's JSON (see build.py)
    loop.seed()                                   # after the model's weights are made
    logs = loop.run_epoch(x, y, x_val, y_val)     # None when a callback stopped it
    loop.commit(run_dir, improved=logs["improved"])

Batches: one randperm per epoch from the loop's own generator (so the order does not depend
on dropout or augmentation), cut into global batches of batch_size that the processes of a
data-parallel run share (batch_plan), a last batch of one sample (per process) dropped. The
loss of a batch is the recipe's; l1, clipping and mixed precision are applied around it."""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path

import torch

from . import checkpoint
from .build import l1_penalty, make_loss, make_optimizer, make_scheduler, step_scheduler
from .inputs import ScaleInputs
from .metrics import original_units, scores
from .monitor import Monitor
from .stream import fetch
from .weights_meta import weights_metadata

EVAL_BATCH = 1024  # samples per forward pass when evaluating


class LossSum:
    """A running sum of batch losses (device scalars) with no device op per batch: a tensor
    add costs 4-7 us on the CPU, several percent of a small model's step. The losses are
    kept and summed by one op every FOLD batches, and when the sum is read."""

    FOLD = 256

    def __init__(self, device):
        self.kept: list[torch.Tensor] = []
        self.folded = torch.zeros((), dtype=torch.float64, device=device)

    def add(self, loss: torch.Tensor) -> None:
        self.kept.append(loss)
        if len(self.kept) >= self.FOLD:
            self._fold()

    def _fold(self) -> None:
        if self.kept:
            self.folded += torch.stack(self.kept).sum(dtype=torch.float64)
            self.kept.clear()

    def total(self) -> torch.Tensor:
        """The sum so far, as a float64 device scalar (read it with .item(): one sync)."""
        self._fold()
        return self.folded

    def reset(self) -> None:
        self.kept.clear()
        self.folded.zero_()


def first_output(out):
    """A graph with several outputs is trained and evaluated on the first one."""
    return out[0] if isinstance(out, (tuple, list)) else out


class Diverged(ArithmeticError):
    """The training loss became NaN or infinite."""

    def __init__(self, epoch: int, first: int, last: int):
        where = f"step {last}" if first == last else f"steps {first}-{last}"
        super().__init__(
            f"The training loss became NaN or infinite in epoch {epoch} ({where}). Usual "
            "causes: a learning rate that is too high, inputs that are not normalized, or a "
            "log/division of zero in the model. Lower the learning rate, set data.normalize to "
            '"standard", or add gradient clipping.')


class Callbacks:
    """What the loop tells its watchers; every hook is a no-op here. Hooks get device
    tensors, never synced values: a hook that reads one pays for the sync itself."""

    def before_batch(self) -> bool:
        """Polled before each batch: True stops the epoch there (pause by blocking here)."""
        return False

    def after_backward(self, step: int) -> None:
        """Gradients are there, not yet clipped."""

    def after_step(self, step: int, loss: torch.Tensor) -> None:
        """The optimizer has stepped; `loss` is the batch's loss (without the l1 term)."""

    def after_training_pass(self, epoch: int) -> None:
        """The epoch's batches are done; evaluation comes next."""


# ----- recipes --------------------------------------------------------------------------------
class Recipe:
    """How one batch trains. `step` computes the loss, calls loop.optimize (once per optimizer:
    an adversarial recipe adds a second network and optimizer in `setup` and steps both) and
    returns the loss to report. `target` is what evaluation compares the outputs with."""

    name = "supervised"
    supervised = True  # outputs are compared with targets (the app checks shapes, computes details)
    keeps_last = False  # True: each epoch's weights are the result (no best epoch by val_loss)

    def setup(self, loop: Loop) -> None:
        """Add networks or optimizers to the loop (loop.optimizers, loop.primary) before training."""

    def epoch_logs(self, loop: Loop) -> dict:
        """The recipe's own values for the epoch's logs (e.g. a GAN's two losses)."""
        return {}

    def evaluate(self, loop: Loop, x: torch.Tensor, y: torch.Tensor, names=None) -> tuple[float, dict]:
        """The loss over all of x (one loss_fn call on every output) and the metrics."""
        out, target = loop.predict(x), self.target(x, y)
        loss = float(loop.loss_fn(out, target))  # on the standardised target, when it is
        scale = loop.config.get("target_scale")
        out, target = original_units(out, scale), original_units(target, scale)
        return loss, scores(loop.config["task"], out, target, names,
                            probabilities=loop.config["loss"]["type"] == "BCELoss")

    def target(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return y

    def step(self, loop: Loop, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        inputs = loop.augment(xb) if loop.augment is not None else xb
        with loop.autocast():
            loss = loop.loss_fn(first_output(loop.net(inputs)), self.target(xb, yb))
        loop.optimize(loss, "model")
        return loss


class Supervised(Recipe):
    """Inputs to targets: today's classifiers and regressors."""


class Autoencoder(Recipe):
    """The target is the input itself (before augmentation: a denoising autoencoder when
    noise is on)."""

    name = "autoencoder"

    def target(self, x, y):
        return x


RECIPES = {r.name: r for r in (Supervised, Autoencoder)}


def recipe_class(name: str) -> type[Recipe]:
    from .recipes_generative import GENERATIVE  # they build on Recipe: imported once it exists

    return {**RECIPES, **GENERATIVE}[name]


# ----- the loop -------------------------------------------------------------------------------
def batch_plan(n: int, batch_size: int, world: int = 1) -> tuple[int, int, int]:
    """How an epoch of n samples is batched over `world` processes: (global batch, samples
    after padding, steps). batch_size is the global batch, the samples of one step over all
    processes (N processes train as one does). It is rounded down to a multiple of the
    process count (at least one sample each), so every rank takes an equal share and
    DistributedDataParallel's averaged gradient is the global batch's mean. The order is
    padded with its first samples to a multiple of the process count, so the last batch is
    shared equally too and every rank takes the same number of steps (else DDP hangs). A last
    batch of one sample per process is skipped: it breaks BatchNorm."""
    padded = n + (-n) % world
    size = max(world, min(batch_size, padded) // world * world)
    steps, last = divmod(padded, size)
    if last and not (last == world and size > world):
        steps += 1
    return size, padded, steps


class Loop:
    def __init__(self, model: torch.nn.Module, config: dict, device, augment=None,
                 world: tuple[int, int] = (0, 1)):
        self.model, self.config, self.device = model, config, torch.device(device)
        self.augment = augment
        self.scale_inputs = ScaleInputs.from_dict(config.get("inputs"))  # uint8 pixels: per batch
        self.rank, self.world = world
        self.net = model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            self.net = DistributedDataParallel(model)
        self.recipe = recipe_class(config.get("recipe", "supervised"))()
        self.loss_fn = make_loss(config["loss"])
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.l1_params = [p for p in self.params if p.ndim > 1]  # weights, not biases
        self.optimizers = {"model": make_optimizer(config["optimizer"], config["l2"],
                                                   self.params)}
        self.primary = "model"  # the optimizer whose lr is logged and the schedule follows
        self.scheduler = make_scheduler(config["schedule"], config["epochs"], self.optimizer)
        self.monitor = Monitor(config["monitor"], config["patience"], config["min_delta"])
        try:
            self.gen = torch.Generator(device=self.device)
        except RuntimeError:  # a backend without device generators: permute on the CPU
            self.gen = torch.Generator()
        self.autocast, self.scaler = contextlib.nullcontext, None
        amp = config.get("mixed_precision", "none")
        if amp != "none" and self.device.type == "cuda":
            dtype = torch.bfloat16 if amp == "bf16" else torch.float16
            self.autocast = lambda: torch.autocast("cuda", dtype=dtype)
            if amp == "fp16":
                self.scaler = torch.amp.GradScaler("cuda")
        self.callbacks = Callbacks()
        self.epoch, self.step = 0, 0
        self.history: list[dict] = []
        self.best_state: dict | None = None
        self.recipe.setup(self)

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        return self.optimizers[self.primary]

    def seed(self) -> None:
        """Dropout, augmentation and the batch order start from the run's seed."""
        torch.manual_seed(self.config["seed"])
        self.gen.manual_seed(self.config["seed"])

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Stored samples as the model takes them: on the device (samples read from disk
        arrive on the CPU), uint8 pixels made float32, one batch at a time."""
        x = x.to(self.device, non_blocking=True)
        return self.scale_inputs(x) if self.scale_inputs is not None else x

    def _are_inputs(self, x) -> bool:
        """x's batches are model inputs as they are (float, on the device): the training pass
        then skips `inputs` (a .to() that does nothing still costs a few us a batch)."""
        return (isinstance(x, torch.Tensor) and x.device == self.device
                and (self.scale_inputs is None or x.is_floating_point()))

    # ----- one epoch ----------------------------------------------------------------------
    def batches(self, n: int) -> list[torch.Tensor]:
        """This process's batches of the epoch (see batch_plan): every rank draws the same
        order, splits it into the same global batches and takes its share of each."""
        order = (torch.randperm(n, device=self.gen.device, generator=self.gen).to(self.device)
                 if self.config.get("shuffle", True) else torch.arange(n, device=self.device))
        size, padded, steps = batch_plan(n, self.config["batch_size"], self.world)
        if padded > n:  # the first samples again, so that every rank's share is equal
            order = order[torch.arange(padded, device=order.device) % n]
        chunks = list(order.split(size))[:steps]
        if self.world > 1:
            chunks = [chunk[self.rank::self.world] for chunk in chunks]
        return chunks

    def optimize(self, loss: torch.Tensor, name: str = "model") -> None:
        """Backward and step one optimizer: l1, loss scaling and clipping included."""
        opt, scaler, clip = self.optimizers[name], self.scaler, self.config["grad_clip"]
        objective = loss
        if self.config["l1"] and name == "model":
            objective = loss + self.config["l1"] * l1_penalty(self.l1_params)
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(objective).backward()
        else:
            objective.backward()
        self.callbacks.after_backward(self.step + 1)  # the step being taken
        if clip:
            if scaler is not None:
                scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_([p for group in opt.param_groups for p in group["params"]], clip)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()

    def train_pass(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int, bool]:
        """The epoch's batches: (sum of batch losses as a float64 device scalar, batches
        done, stopped by a callback)."""
        cb, recipe = self.callbacks, self.recipe
        losses = LossSum(self.device)
        self.model.train()
        chunks = self.batches(len(x))
        inputs = None if self._are_inputs(x) else self.inputs
        samples = fetch(x, chunks)  # streamed: read ahead
        for i, idx in enumerate(chunks):
            if cb.before_batch():
                return losses.total(), i, True
            xb = next(samples)  # after the poll: a batch gathered just before its step is in cache
            loss = recipe.step(self, xb if inputs is None else inputs(xb), y[idx]).detach()
            self.step += 1
            cb.after_step(self.step, loss)
            losses.add(loss)
        return losses.total(), len(chunks), False

    def mean_loss(self, total: torch.Tensor, batches: int) -> float:
        """The epoch's mean batch loss, over every process."""
        sums = torch.stack([total, total.new_tensor(batches)])
        if self.world > 1:
            import torch.distributed as dist

            dist.all_reduce(sums)
        return (sums[0] / sums[1].clamp(min=1)).item()

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        try:
            with self.autocast():
                outs = [first_output(self.model(self.inputs(x[i:i + EVAL_BATCH]))).float()
                        for i in range(0, len(x), EVAL_BATCH)]
        finally:
            self.model.train()
        return torch.cat(outs)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor, names=None) -> tuple[float, dict]:
        """The recipe's loss and metrics over all of x."""
        return self.recipe.evaluate(self, x, y, names)

    def run_epoch(self, x, y, x_val, y_val) -> dict | None:
        """Train one epoch, evaluate, track the best epoch, step the schedule. Returns the
        epoch's logs (with "improved"), or None when a callback stopped it midway."""
        epoch, started = self.epoch + 1, time.perf_counter()
        lr = self.optimizer.param_groups[0]["lr"]
        first_step = self.step + 1
        total, done, stopped = self.train_pass(x, y)
        if stopped:
            return None
        self.callbacks.after_training_pass(epoch)
        train_loss = self.mean_loss(total, done)
        if not math.isfinite(train_loss):
            raise Diverged(epoch, first_step, self.step)
        own = self.recipe.epoch_logs(self)
        logs = [None]
        if self.rank == 0:  # rank 0 evaluates (every process holds all the data) and shares
            val_loss, val = self.evaluate(x_val, y_val, self.config["metrics"])
            logs[0] = {"epoch": epoch, "train_loss": train_loss, **own, "val_loss": val_loss,
                       **{f"val_{k}": v for k, v in val.items()}, "lr": lr,
                       "epoch_time": time.perf_counter() - started, "step": self.step}
        if self.world > 1:  # so that every rank steps the schedule and stops alike
            import torch.distributed as dist

            dist.broadcast_object_list(logs, src=0)
        logs = logs[0]
        self.epoch = epoch
        self.history.append(logs)
        improved = self.monitor.update(epoch, logs)
        if self.recipe.keeps_last:  # the newest epoch is the result
            improved, self.monitor.best, self.monitor.best_epoch = True, logs.get(self.monitor.name), epoch
        if improved:
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        step_scheduler(self.scheduler, logs["val_loss"])
        return {**logs, "improved": improved}

    @property
    def should_stop(self) -> bool:
        """Early stopping: no improvement by min_delta in `patience` epochs."""
        return self.monitor.should_stop

    # ----- checkpoints --------------------------------------------------------------------
    def state(self, extra: dict | None = None) -> tuple[dict, dict]:
        """The JSON side and the tensors of everything an exact resume needs."""
        tensors = {"rng.torch": torch.get_rng_state(), "rng.batches": self.gen.get_state()}
        if self.device.type == "cuda":
            tensors.update({f"rng.cuda.{i}": s
                            for i, s in enumerate(torch.cuda.get_rng_state_all())})
        split = checkpoint.split_tensors
        state = {"step": self.step, "history": self.history, "monitor": self.monitor.state(),
                 "stopped_early": self.monitor.should_stop, "config": self.config,
                 "optimizer": split(self.optimizer.state_dict(), "optimizer", tensors),
                 "optimizers": {k: split(o.state_dict(), f"optimizers.{k}", tensors)
                                for k, o in self.optimizers.items() if k != self.primary},
                 "scheduler": (split(self.scheduler.state_dict(), "scheduler", tensors)
                               if self.scheduler else None),
                 "scaler": (split(self.scaler.state_dict(), "scaler", tensors)
                            if self.scaler else None), **(extra or {})}
        return state, tensors

    def commit(self, run_dir: Path, improved: bool, extra: dict | None = None) -> Path:
        """Commit this epoch into run_dir (rank 0 only) and publish its weights."""
        state, tensors = self.state(extra)
        folder = checkpoint.commit(run_dir, self.epoch, {"model": self.model.state_dict(),
                                                         "state": tensors},
                                   state, best_is_model=improved,
                                   metadata=weights_metadata(self.config))
        checkpoint.publish(run_dir, folder)
        return folder

    def load_state(self, state: dict, tensors: dict, schedule: bool = True) -> None:
        """Continue from a committed epoch (read and checked by checkpoint.read_committed).
        `schedule`: also the scheduler's state (False: the caller rebuilds it)."""
        join = checkpoint.join_tensors
        self.optimizer.load_state_dict(join(state["optimizer"], tensors, True))
        for name, saved in (state.get("optimizers") or {}).items():
            self.optimizers[name].load_state_dict(join(saved, tensors, True))
        if schedule and self.scheduler is not None and isinstance(state.get("scheduler"), dict):
            self.scheduler.load_state_dict(join(state["scheduler"], tensors))
        if self.scaler is not None and isinstance(state.get("scaler"), dict):
            self.scaler.load_state_dict(join(state["scaler"], tensors))
        self.epoch, self.step = state["epoch"], state["step"]
        self.history = list(state["history"])
        if state["monitor"].get("name") == self.monitor.name:  # else: best counts from now on
            self.monitor.load(state["monitor"])
        torch.set_rng_state(tensors["rng.torch"])
        self.gen.set_state(tensors["rng.batches"])
        cuda = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
        if self.device.type == "cuda" and cuda:
            torch.cuda.set_rng_state_all(cuda)
