"""The app's trainer: it drives the runtime's Loop (netbuilder/runtime/loop.py, the code the
exported train.py runs too) and adds what only the app needs: reporting to the GUI and the CLI
through throttled callbacks, gradient statistics, the checks that explain a bad setup, a run
folder with its views, and continuing a run under changed settings.

Models whose forward returns a tuple (graphs with several outputs) are trained on the first
output; the others are ignored by the loss and the metrics."""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path

import torch

from .. import metrics as M
from ..runtime import distributed
from ..runtime.build import make_scheduler, optimizer_args, schedule_args
from ..runtime.loop import Callbacks, Diverged, Loop, LossSum, batch_plan, first_output
from . import checkpoint as ckpt
from . import gradstats
from .build import pick_device
from .errors import TrainError
from .reporter import Reporter
from .result import TrainResult
from .settings import TrainSettings

__all__ = ["Throttle", "Trainer", "first_output", "seed_everything", "train"]

RECONSTRUCTS = ("autoencoder", "vae")  # recipes whose output rebuilds the input
RECONSTRUCTION_PAIRS = 8  # validation samples shown with their reconstructions each epoch
GRAD_SLOWER = 4  # gradient statistics come at most this many times less often than steps


class Throttle:
    """due() is True at most once per `interval` seconds (always, for an interval of 0)."""

    def __init__(self, interval: float):
        self.interval, self.last = interval, -math.inf

    def due(self) -> bool:
        if not self.interval:
            return True
        if time.perf_counter() - self.last < self.interval:
            return False
        self.restart()
        return True

    def restart(self) -> None:
        self.last = time.perf_counter()


def seed_everything(seed: int) -> None:
    """Call before building the model so that its initial weights are reproducible too."""
    torch.manual_seed(seed)


class Reporting(Callbacks):
    """The loop's callbacks for the app: step losses and gradient statistics to the
    Reporter, at most every `report_every` steps and `min_interval_s` seconds; pause and stop.
    The window's losses are summed and read at report time only: no per-step sync or op."""

    def __init__(self, trainer: Trainer):
        self.t = trainer
        self.window = LossSum(trainer.device)
        self.window_start = 1
        self.grad_stats_this_epoch = False

    def before_batch(self) -> bool:
        self.t.reporter.wait_if_paused()
        # several ranks stop together after an epoch (Trainer._stop_agreed): one that left
        # mid-epoch would leave the others waiting for its gradients
        return self.t.world == 1 and self.t.reporter.should_stop()

    def after_backward(self, step: int) -> None:
        t = self.t
        if step % t.grad_every == 0 and t.grad_reports.due():
            t._grad_stats(step)  # before clipping: shows what the loss really produced
            self.grad_stats_this_epoch = True

    def after_step(self, step: int, loss: torch.Tensor) -> None:
        self.window.add(loss)
        t = self.t
        if step % t.report_every == 0 and t.step_reports.due():
            self._report(step)

    def _report(self, step: int) -> None:
        mean = self.window.total().item() / (step - self.window_start + 1)  # the one sync
        if not math.isfinite(mean) and self.t.world == 1:  # several ranks: all-reduced, at the end
            raise Diverged(self.t.loop.epoch + 1, self.window_start, step)
        self.t._report_step(step, self.t.loop.epoch + 1, mean)
        self.window.reset()
        self.window_start = step + 1

    def after_training_pass(self, epoch: int) -> None:
        t, step = self.t, self.t.loop.step
        if t.min_report_s and step >= self.window_start:
            # throttled by time: the steps since the last report still reach the step curve
            self._report(step)
            t.step_reports.restart()
        self.window.reset()
        self.window_start = step + 1
        if not self.grad_stats_this_epoch:
            t._grad_stats(step)  # short epochs still get one reading
        self.grad_stats_this_epoch = False

    def start_epoch(self, step: int) -> None:
        self.window.reset()
        self.window_start = step + 1


