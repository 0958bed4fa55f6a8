"""The training loop: preloaded tensors on the device, randperm batches, throttled reporting.

Models whose forward returns a tuple (graphs with several outputs) are trained on the first
output; the others are ignored by the loss and the metrics."""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from pathlib import Path

import torch

from .. import metrics as M
from . import checkpoint as ckpt
from . import gradstats
from .build import (
    make_loss,
    make_optimizer,
    make_scheduler,
    optimizer_args,
    pick_device,
    schedule_args,
)
from .errors import TrainError
from .monitor import Monitor
from .reporter import Reporter
from .result import TrainResult
from .settings import TrainSettings

EVAL_BATCH = 1024
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


def first_output(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def seed_everything(seed: int) -> None:
    """Call before building the model so that its initial weights are reproducible too."""
    torch.manual_seed(seed)


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
        self.step, self.epoch = 0, 0
        self.history: list[dict] = []
        self.step_log: list[list] = []  # [step, mean loss, lr] as reported
        es = self.settings.early_stopping
        self.monitor = (Monitor(es["monitor"], es["patience"], es["min_delta"]) if es
                        else Monitor("val_loss"))
        self.best_state: dict | None = None
        self.folder_ready = False  # nothing is written into out_dir until it is ours
        self.last_grad_norms: dict = {}
        self.notes: list[str] = []

    # ----- setup -------------------------------------------------------------------------
    def _setup(self) -> None:
        s, b, dev = self.settings, self.bundle, self.device
        torch.manual_seed(s.seed)
        self.model.to(dev)
        self.x, self.y = b.x_train.to(dev), b.y_train.to(dev)
        self.val_on_train = len(b.x_val) == 0
        if self.val_on_train:
            self.notes.append("The validation split is empty: validation metrics are "
                              "computed on the training data.")
        self.xv, self.yv = ((self.x, self.y) if self.val_on_train
                            else (b.x_val.to(dev), b.y_val.to(dev)))
        self.loss_fn = make_loss(s)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        if not self.params:
            raise TrainError("The model has no trainable parameters.")
        self.optimizer = make_optimizer(s, self.params)
        self.scheduler = make_scheduler(s, self.optimizer)
        self.l1_params = [p for p in self.params if p.ndim > 1]
        self.groups = gradstats.layer_params(self.model)
        try:
            self.gen = torch.Generator(device=dev)
        except RuntimeError:  # a backend without device generators: permute on the CPU
            self.gen = torch.Generator()
        self.gen.manual_seed(s.seed)
        self.autocast, self.scaler = contextlib.nullcontext, None
        if s.amp != "none":
            if dev.type == "cuda":
                dtype = torch.bfloat16 if s.amp == "bf16" else torch.float16
                self.autocast = lambda: torch.autocast("cuda", dtype=dtype)
                if s.amp == "fp16":
                    self.scaler = torch.amp.GradScaler("cuda")
            else:
                self.notes.append(f'amp "{s.amp}" is only used on CUDA; training in float32.')
        self.metric_names = self._metric_names()
        self._check_shapes()

    def _metric_names(self) -> list[str]:
        task_metrics = M.metric_names(self.bundle.task)
        wanted = self.settings.metrics_for(self.bundle.task)
        names = [m for m in wanted if m in task_metrics]
        skipped = [m for m in wanted if m not in task_metrics]
        if skipped:
            self.notes.append(f"Metrics {', '.join(skipped)} do not apply to a "
                              f"{self.bundle.task} task and are skipped.")
        monitored = self.monitor.name.removeprefix("val_")
        if monitored in M.ALL_METRICS:
            if monitored not in task_metrics:
                raise TrainError(f'training.early_stopping.monitor "{self.monitor.name}" does '
                                 f"not apply to a {self.bundle.task} task.",
                                 field="early_stopping.monitor")
            names.append(monitored)
        return list(dict.fromkeys(names))

    def _check_shapes(self) -> None:
        """One forward pass on two samples: shape mismatches get a message, not a trace."""
        b = self.bundle
        self.model.eval()
        try:
            with torch.no_grad(), self.autocast():
                out = first_output(self.model(self.x[:2]))
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

    # ----- one epoch ---------------------------------------------------------------------
    def _nan_error(self, epoch: int, first: int, last: int) -> TrainError:
        where = f"step {last}" if first == last else f"steps {first}-{last}"
        return TrainError(
            f"The training loss became NaN or infinite in epoch {epoch} ({where}). Usual "
            "causes: a learning rate that is too high, inputs that are not normalized, or a "
            "log/division of zero in the model. Lower the learning rate, set data.normalize to "
            '"standard", or add gradient clipping.')

    def _grad_stats(self) -> None:
        norms = gradstats.grad_norms(self.groups)
        self.last_grad_norms = norms
        self.reporter.on_grad_stats(self.step, norms, gradstats.histograms(self.groups))
        self.grad_stats_this_epoch = True

    def _report_step(self, epoch: int, loss: float, lr: float) -> None:
        self.step_log.append([self.step, loss, lr])  # kept in state.json for a continued run
        self.reporter.on_step(self.step, epoch, loss, lr)

    def _train_epoch(self, epoch: int) -> tuple[float, bool]:
        """Mean training loss of the epoch, and whether the user stopped it."""
        model, opt, rep, loss_fn = self.model, self.optimizer, self.reporter, self.loss_fn
        x, y, aug = self.x, self.y, self.bundle.augment
        n = len(x)
        bs = min(self.settings.batch_size, n)
        n_batches = math.ceil(n / bs)
        if n % bs == 1 and bs > 1:
            n_batches -= 1  # a last batch of one sample breaks BatchNorm: skip it
        l1, clip, scaler = self.settings.l1, self.settings.grad_clip, self.scaler
        perm = torch.randperm(n, device=self.gen.device, generator=self.gen).to(self.device)
        # one device accumulator, read every report_every steps: no per-step sync
        window = torch.zeros((), device=self.device)
        total = 0.0
        window_start = self.step + 1
        self.grad_stats_this_epoch = False
        model.train()
        for i in range(n_batches):
            rep.wait_if_paused()
            if rep.should_stop():
                return (total + window.item()) / max(i, 1), True
            idx = perm[i * bs:(i + 1) * bs]
            xb, yb = x[idx], y[idx]
            if aug is not None:
                xb = aug(xb)
            with self.autocast():
                loss = loss_fn(first_output(model(xb)), yb)
            objective = loss
            if l1:
                objective = loss + l1 * torch.stack(torch._foreach_norm(self.l1_params, 1)).sum()
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(objective).backward()
            else:
                objective.backward()
            self.step += 1
            if self.step % self.grad_every == 0 and self.grad_reports.due():
                self._grad_stats()  # before clipping: shows what the loss really produced
            if scaler is not None:
                if clip:
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(self.params, clip)
                scaler.step(opt)
                scaler.update()
            else:
                if clip:
                    torch.nn.utils.clip_grad_norm_(self.params, clip)
                opt.step()
            window += loss.detach()
            if self.step % self.report_every == 0 and self.step_reports.due():
                window_sum = window.item()  # the one sync
                mean = window_sum / (self.step - window_start + 1)
                if not math.isfinite(mean):
                    raise self._nan_error(epoch, window_start, self.step)
                self._report_step(epoch, mean, opt.param_groups[0]["lr"])
                total += window_sum
                window.zero_()
                window_start = self.step + 1
        window_sum = window.item()
        mean = (total + window_sum) / n_batches
        if not math.isfinite(mean):
            raise self._nan_error(epoch, window_start, self.step)
        if self.min_report_s and self.step >= window_start:
            # throttled by time: the steps since the last report still reach the step curve
            self._report_step(epoch, window_sum / (self.step - window_start + 1),
                              opt.param_groups[0]["lr"])
            self.step_reports.restart()
        if not self.grad_stats_this_epoch:
            self._grad_stats()  # short epochs still get one reading
        return mean, False

    # ----- evaluation --------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        try:
            with self.autocast():
                outs = [first_output(self.model(x[i:i + EVAL_BATCH])).float()
                        for i in range(0, len(x), EVAL_BATCH)]
        finally:
            self.model.train()
        return torch.cat(outs)

    def _evaluate(self, x, y, details: bool, names=None) -> tuple[float, dict]:
        out = self.predict(x)
        loss = float(self.loss_fn(out, y))
        b = self.bundle
        return loss, M.evaluate(b.task, out, y, b.num_classes, names=names, details=details,
                                probabilities=self.settings.loss == "BCELoss")

    # ----- checkpoints -------------------------------------------------------------------
    def _state(self, status: str, message: str = "") -> tuple[dict, dict]:
        tensors: dict = {}
        state = {
            "status": status, "message": message, "epoch": self.epoch, "step": self.step,
            "epochs_planned": self.settings.epochs, "monitor": self.monitor.state(),
            "history": self.history, "settings": self.settings.to_dict(),
            "steps": self.step_log,
            "optimizer": ckpt.split_tensors(self.optimizer.state_dict(), "optimizer", tensors),
            "scheduler": (ckpt.split_tensors(self.scheduler.state_dict(), "scheduler", tensors)
                          if self.scheduler else None),
            "scaler": (ckpt.split_tensors(self.scaler.state_dict(), "scaler", tensors)
                       if self.scaler else None),
        }
        return state, tensors

    def _write_state(self, status: str, message: str = "", tensors_too: bool = True) -> None:
        if self.out_dir is None or not self.folder_ready:
            return  # failed before the run folder was set up: leave it as it was
        state, tensors = self._state(status, message)
        if tensors_too and tensors:
            ckpt.save_tensors(self.out_dir / "optimizer.safetensors", tensors)
        ckpt.write_json(self.out_dir / "state.json", state)

    def _write_end(self, status: str, message: str = "") -> None:
        """Record how the run ended. After a finished epoch only status and message change:
        state.json keeps the state that matches last.safetensors and optimizer.safetensors
        (not that of a half-done epoch), so continuing the run starts from that epoch."""
        path = self.out_dir / "state.json" if self.out_dir is not None else None
        if self.folder_ready and self.epoch > 0 and path.is_file():
            state = ckpt.read_json(path)
            state.update(status=status, message=message)
            ckpt.write_json(path, state)
        else:
            self._write_state(status, message, tensors_too=False)

    def _save_epoch(self, improved: bool) -> None:
        if self.out_dir is None:
            return
        d = self.out_dir
        ckpt.save_model(d / "last.safetensors", self.model)
        if improved:
            ckpt.save_model(d / "best.safetensors", self.model)
        ckpt.write_history_csv(d / "history.csv", self.history)
        self._write_state("running")

    def _resume(self) -> None:
        """Load the run in resume_from; checks come first, so a run that cannot be continued
        raises TrainError with its folder untouched."""
        d = self.resume_from
        state = ckpt.read_resume_state(d, self.settings.epochs)
        was = (state.get("settings") or {}).get("optimizer", {}).get("type")
        if was and was != self.settings.optimizer:  # its state would not fit this optimizer
            raise TrainError(f"The run was trained with the {was} optimizer but the settings now "
                             f"say {self.settings.optimizer}: set Optimizer back to {was} to "
                             "continue it.", field="optimizer")
        tensors = {}
        if (d / "optimizer.safetensors").is_file():
            from safetensors.torch import load_file
            tensors = load_file(str(d / "optimizer.safetensors"), device=str(self.device))
        ckpt.load_model(d / "last.safetensors", self.model, self.device)
        fresh = [dict(g) for g in self.optimizer.param_groups]  # the current settings' values
        self.optimizer.load_state_dict(ckpt.join_tensors(state["optimizer"], tensors, True))
        self.epoch, self.step = state["epoch"], state["step"]
        saved = state.get("settings") or {}
        changed = self._apply_changed_hyperparameters(saved, fresh)
        same_schedule = (schedule_args(saved.get("schedule"), saved.get("epochs", 0))
                         == schedule_args(self.settings.schedule, self.settings.epochs))
        if self.scheduler and same_schedule and "lr" not in changed and state.get("scheduler"):
            self.scheduler.load_state_dict(ckpt.join_tensors(state["scheduler"], tensors))
        elif self.scheduler:
            self._restart_schedule()
        if self.scaler and state.get("scaler"):
            self.scaler.load_state_dict(ckpt.join_tensors(state["scaler"], tensors))
        self.history = state["history"]
        self.step_log = [r for r in state.get("steps", []) if r[0] <= self.step]
        if state["monitor"].get("name") == self.monitor.name:  # else: best counts from now on
            self.monitor.load(state["monitor"])
            self.monitor.wait = 0  # a continued run gets its whole patience again
        if (d / "best.safetensors").is_file():
            from safetensors.torch import load_file
            self.best_state = load_file(str(d / "best.safetensors"), device=str(self.device))
        self.gen.manual_seed(self.settings.seed + 7919 * self.epoch)  # fresh batch order

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
        self.scheduler = make_scheduler(self.settings, self.optimizer)
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
                if self.project_dict is not None:
                    ckpt.write_json(self.out_dir / "project.json", self.project_dict)
                self.folder_ready = True
            self._write_state("running", tensors_too=False)
            self.reporter.on_start(self._start_info())
            while self.epoch < self.settings.epochs:
                epoch = self.epoch + 1
                started = time.perf_counter()
                lr = self.optimizer.param_groups[0]["lr"]
                train_loss, stopped = self._train_epoch(epoch)
                if stopped:
                    status = "stopped"
                    break
                logs = self._epoch_logs(epoch, train_loss, lr, started)
                self.epoch = epoch
                self.history.append(logs)
                improved = self.monitor.update(epoch, logs)
                if improved:
                    self.best_state = {k: v.detach().clone()
                                       for k, v in self.model.state_dict().items()}
                self._step_scheduler(logs)
                self._save_epoch(improved)
                self.reporter.on_epoch(epoch, logs)
                if self.monitor.should_stop:
                    stopped_early = True
                    break
            if status == "running":
                status = "done"
        except (TrainError, RuntimeError) as err:
            # RuntimeError: torch's own (a shape that only fails later, out of memory...)
            message = (err.message if isinstance(err, TrainError) else
                       f"Training failed in epoch {self.epoch + 1}, step {self.step + 1}: {err}")
            self._write_end("failed", message)
            self.reporter.on_end(self._result("failed", message, stopped_early))
            if isinstance(err, TrainError):
                raise
            raise TrainError(message) from err
        result = self._result(status, message, stopped_early)
        self._write_end(status, message)
        self.reporter.on_end(result)
        return result

    def _start_info(self) -> dict:
        b = self.bundle
        return {"device": str(self.device), "n_train": len(b.x_train), "n_val": len(b.x_val),
                "n_test": len(b.x_test), "batch_size": min(self.settings.batch_size,
                                                            len(b.x_train)),
                "steps_per_epoch": math.ceil(len(b.x_train) / self.settings.batch_size),
                "epochs": self.settings.epochs, "start_epoch": self.epoch + 1,
                "params": sum(p.numel() for p in self.params), "task": b.task,
                "metrics": self.metric_names, "monitor": self.monitor.name,
                "val_on_train": self.val_on_train, "notes": list(self.notes),
                "run_dir": str(self.out_dir) if self.out_dir else None,
                # a continued run: the epochs and steps before this start, for the plots
                "history": list(self.history), "start_step": self.step,
                "steps": list(self.step_log)}

    def _epoch_logs(self, epoch: int, train_loss: float, lr: float, started: float) -> dict:
        val_loss, val = self._evaluate(self.xv, self.yv, details=False,
                                       names=self.metric_names or ["accuracy"])
        logs = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss}
        logs.update({f"val_{k}": v for k, v in val.items() if k in self.metric_names})
        logs.update(lr=lr, epoch_time=time.perf_counter() - started, step=self.step,
                    val_on_train=self.val_on_train, grad_norms=dict(self.last_grad_norms),
                    grad_flags=gradstats.grad_flags(self.last_grad_norms))
        return logs

    def _step_scheduler(self, logs: dict) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(logs["val_loss"])
        else:
            self.scheduler.step()

    def _result(self, status: str, message: str, stopped_early: bool) -> TrainResult:
        best = self.monitor.best_epoch
        metrics, evaluation, test_metrics = {}, {}, {}
        row = next((h for h in self.history if h["epoch"] == best), None)
        if status != "failed" and self.best_state is not None:
            self.model.load_state_dict(self.best_state)  # keep the best weights, as saved
            _, full = self._evaluate(self.xv, self.yv, details=True)
            metrics = {k: v for k, v in full.items() if k in M.ALL_METRICS}
            evaluation = {k: v for k, v in full.items() if k not in M.ALL_METRICS}
            if len(self.bundle.x_test):
                xt, yt = self.bundle.x_test.to(self.device), self.bundle.y_test.to(self.device)
                test_loss, test = self._evaluate(xt, yt, details=False)
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
