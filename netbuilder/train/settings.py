"""TrainSettings: the project's `training` section, validated by building the torch objects.

What each field is (its kind, default, range, choices) is declared once in
netbuilder/training_fields.py; this module checks a section against that table and asks torch
about the arguments of the loss, optimizer and schedule."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import torch

from .. import metrics as M
from .. import training_fields as F
from ..metrics import ALL_METRICS
from ..training_fields import FLOAT32_MAX, RECIPE_NETWORKS, RECIPES, SETTINGS, finite_number
from .errors import TrainError

LOSSES, OPTIMIZERS, SCHEDULES = F.LOSSES, F.OPTIMIZERS, F.SCHEDULES
DEVICES = F.BY_NAME["device"].choices
AMP = F.BY_NAME["mixed_precision"].choices
KEYS = ("version", *F.BY_NAME)
# the settings a TrainSettings holds as plain values (s.batch_size, s.seed...): one number, flag or choice
PLAIN = tuple(s.name for s in SETTINGS if s.kind in ("int", "float", "bool", "choice", "text")
              and s.name != "recipe")
RECIPE_FIELDS = {name: {f.name: f for f in s.fields} for name, s in F.RECIPE_SECTIONS.items()}


def _typed(spec, key: str, choices, where: str) -> tuple[str, dict]:
    """Accept "Name" or {"type": "Name", **args}."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or spec.get(key) not in choices:
        name = spec.get(key) if isinstance(spec, dict) else spec
        raise TrainError(f'training.{where} "{name}" is not supported; choose one of '
                         f"{', '.join(choices)}.", field=f"training.{where}")
    args = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != key}
    return spec[key], args


def _check_args(cls, args: dict, where: str, skip=("self", "params", "optimizer")) -> None:
    params = inspect.signature(cls).parameters
    allowed = [p for p in params if p not in skip]
    for name, value in args.items():
        if name not in allowed:
            raise TrainError(f'training.{where} has an unknown field "{name}"; {cls.__name__} '
                             f"accepts {', '.join(allowed)}.", field=f"training.{where}.{name}")
        default = params[name].default
        numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
        if numeric and not finite_number(value):  # e.g. "lr": "fast" would fail deep inside torch
            raise TrainError(f"training.{where}.{name} must be a number, got {value!r}.", field=f"training.{where}.{name}")
        if numeric and abs(value) > FLOAT32_MAX:  # torch's in-place steps overflow on it mid-run
            raise TrainError(f"training.{where}.{name} is {value:g}, beyond what the float32 weights "
                             f"can take (about {FLOAT32_MAX:.2g}): use a smaller value.",
                             field=f"training.{where}.{name}")


def _optimizer(spec, where: str) -> tuple[str, dict]:
    name, args = _typed(spec, "type", OPTIMIZERS, where)
    args.setdefault("lr", F.setting("optimizer.lr").default)
    _check_args(getattr(torch.optim, name), args, where)
    return name, args


def _unknown(section: dict, s: F.Setting, where: str) -> None:
    known = [f.name for f in s.fields]
    for key in section:
        if key not in known:
            raise TrainError(f'training.{where} has an unknown field "{key}"; known: '
                             f"{', '.join(known)}.", field=f"training.{where}.{key}")


def _section(d: dict, s: F.Setting, where: str) -> dict:
    """An object of plain settings (training.vae, training.adversarial): each one checked."""
    section = d.get(s.name) or {}
    if not isinstance(section, dict):
        raise TrainError(f"training.{where} must be an object.", field=f"training.{where}")
    _unknown(section, s, where)
    return {f.name: F.value_of(section, f, f"{where}.{f.name}") for f in s.fields}


