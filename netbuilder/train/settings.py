"""TrainSettings: the project's `training` section, validated by building the torch objects."""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field

import torch

from .. import metrics as M
from ..metrics import ALL_METRICS
from .errors import TrainError

LOSSES = ("CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
          "HuberLoss", "SmoothL1Loss")
OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")
SCHEDULES = ("StepLR", "CosineAnnealingLR", "ReduceLROnPlateau", "ExponentialLR")
DEVICES = ("auto", "cpu", "cuda", "mps")
AMP = ("none", "bf16", "fp16")
KEYS = ("loss", "optimizer", "batch_size", "epochs", "metrics", "schedule", "l1", "l2",
        "early_stopping", "grad_clip", "seed", "device", "amp", "init_weights",
        "recipe", "adversarial", "vae", "optimizers")
RECIPES = ("supervised", "autoencoder", "adversarial", "vae")
# the generative recipes' own settings: name -> (default, kind, minimum or choices)
RECIPE_FIELDS = {
    "adversarial": {"noise": ("normal", "choice", ("normal", "uniform")),
                    "loss": ("bce", "choice", ("bce", "hinge", "wgan-gp")),
                    "d_steps": (1, int, 1), "g_steps": (1, int, 1),
                    "label_smoothing": (0.0, float, 0.0), "gp_weight": (10.0, float, 0.0),
                    "samples": (64, int, 1), "sample_seed": (0, int, 0)},
    "vae": {"kl_weight": (1.0, float, 0.0), "warmup_epochs": (0, int, 0),
            "samples": (64, int, 1), "sample_seed": (0, int, 0)},
}
RECIPE_NETWORKS = {"adversarial": ("generator", "discriminator")}  # one optimizer each
EARLY_STOPPING_KEYS = ("monitor", "patience", "min_delta")
FLOAT32_MAX = float(torch.finfo(torch.float32).max)