class Trainer:
    def __init__(self, model: torch.nn.Module, bundle, settings, reporter: Reporter | None = None,
                 out_dir=None, project_dict: dict | None = None, resume_from=None,
                 report_every: int = 50):
        self.settings = (settings if isinstance(settings, TrainSettings)
                         else TrainSettings.from_dict(settings))
        self.model, self.bundle = model, bundle
        self.reporter = reporter or Reporter()
        self.report_every = max(1, int(report_every))
        self.grad_every = max(50, self.report_every)
        # a GUI cannot show more than a few reports a second; each one costs the training
        # thread a sync and the GUI thread (which shares the GIL) a slot call
        self.min_report_s = float(getattr(self.reporter, "min_interval_s", 0.0))
        self.step_reports = Throttle(self.min_report_s)
        self.grad_reports = Throttle(self.min_report_s * GRAD_SLOWER)
        self.resume_from = Path(resume_from) if resume_from else None
        out_dir = out_dir or resume_from
        self.out_dir = Path(out_dir) if out_dir else None
        self.project_dict = project_dict
        self.device = pick_device(self.settings.device)
        self.rank, self.world = 0, 1  # under torchrun: this process's rank, the process count
        self.step_log: list[list] = []  # [step, mean loss, lr] as reported
        self.committed = (0, 0)  # (epoch, step) of the last commit
        self.folder_ready = False  # nothing is written into out_dir until it is ours
        self.last_grad_norms: dict = {}
        self.last_grad_flags: dict = {}  # judged once per reading: the GUI and the epoch log share them
        self.notes: list[str] = []
        self.loop: Loop | None = None

    # the loop's state, under the names callers have used
    epoch = property(lambda self: self.loop.epoch if self.loop else 0)
    step = property(lambda self: self.loop.step if self.loop else 0)
    history = property(lambda self: self.loop.history if self.loop else [])
    monitor = property(lambda self: self.loop.monitor)
    optimizer = property(lambda self: self.loop.optimizer)
    scheduler = property(lambda self: self.loop.scheduler)
    best_state = property(lambda self: self.loop.best_state if self.loop else None)

    # ----- setup -------------------------------------------------------------------------
    def _join_process_group(self) -> None:
        """Under torchrun (WORLD_SIZE > 1): join the group; only rank 0 reports and writes."""
        if distributed.world_size() == 1:
            return
        self.rank, self.world, self.device = distributed.setup(self.settings.device)
        if self.rank != 0:
            self.out_dir, self.project_dict = None, None
            self.reporter = Reporter()

    def _setup(self) -> None:
        self._join_process_group()
        s, b, dev = self.settings, self.bundle, self.device
        self.model.to(dev)
        self.x, self.y = b.x_train.to(dev), b.y_train.to(dev)
        self.val_on_train = len(b.x_val) == 0
        if self.val_on_train:
            self.notes.append("The validation split is empty: validation metrics are "
                              "computed on the training data.")
        self.xv, self.yv = ((self.x, self.y) if self.val_on_train
                            else (b.x_val.to(dev), b.y_val.to(dev)))
        if not any(p.requires_grad for p in self.model.parameters()):
            raise TrainError("The model has no trainable parameters.")
        self.metric_names = self._metric_names()
        config = s.runtime_config(b.task, (b.info or {}).get("recipe", "supervised"))
        if hasattr(b, "runtime_config"):  # (a DataBundle; tests pass plain tensors too)
            config.update(b.runtime_config())  # uint8 pixels made float per batch, the target's scale
        torch.manual_seed(s.seed)
        self.loop = Loop(self.model, config, dev, augment=b.augment, world=(self.rank, self.world))
        self.loop.seed()
        self.reporting = Reporting(self)
        self.loop.callbacks = self.reporting
        self.params = self.loop.params
        self.groups = gradstats.layer_params(self.model)
        # the histograms (~2 ms a reading for a small MLP) only for a reporter that shows them;
        # the norms are read either way, for the epoch's log
        self.wants_histograms = type(self.reporter).on_grad_stats is not Reporter.on_grad_stats
        if s.mixed_precision != "none" and dev.type != "cuda":
            self.notes.append(f'mixed_precision "{s.mixed_precision}" is only used on CUDA; training in float32.')
        if self.loop.recipe.supervised:
            self._check_shapes()
        elif self.world > 1:
            raise TrainError(f"The {self.loop.recipe.name} recipe trains in one process; "
                             "leave out --nproc-per-node.")

    def _metric_names(self) -> list[str]:
        names, skipped = self.settings.logged_metrics(self.bundle.task)
        if skipped:
            self.notes.append(f"Metrics {', '.join(skipped)} do not apply to a "
                              f"{self.bundle.task} task and are skipped.")
        es = self.settings.early_stopping or {}
        monitored = es.get("monitor", "val_loss")
        if (monitored.removeprefix("val_") in M.ALL_METRICS
                and monitored.removeprefix("val_") not in M.metric_names(self.bundle.task)):
            raise TrainError(f'training.early_stopping.monitor "{monitored}" does '
                             f"not apply to a {self.bundle.task} task.",
                             field="training.early_stopping.monitor")
        return names

    def _check_shapes(self) -> None:
        """One forward pass on two samples: shape mismatches get a message, not a trace."""
        b = self.bundle
        self.model.eval()
        try:
            with torch.no_grad(), self.loop.autocast():
                out = first_output(self.model(self.loop.inputs(self.x[:2])))
        except RuntimeError as err:
            raise TrainError(f"The model cannot take the data: input samples have shape "
                             f"{list(b.input_shape)} ({err}). Make the Input node's shape "
                             "match the data.") from None
        finally:
            self.model.train()
        got = list(out.shape[1:])
        if b.task == "classification":
            if got != [b.num_classes]:
                raise TrainError(f"The model outputs shape {got} per sample but the data has "
                                 f"{b.num_classes} classes: make the last layer output "
                                 f"{b.num_classes} values (e.g. Linear out_features="
                                 f"{b.num_classes}).")
        elif got != list(self.y.shape[1:]):
            raise TrainError(f"The model outputs shape {got} per sample but the targets have "
                             f"shape {list(self.y.shape[1:])}; they must match for "
                             f"{self.settings.loss}.")

    # ----- reporting ---------------------------------------------------------------------
    def _grad_stats(self, step: int) -> None:
        norms = gradstats.grad_norms(self.groups)
        self.last_grad_norms = norms
        self.last_grad_flags = gradstats.grad_flags(norms)
        if self.wants_histograms:
            stats = gradstats.histograms(self.groups)
            stats["flags"] = self.last_grad_flags
            self.reporter.on_grad_stats(step, norms, stats)

    def _report_step(self, step: int, epoch: int, loss: float) -> None:
        lr = self.loop.optimizer.param_groups[0]["lr"]
        self.step_log.append([step, loss, lr])  # kept in state.json for a continued run
        self.reporter.on_step(step, epoch, loss, lr)

    # ----- evaluation --------------------------------------------------------------------
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.loop.predict(x)

    def _evaluate(self, x, y, details: bool, names=None) -> tuple[float, dict]:
        """Loss and metrics (the runtime's), plus the plots' details (confusion matrix, ROC,
        predictions) when asked."""
        loss, found = self.loop.evaluate(x, y, names)
        if details:
            b = self.bundle
            out, target = self.predict(x), self.loop.recipe.target(x, y)
            if b.task == "regression" and hasattr(b, "original_units"):  # in the target's own units
                out, target = b.original_units(out), b.original_units(target)
            found.update(M.details(b.task, out, target, b.num_classes,
                                   self.settings.loss == "BCELoss"))
        return loss, found

    # ----- checkpoints -------------------------------------------------------------------
    def _extra_state(self) -> dict:
        return {"epochs_planned": self.settings.epochs, "settings": self.settings.to_dict(),
                "steps": self.step_log}

    def _write_view(self, status: str, message: str = "") -> None:
        """state.json at the top of the run: what people and tools read (never resume)."""
        if self.out_dir is None or not self.folder_ready:
            return  # failed before the run folder was set up: leave it as it was
        epoch = self.epoch
        ckpt.write_json(self.out_dir / "state.json", {
            "status": status, "message": message, "epoch": epoch, "step": self.step,
            "monitor": self.monitor.state() if self.loop else None,
            "history": self.history, **self._extra_state(), "run": self._run_info(),
            "checkpoint": f"{ckpt.EPOCHS}/{ckpt.folder_name(epoch)}" if epoch else None})

    def _write_end(self, status: str, message: str = "") -> None:
        """Record how the run ended. The view keeps the last committed epoch and its step
        (not those of a half-done epoch), so continuing the run starts from that epoch."""
        if self.out_dir is None or self.loop is None:
            return
        self.loop.epoch, self.loop.step = self.committed
        del self.loop.history[self.loop.epoch:]
        self.step_log = [r for r in self.step_log if r[0] <= self.loop.step]
        self._write_view(status, message)

    def _save_epoch(self, improved: bool) -> None:
        if self.out_dir is None:
            return
        try:
            self.loop.commit(self.out_dir, improved, self._extra_state())
        except OSError as err:
            raise TrainError(f"The checkpoint of epoch {self.epoch} could not be written in "
                             f"{self.out_dir} ({err.strerror or err}); the run folder keeps "
                             f"epoch {self.committed[0]}.") from None
        self.committed = (self.epoch, self.step)
        try:  # the views: a failure here loses nothing, the commit is done
            ckpt.write_history_csv(self.out_dir / "history.csv", self.history)
            self._write_view("running")
        except OSError as err:
            self.notes.append(f"The run folder's views could not be updated ({err}).")

    def _resume(self) -> None:
        """Load the run in resume_from. Every check comes first, so a run that cannot be
        continued raises TrainError with its folder untouched."""
        several = len(self.loop.optimizers) > 1  # one optimizer per network (a GAN)
        state = ckpt.read_resume_state(self.resume_from, self.settings.epochs)
        saved = state.get("settings") if isinstance(state.get("settings"), dict) else {}
        was = (saved.get("optimizer") or {}).get("type")
        if several:
            self._check_same_optimizers(saved)
        elif was and was != self.settings.optimizer:  # its state would not fit this optimizer
            raise TrainError(f"The run was trained with the {was} optimizer but the settings now "
                             f"say {self.settings.optimizer}: set Optimizer back to {was} to "
                             "continue it.", field="training.optimizer")
        folder = Path(state["folder"])
        try:
            weights = ckpt.load_committed_tensors(state, "model.safetensors")
            best = ckpt.load_committed_tensors(state, "best.safetensors")
            tensors = ckpt.load_committed_tensors(state, "state.safetensors")
            opt_state = ckpt.join_tensors(state["optimizer"], tensors, True)
        except ckpt.CheckpointError as err:
            raise TrainError(f"The run cannot be continued: {err}") from None
        ckpt.check_fits(weights, self.model)
        if best:
            ckpt.check_fits(best, self.model,
                            f"The run's best weights ({folder / 'best.safetensors'})")
        try:  # torch's own checks, on throwaway optimizers over copies of the parameters
            for name, opt in self.loop.optimizers.items():
                own = opt_state if name == self.loop.primary else ckpt.join_tensors(
                    state["optimizers"][name], tensors, True)
                copies = [torch.nn.Parameter(p.detach().clone()) for g in opt.param_groups for p in g["params"]]
                type(opt)(copies, **opt.defaults).load_state_dict(own)
        except (ValueError, KeyError, TypeError, RuntimeError, IndexError) as err:
            raise TrainError(f"The run cannot be continued: {folder / 'state.json'}: the "
                             f"optimizer state does not fit the model ({err}).") from None
        for key in ("rng.torch", "rng.batches"):
            if key not in tensors or tensors[key].dtype != torch.uint8:
                raise TrainError(f"The run cannot be continued: {folder / 'state.safetensors'} "
                                 f"lacks the random state {key}.")
        # everything checked: from here on the run is loaded
        self.model.load_state_dict(weights)
        fresh = [dict(g) for g in self.optimizer.param_groups]  # the current settings' values
        same_schedule = (schedule_args(saved.get("schedule"), saved.get("epochs", 0))
                         == schedule_args(self.settings.schedule, self.settings.epochs))
        self.loop.load_state(state, tensors, schedule=same_schedule)
        changed = set() if several else self._apply_changed_hyperparameters(saved, fresh)
        if self.scheduler and (not same_schedule or "lr" in changed
                               or not isinstance(state.get("scheduler"), dict)):
            self._restart_schedule()
        if state.get("stopped_early"):
            self.monitor.wait = 0  # continuing an early-stopped run: its whole patience again
        self.committed = (self.epoch, self.step)
        self.step_log = [r for r in state.get("steps", []) if r[0] <= self.step]
        if best:
            self.loop.best_state = {k: v.to(self.device) for k, v in best.items()}

    def _check_same_optimizers(self, saved: dict) -> None:
        """A run with one optimizer per network continues with each network's optimizer and L2
        as they were: a change is refused, naming the network (the moments of one optimizer
        do not carry over to another, and an exact continuation is the point)."""
        now = self.settings.to_dict()
        for net, spec in (now.get("optimizers") or {}).items():
            before = (saved.get("optimizers") or {}).get(net)
            if before != spec or saved.get("l2", 0.0) != now.get("l2", 0.0):
                raise TrainError(f"The run trained the {net} with {before} (L2 {saved.get('l2', 0.0)}) but the "
                                 f"settings now say {spec} (L2 {now.get('l2', 0.0)}): set "
                                 f"training.optimizers.{net} back to continue the run, or start a new one.",
                                 field=f"training.optimizers.{net}")

    def _apply_changed_hyperparameters(self, saved: dict, fresh: list[dict]) -> set[str]:
        """Continue keeps the optimizer's moments, and the run's hyper-parameters except those
        the user has changed since (the learning rate, momentum, L2...): those apply now."""
        was = optimizer_args(saved.get("optimizer") or {}, saved.get("l2", 0.0))
        now = optimizer_args(self.settings.optimizer_args, self.settings.l2)
        changed = {k for k in was.keys() | now.keys() if was.get(k) != now.get(k)}
        for group, new in zip(self.optimizer.param_groups, fresh):
            for key in changed & new.keys():
                group[key] = new[key]
            if "lr" in changed:
                group["initial_lr"] = new["lr"]
        if changed:
            self.notes.append(f"Continuing with the changed {', '.join(sorted(changed))}.")
        return changed

    def _restart_schedule(self) -> None:
        """The schedule's settings (or the epochs or lr it depends on) changed: follow them as
        if the run had been planned with them, from the epoch it continues at."""
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"] = self.settings.optimizer_args.get("lr", 1e-3)
        self.loop.scheduler = make_scheduler(self.settings.schedule, self.settings.epochs,
                                             self.optimizer)
        if not isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            with warnings.catch_warnings():  # "step() before optimizer.step()": on purpose
                warnings.simplefilter("ignore")
                for _ in range(self.epoch):
                    self.scheduler.step()
        self.notes.append(f"The learning-rate schedule follows the current settings from "
                          f"epoch {self.epoch + 1}.")

    # ----- the run -----------------------------------------------------------------------
    def run(self) -> TrainResult:
        status, message, stopped_early = "running", "", False
        try:
            self._setup()
            if self.resume_from is not None:
                self._resume()
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                if self.resume_from is not None:  # accepted: what a kill left behind goes
                    ckpt.clean_leftovers(self.out_dir)
                if self.project_dict is not None:
                    ckpt.write_json(self.out_dir / "project.json", self.project_dict)
                self.folder_ready = True
            self._write_view("running")
            self.reporter.on_start(self._start_info())
            while self.epoch < self.settings.epochs:
                self.reporting.start_epoch(self.step)
                logs = self.loop.run_epoch(self.x, self.y, self.xv, self.yv)
                if logs is None:
                    status = "stopped"
                    break
                improved = logs.pop("improved")
                row = self.history[-1]  # the same values as logs, plus the app's own
                row.update(val_on_train=self.val_on_train,
                           grad_norms=dict(self.last_grad_norms),
                           grad_flags=dict(self.last_grad_flags))
                self._save_epoch(improved)
                self.reporter.on_epoch(self.epoch, dict(row))
                if hasattr(self.loop.recipe, "samples"):
                    self._samples()
                if self.loop.recipe.name in RECONSTRUCTS:
                    self._reconstructions()
                if self.loop.should_stop:
                    stopped_early = True
                    break
                if self.world > 1 and self.epoch < self.settings.epochs and self._stop_agreed():
                    status = "stopped"
                    break
            if status == "running":
                status = "done"
        except (TrainError, Diverged, RuntimeError, OSError) as err:
            # RuntimeError: torch's own (a shape that only fails later, out of memory...)
            if isinstance(err, OSError):
                message = (f"The run folder {self.out_dir} cannot be written "
                           f"({err.strerror or err}{': ' + err.filename if err.filename else ''}).")
            elif isinstance(err, (TrainError, Diverged)):
                message = str(err)
            else:
                message = f"Training failed in epoch {self.epoch + 1}, step {self.step + 1}: {err}"
            distributed.teardown(self.world, barrier=False)
            self._write_end("failed", message)
            self.reporter.on_end(self._result("failed", message, stopped_early))
            if isinstance(err, TrainError):
                raise
            raise TrainError(message) from err
        distributed.teardown(self.world)
        result = self._result(status, message, stopped_early)
        self._write_end(status, message)
        self.reporter.on_end(result)
        return result

    def _samples(self) -> None:
        """A generative recipe's samples from its fixed noise: to the reporter, and the
        newest grid to samples.png in the run folder."""
        images = self.loop.recipe.samples(self.loop)
        self.reporter.on_samples(self.epoch, images)
        if self.out_dir is not None and images.ndim == 4:
            from ..generative import save_grid

            try:
                save_grid(images, self.out_dir / "samples.png")
            except OSError as err:
                self.notes.append(f"samples.png could not be written ({err}).")

    def _stop_agreed(self) -> bool:
        """Rank 0's Stop (the reporter's should_stop), shared with every rank after an epoch:
        one tiny collective per epoch, none per step."""
        import torch.distributed as dist

        wanted = [bool(self.reporter.should_stop()) if self.rank == 0 else None]
        dist.broadcast_object_list(wanted, src=0)
        return bool(wanted[0])

    def _run_info(self) -> dict:
        """What state.json says of the run itself (device, processes, sizes): for whoever
        follows the folder from outside, such as the app watching a torchrun run."""
        return {k: v for k, v in self._start_info().items()
                if k not in ("history", "steps", "notes", "start_step")}

    def _reconstructions(self) -> None:
        """An autoencoder's (or VAE's) first validation samples and their reconstructions."""
        x = self.xv[:RECONSTRUCTION_PAIRS]
        if x.ndim == 4:
            self.reporter.on_reconstructions(self.epoch, x.detach().cpu(), self.loop.predict(x).cpu())

    def _start_info(self) -> dict:
        b = self.bundle
        device = str(self.device) if self.world == 1 else f"{self.world} x {self.device}"
        batch, _, steps = batch_plan(len(b.x_train), self.settings.batch_size, self.world)
        return {"device": device, "processes": self.world, "n_train": len(b.x_train), "n_val": len(b.x_val),
                "n_test": len(b.x_test), "batch_size": batch,  # the global batch: all processes'
                "steps_per_epoch": steps,
                "epochs": self.settings.epochs, "start_epoch": self.epoch + 1,
                "params": sum(p.numel() for p in self.params), "task": b.task,
                "metrics": self.metric_names, "monitor": self.monitor.name,
                "val_on_train": self.val_on_train, "notes": list(self.notes),
                "run_dir": str(self.out_dir) if self.out_dir else None,
                # a continued run: the epochs and steps before this start, for the plots
                "history": list(self.history), "start_step": self.step,
                "steps": list(self.step_log)}

    def _result(self, status: str, message: str, stopped_early: bool) -> TrainResult:
        best = self.monitor.best_epoch if self.loop else None
        metrics, evaluation, test_metrics = {}, {}, {}
        row = next((h for h in self.history if h["epoch"] == best), None)
        if status != "failed" and self.best_state is not None and not self.loop.recipe.supervised:
            self.model.load_state_dict(self.best_state)  # the newest epoch's weights
        elif status != "failed" and self.best_state is not None and self.rank == 0:
            self.model.load_state_dict(self.best_state)  # keep the best weights, as saved
            _, full = self._evaluate(self.xv, self.yv, details=True,
                                     names=M.metric_names(self.bundle.task))
            metrics = {k: v for k, v in full.items() if k in M.ALL_METRICS}
            evaluation = {k: v for k, v in full.items() if k not in M.ALL_METRICS}
            if len(self.bundle.x_test):
                xt, yt = self.bundle.x_test.to(self.device), self.bundle.y_test.to(self.device)
                test_loss, test = self._evaluate(xt, yt, details=False,
                                                 names=M.metric_names(self.bundle.task))
                test_metrics = {"loss": test_loss, **test}
        checkpoint = None
        if self.out_dir is not None and (self.out_dir / "best.safetensors").is_file():
            checkpoint = str(self.out_dir / "best.safetensors")
        return TrainResult(
            status=status, epochs=self.epoch,
            train_loss=row["train_loss"] if row else None,
            val_loss=row["val_loss"] if row else None, metrics=metrics,
            checkpoint=checkpoint, history=list(self.history), stopped_early=stopped_early,
            best_epoch=best, evaluation=evaluation, test_metrics=test_metrics,
            run_dir=str(self.out_dir) if self.out_dir else None, message=message)


def train(model, bundle, settings, reporter=None, out_dir=None, project_dict=None,
          resume_from=None, report_every: int = 50) -> TrainResult:
    """Train `model` on `bundle` with `settings` (TrainSettings or the project's dict)."""
    return Trainer(model, bundle, settings, reporter, out_dir, project_dict, resume_from,
                   report_every).run()