@dataclass
class TrainSettings:
    loss: str = "CrossEntropyLoss"
    loss_args: dict = field(default_factory=dict)
    optimizer: str = "Adam"
    optimizer_args: dict = field(default_factory=lambda: {"lr": 1e-3})
    metrics: list | None = None  # None: the task's usual ones (metrics.default_metrics)
    schedule: dict | None = None
    early_stopping: dict | None = None
    recipe: str | None = None  # None: follows from the data (autoencoder when target is input)
    recipe_args: dict = field(default_factory=dict)  # training.adversarial / training.vae
    optimizers: dict | None = None  # network -> {"type", **args}: one optimizer per network
    latent: list | None = None  # the sampler network's input shape (set from the project, not the file)
    # every PLAIN setting (batch_size, epochs, seed, ...) by name, read as an attribute: s.epochs
    values: dict = field(default_factory=lambda: {s: F.BY_NAME[s].default for s in PLAIN})

    def __getattr__(self, name: str):
        if name in PLAIN:
            return self.__dict__["values"][name] if "values" in self.__dict__ else F.BY_NAME[name].default
        raise AttributeError(name)

    @classmethod
    def from_dict(cls, d: dict | None) -> TrainSettings:
        d = F.migrate(dict(d or {}))
        for key in d:
            if key not in KEYS:
                raise TrainError(f'training has an unknown field "{key}"; known fields: '
                                 f"{', '.join(KEYS)}.", field=f"training.{key}")
        loss, loss_args = _typed(d.get("loss", F.BY_NAME["loss"].default), "type", LOSSES, "loss")
        _check_args(getattr(torch.nn, loss), loss_args, "loss")
        opt, opt_args = _optimizer(d.get("optimizer", F.BY_NAME["optimizer"].default), "optimizer")
        s = cls(loss=loss, loss_args=loss_args, optimizer=opt, optimizer_args=opt_args,
                values={name: F.value_of(d, F.BY_NAME[name], name) for name in PLAIN})
        metrics = d.get("metrics")
        if metrics is not None and not isinstance(metrics, list):
            raise TrainError('training.metrics must be a list like ["accuracy", "f1"].',
                             field="training.metrics")
        s.metrics = list(metrics) if metrics is not None else None
        for name in s.metrics or ():
            if name not in ALL_METRICS:
                raise TrainError(f'training.metrics: unknown metric "{name}"; known: '
                                 f"{', '.join(ALL_METRICS)}.", field="training.metrics")
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
            raise TrainError(f'training.recipe "{recipe}" is not one of {", ".join(RECIPES)}.', field="training.recipe")
        self.recipe = recipe
        for name in RECIPE_FIELDS:
            if name in d and name != recipe:
                raise TrainError(f'training.{name} applies to the {name} recipe only; set training.recipe '
                                 f'to "{name}" or remove it.', field=f"training.{name}")
        if recipe in RECIPE_FIELDS:
            self.recipe_args = _section(d, F.RECIPE_SECTIONS[recipe], recipe)
        for unused in ("schedule", "early_stopping") if recipe == "adversarial" else ():
            if d.get(unused):  # refused, not dropped: validate must not accept what the run ignores
                raise TrainError(f"training.{unused} is not used by the adversarial recipe (one "
                                 "schedule or stopping rule for two networks would be a guess); "
                                 "remove it.", field=f"training.{unused}")
        given = d.get("optimizers")
        nets = RECIPE_NETWORKS.get(recipe, ())
        if given is not None and (not isinstance(given, dict) or not nets):
            raise TrainError("training.optimizers maps each network of the adversarial recipe to its optimizer, "
                             'e.g. {"generator": {"type": "Adam", "lr": 0.0002}}.', field="training.optimizers")
        if nets:
            own = {"type": self.optimizer, **self.optimizer_args}
            self.optimizers = {}
            for key in given or {}:
                if key not in nets:
                    raise TrainError(f'training.optimizers has no network "{key}"; the {recipe} recipe '
                                     f"trains {', '.join(nets)}.", field=f"training.optimizers.{key}")
            for net in nets:
                name, args = _optimizer((given or {}).get(net, own), f"optimizers.{net}")
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
                raise TrainError(f"training.{where}: {err}", field=f"training.{where}") from None

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
        same for the app and for an exported train_config.json. Every plain setting the
        table marks `config` is in it under its own name."""
        es = self.early_stopping or {}
        recipe = self.recipe or recipe
        extra = {}
        metrics = self.logged_metrics(task)[0]
        if recipe in RECIPE_FIELDS:  # samples are judged by eye (and by their own logs)
            extra[recipe] = {**self.recipe_args, "latent": list(self.latent or [])}
            metrics = []
        if self.optimizers:
            extra["optimizers"] = self.optimizers
        early = F.BY_NAME["early_stopping"]
        return _lists({
            "task": task, "recipe": recipe, **extra,
            "loss": {"type": self.loss, **self.loss_args},
            "optimizer": {"type": self.optimizer, **self.optimizer_args},
            "schedule": self.schedule,
            **{name: self.values[name] for name in PLAIN if F.BY_NAME[name].config},
            "metrics": metrics,
            "monitor": es.get("monitor", early.sub("monitor").default), "patience": es.get("patience"),
            "min_delta": es.get("min_delta", early.sub("min_delta").default)})

    def to_dict(self) -> dict:
        out = {"version": F.VERSION,
               "loss": self.loss if not self.loss_args else {"type": self.loss, **self.loss_args},
               "optimizer": {"type": self.optimizer, **self.optimizer_args},
               "metrics": self.metrics, "schedule": self.schedule,
               "early_stopping": self.early_stopping, **self.values}
        if self.values.get("init_weights") is None:
            out.pop("init_weights", None)
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


def monitor_choices() -> list[str]:
    """What early stopping may watch: the losses and every metric on the validation split."""
    return ["val_loss", "train_loss"] + [f"val_{m}" for m in ALL_METRICS]


def _early_stopping(spec) -> dict:
    if not isinstance(spec, dict):
        raise TrainError("training.early_stopping must be an object like "
                         '{"monitor": "val_loss", "patience": 5}.', field="training.early_stopping")
    declared = F.BY_NAME["early_stopping"]
    _unknown(spec, declared, "early_stopping")
    monitor = spec.get("monitor", declared.sub("monitor").default)
    if monitor not in monitor_choices():
        raise TrainError(f'training.early_stopping.monitor "{monitor}" is not one of '
                         f"{', '.join(monitor_choices())}.", field="training.early_stopping.monitor")
    return {"monitor": monitor, **{f.name: F.value_of(spec, f, f"early_stopping.{f.name}")
                                   for f in declared.fields if f.name != "monitor"}}