def _number(d: dict, key: str, default, where: str, kind=float, minimum=0.0):
    value = d.get(key, default)
    if value is None and default is None:
        return None
    ok = _finite_number(value)
    if kind is int:
        ok = ok and float(value).is_integer()
    if not ok or value < minimum:
        kind_text = "an integer" if kind is int else "a number"
        raise TrainError(f"training.{where} must be {kind_text} >= {minimum:g}, got {value!r}.",
                         field=where)
    return kind(value)


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _typed(spec, key: str, choices, where: str) -> tuple[str, dict]:
    """Accept "Name" or {"type": "Name", **args}."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or spec.get(key) not in choices:
        name = spec.get(key) if isinstance(spec, dict) else spec
        raise TrainError(f'training.{where} "{name}" is not supported; choose one of '
                         f"{', '.join(choices)}.", field=where)
    args = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != key}
    return spec[key], args


def _check_args(cls, args: dict, where: str, skip=("self", "params", "optimizer")) -> None:
    params = inspect.signature(cls).parameters
    allowed = [p for p in params if p not in skip]
    for name, value in args.items():
        if name not in allowed:
            raise TrainError(f'training.{where} has an unknown field "{name}"; {cls.__name__} '
                             f"accepts {', '.join(allowed)}.", field=f"{where}.{name}")
        default = params[name].default
        numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
        if numeric and not _finite_number(value):  # e.g. "lr": "fast" would fail deep inside torch
            raise TrainError(f"training.{where}.{name} must be a number, got {value!r}.", field=f"{where}.{name}")
        if numeric and abs(value) > FLOAT32_MAX:  # torch's in-place steps overflow on it mid-run
            raise TrainError(f"training.{where}.{name} is {value:g}, beyond what the float32 weights "
                             f"can take (about {FLOAT32_MAX:.2g}): use a smaller value.",
                             field=f"{where}.{name}")


@dataclass
class TrainSettings:
    loss: str = "CrossEntropyLoss"
    loss_args: dict = field(default_factory=dict)
    optimizer: str = "Adam"
    optimizer_args: dict = field(default_factory=lambda: {"lr": 1e-3})
    batch_size: int = 32
    epochs: int = 10
    metrics: list | None = None  # None: the task's usual ones (metrics.default_metrics)
    schedule: dict | None = None
    l1: float = 0.0
    l2: float = 0.0
    early_stopping: dict | None = None
    grad_clip: float | None = None
    seed: int = 0
    device: str = "auto"
    amp: str = "none"
    recipe: str | None = None  # None: follows from the data (autoencoder when target is input)
    recipe_args: dict = field(default_factory=dict)  # training.adversarial / training.vae
    optimizers: dict | None = None  # network -> {"type", **args}: one optimizer per network
    latent: list | None = None  # the sampler network's input shape (set from the project, not the file)

    @classmethod
    def from_dict(cls, d: dict | None) -> TrainSettings:
        d = dict(d or {})
        for key in d:
            if key not in KEYS:
                raise TrainError(f'training has an unknown field "{key}"; known fields: '
                                 f"{', '.join(KEYS)}.", field=key)
        loss, loss_args = _typed(d.get("loss", "CrossEntropyLoss"), "type", LOSSES, "loss")
        _check_args(getattr(torch.nn, loss), loss_args, "loss")
        opt, opt_args = _typed(d.get("optimizer", {"type": "Adam"}), "type", OPTIMIZERS,
                               "optimizer")
        opt_args.setdefault("lr", 1e-3)
        _check_args(getattr(torch.optim, opt), opt_args, "optimizer")
        s = cls(loss=loss, loss_args=loss_args, optimizer=opt, optimizer_args=opt_args,
                batch_size=_number(d, "batch_size", 32, "batch_size", int, 1),
                epochs=_number(d, "epochs", 10, "epochs", int, 1),
                l1=_number(d, "l1", 0.0, "l1"), l2=_number(d, "l2", 0.0, "l2"),
                grad_clip=_number(d, "grad_clip", None, "grad_clip"),
                seed=_number(d, "seed", 0, "seed", int, 0))
        metrics = d.get("metrics")
        if metrics is not None and not isinstance(metrics, list):
            raise TrainError('training.metrics must be a list like ["accuracy", "f1"].',
                             field="metrics")
        s.metrics = list(metrics) if metrics is not None else None
        for name in s.metrics or ():
            if name not in ALL_METRICS:
                raise TrainError(f'training.metrics: unknown metric "{name}"; known: '
                                 f"{', '.join(ALL_METRICS)}.", field="metrics")
        for key, choices in (("device", DEVICES), ("amp", AMP)):
            value = d.get(key, getattr(s, key))
            if value not in choices:
                raise TrainError(f'training.{key} "{value}" is not one of '
                                 f"{', '.join(choices)}.", field=key)
            setattr(s, key, value)
        if d.get("schedule"):
            name, args = _typed(d["schedule"], "type", SCHEDULES, "schedule")
            _check_args(getattr(torch.optim.lr_scheduler, name), args, "schedule")
            s.schedule = {"type": name, **args}
        if d.get("early_stopping"):
            s.early_stopping = _early_stopping(d["early_stopping"])
        s._recipe(d)
        s._try_build()
        return s

    def _recipe(self, d: dict) -> None:
        """training.recipe, its own section (training.adversarial / training.vae) and the
        optimizer of each network (training.optimizers; each defaults to training.optimizer)."""
        recipe = d.get("recipe")
        if recipe is not None and recipe not in RECIPES:
            raise TrainError(f'training.recipe "{recipe}" is not one of {", ".join(RECIPES)}.', field="recipe")
        self.recipe = recipe
        for name in RECIPE_FIELDS:
            if name in d and name != recipe:
                raise TrainError(f'training.{name} applies to the {name} recipe only; set training.recipe '
                                 f'to "{name}" or remove it.', field=name)
        if recipe in RECIPE_FIELDS:
            section = d.get(recipe) or {}
            if not isinstance(section, dict):
                raise TrainError(f"training.{recipe} must be an object.", field=recipe)
            fields = RECIPE_FIELDS[recipe]
            for key in section:
                if key not in fields:
                    raise TrainError(f'training.{recipe} has an unknown field "{key}"; known: '
                                     f"{', '.join(fields)}.", field=f"{recipe}.{key}")
            for key, (default, kind, rule) in fields.items():
                if kind == "choice":
                    value = section.get(key, default)
                    if value not in rule:
                        raise TrainError(f'training.{recipe}.{key} "{value}" is not one of {", ".join(rule)}.',
                                         field=f"{recipe}.{key}")
                    self.recipe_args[key] = value
                else:
                    self.recipe_args[key] = _number(section, key, default, f"{recipe}.{key}", kind, rule)
            if recipe == "adversarial" and not self.recipe_args["label_smoothing"] < 1:
                raise TrainError("training.adversarial.label_smoothing must be below 1 (0.1 means real "
                                 "images are labelled 0.9).", field="adversarial.label_smoothing")
        given = d.get("optimizers")
        nets = RECIPE_NETWORKS.get(recipe, ())
        if given is not None and (not isinstance(given, dict) or not nets):
            raise TrainError("training.optimizers maps each network of the adversarial recipe to its optimizer, "
                             'e.g. {"generator": {"type": "Adam", "lr": 0.0002}}.', field="optimizers")
        if nets:
            own = {"type": self.optimizer, **self.optimizer_args}
            self.optimizers = {}
            for key in given or {}:
                if key not in nets:
                    raise TrainError(f'training.optimizers has no network "{key}"; the {recipe} recipe '
                                     f"trains {', '.join(nets)}.", field=f"optimizers.{key}")
            for net in nets:
                name, args = _typed((given or {}).get(net, own), "type", OPTIMIZERS, f"optimizers.{net}")
                args.setdefault("lr", 1e-3)
                _check_args(getattr(torch.optim, name), args, f"optimizers.{net}")
                self.optimizers[net] = {"type": name, **args}

    def _try_build(self) -> None:
        """Build loss, optimizer and schedule once on a dummy parameter, and call the loss on
        a dummy batch: torch's own checks (negative momentum, bad betas, fused with foreach,
        reduction "bogus"...) become errors naming the field. The optimizer is a throwaway
        subclass whose add_param_group is torch's own, undecorated: the decorated one imports
        torch._dynamo (seconds) on first use, and validating must stay quick."""
        from ..runtime import build

        dummy = [torch.nn.Parameter(torch.zeros(1))]
        base = getattr(torch.optim, self.optimizer)
        probe = type(f"Probe{self.optimizer}", (base,), {
            "add_param_group": torch.optim.Optimizer.add_param_group.__wrapped__})

        def optimizer():
            return probe(dummy, **build.optimizer_args(self.optimizer_args, self.l2))

        def each_network():
            for spec in (self.optimizers or {}).values():
                args = {k: v for k, v in spec.items() if k != "type"}
                type(f"Probe{spec['type']}", (getattr(torch.optim, spec["type"]),), {
                    "add_param_group": torch.optim.Optimizer.add_param_group.__wrapped__})(
                    dummy, **build.optimizer_args(args, self.l2))

        for where, check in (("loss", self._try_loss), ("optimizer", optimizer),
                             ("optimizers", each_network),
                             ("schedule", lambda: build.make_scheduler(
                                 self.schedule, self.epochs, optimizer()))):
            try:
                check()
            except (TypeError, ValueError, RuntimeError) as err:
                raise TrainError(f"training.{where}: {err}", field=where) from None

    def _try_loss(self) -> None:
        from ..runtime.build import make_loss

        loss = make_loss({"type": self.loss, **self.loss_args})
        if self.loss in ("CrossEntropyLoss", "NLLLoss"):
            loss(torch.zeros(2, 3), torch.tensor([0, 1]))
        else:  # one output per sample; BCELoss needs probabilities
            loss(torch.full((2, 1), 0.5), torch.zeros(2, 1))

    def metrics_for(self, task: str) -> list[str]:
        return M.default_metrics(task) if self.metrics is None else list(self.metrics)

    def logged_metrics(self, task: str) -> tuple[list[str], list[str]]:
        """The metrics a run logs each epoch (the wanted ones that apply to the task, plus a
        monitored one), and the wanted ones that do not apply."""
        wanted, applies = self.metrics_for(task), M.metric_names(task)
        names = [m for m in wanted if m in applies]
        monitored = (self.early_stopping or {}).get("monitor", "val_loss").removeprefix("val_")
        if monitored in applies:
            names.append(monitored)
        return list(dict.fromkeys(names)), [m for m in wanted if m not in applies]

    def runtime_config(self, task: str, recipe: str = "supervised") -> dict:
        """The run as the runtime reads it (netbuilder/runtime/build.py): plain JSON, the
        same for the app and for an exported train_config.json."""
        es = self.early_stopping or {}
        recipe = self.recipe or recipe
        extra = {}
        metrics = self.logged_metrics(task)[0]
        if recipe in RECIPE_FIELDS:  # samples are judged by eye (and by their own logs)
            extra[recipe] = {**self.recipe_args, "latent": list(self.latent or [])}
            metrics = []
        if self.optimizers:
            extra["optimizers"] = self.optimizers
        return _lists({
            "task": task, "recipe": recipe, **extra,
            "loss": {"type": self.loss, **self.loss_args},
            "optimizer": {"type": self.optimizer, **self.optimizer_args},
            "schedule": self.schedule, "batch_size": self.batch_size, "epochs": self.epochs,
            "seed": self.seed, "l1": self.l1, "l2": self.l2, "grad_clip": self.grad_clip,
            "amp": self.amp, "metrics": metrics,
            "monitor": es.get("monitor", "val_loss"), "patience": es.get("patience"),
            "min_delta": es.get("min_delta", 0.0)})

    def to_dict(self) -> dict:
        out = {"loss": self.loss if not self.loss_args else {"type": self.loss,
                                                             **self.loss_args},
               "optimizer": {"type": self.optimizer, **self.optimizer_args},
               "batch_size": self.batch_size, "epochs": self.epochs, "metrics": self.metrics,
               "schedule": self.schedule, "l1": self.l1, "l2": self.l2,
               "early_stopping": self.early_stopping, "grad_clip": self.grad_clip,
               "seed": self.seed, "device": self.device, "amp": self.amp}
        if self.recipe is not None:
            out["recipe"] = self.recipe
        if self.recipe in RECIPE_FIELDS:
            out[self.recipe] = dict(self.recipe_args)
        if self.optimizers:
            out["optimizers"] = self.optimizers
        return _lists(out)


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def _early_stopping(spec) -> dict:
    if not isinstance(spec, dict):
        raise TrainError("training.early_stopping must be an object like "
                         '{"monitor": "val_loss", "patience": 5}.', field="early_stopping")
    for key in spec:
        if key not in EARLY_STOPPING_KEYS:
            raise TrainError(f'training.early_stopping has an unknown field "{key}"; known: '
                             f"{', '.join(EARLY_STOPPING_KEYS)}.", field=f"early_stopping.{key}")
    monitor = spec.get("monitor", "val_loss")
    allowed = ["val_loss", "train_loss"] + [f"val_{m}" for m in ALL_METRICS]
    if monitor not in allowed:
        raise TrainError(f'training.early_stopping.monitor "{monitor}" is not one of '
                         f"{', '.join(allowed)}.", field="early_stopping.monitor")
    return {"monitor": monitor,
            "patience": _number(spec, "patience", 5, "early_stopping.patience", int, 1),
            "min_delta": _number(spec, "min_delta", 0.0, "early_stopping.min_delta")}
