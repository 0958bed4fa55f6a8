"""The `training` section's settings, declared once, as `Param` declares a layer's parameters.

Validation (`TrainSettings.from_dict`), the settings form, `netbuilder train`'s flags, the
runtime config (train_config.json) and the table in docs/project-format.md all read SETTINGS.
A new setting is one `Setting(...)` here, plus the runtime code that uses it.

The section carries a `version`. A file without one is version 1; `migrate` brings an older
section up to VERSION one step at a time (MIGRATIONS), so old files keep loading.

Standard library only: the project loader migrates with it before torch is imported."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any

from .errors import TrainError

FLOAT32_MAX = 3.4028234663852886e38  # torch.finfo(torch.float32).max: beyond it steps overflow


@dataclass(frozen=True)
class Setting:
    """One field of the training section (or of one of its objects: `fields`)."""

    name: str
    kind: str  # int, float, bool, choice, text; typed ("Name" or {"type": "Name", **args}), metrics, section, networks
    default: Any = None
    help: str = ""
    minimum: float | None = None
    below: float | None = None  # the value must stay under it (label smoothing below 1)
    choices: tuple = ()
    fields: tuple[Setting, ...] = ()  # an object's own settings, or a typed setting's common arguments
    label: str = ""  # the settings form's row ("": the form has no row of its own for it)
    form_range: tuple | None = None  # what the form's box offers, where narrower than a file may hold
    off: str = ""  # the form's text at the box's minimum: what that value means ("off", "auto")
    decimals: int = 3  # the form's float box
    step: float = 1.0
    flag: str | None = None  # `netbuilder train` option, e.g. "--batch-size"
    config: bool = True  # part of the runtime config the app and the exported train.py read
    recipe: str | None = None  # an object that applies to this recipe only
    doc_default: str = ""  # the default as docs/project-format.md says it, where not plain JSON

    def sub(self, name: str) -> Setting:
        return next(f for f in self.fields if f.name == name)

    def box_range(self) -> tuple:
        """The range the form's box offers: its own, or the one a file may hold."""
        if self.form_range is not None:
            return self.form_range
        return self.minimum if self.minimum is not None else 0, self.below
        # (a field with no upper bound must declare form_range: the form needs one)


LOSSES = ("CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss",
          "HuberLoss", "SmoothL1Loss")
OPTIMIZERS = ("Adam", "AdamW", "SGD", "RMSprop", "Adagrad")
SCHEDULES = ("StepLR", "CosineAnnealingLR", "ReduceLROnPlateau", "ExponentialLR")
RECIPES = ("supervised", "autoencoder", "adversarial", "vae")
RECIPE_NETWORKS = {"adversarial": ("generator", "discriminator")}  # one optimizer each
MOMENTUM_OPTIMIZERS = ("SGD", "RMSprop")

SAMPLES = (Setting("samples", "int", 64, "pictures drawn for the Samples tab after each epoch", minimum=1),
           Setting("sample_seed", "int", 0, "the fixed noise the samples are drawn from", minimum=0))

SETTINGS: tuple[Setting, ...] = (
    Setting("optimizer", "typed", "Adam", "with its torch.optim arguments", choices=OPTIMIZERS,
            label="Optimizer", doc_default='`{"type": "Adam", "lr": 0.001}`', fields=(
                Setting("lr", "float", 1e-3, "Learning rate", label="Learning rate",
                        form_range=(1e-6, 10.0), decimals=6, step=1e-4, flag="--lr"),
                Setting("momentum", "float", 0.0, "SGD / RMSprop momentum", label="Momentum",
                        form_range=(0.0, 0.999), step=0.05),
                Setting("nesterov", "bool", False, "Nesterov momentum (SGD)", label="Nesterov"))),
    Setting("loss", "typed", "CrossEntropyLoss", "a name, or {\"type\": NAME, ...its arguments}",
            choices=LOSSES, label="Loss"),
    Setting("batch_size", "int", 32, "samples per step", minimum=1, label="Batch size",
            form_range=(1, 65536), flag="--batch-size"),
    Setting("epochs", "int", 10, "passes over the training data", minimum=1, label="Epochs",
            form_range=(1, 100000), flag="--epochs"),
    Setting("shuffle", "bool", True, "Shuffle the training samples each epoch (off: in the data's order)",
            label="Shuffle each epoch", flag="--shuffle"),
    Setting("metrics", "metrics", None, "`accuracy`, `precision`, `recall`, `f1`, `auroc` (classifiers); "
            "`mse`, `rmse`, `mae`, `r2` (regression)", label="Metrics", doc_default="the task's usual"),
    Setting("schedule", "typed", None, "the learning-rate schedule, with its torch arguments",
            choices=SCHEDULES, label="LR schedule"),
    Setting("l1", "float", 0.0, "L1 penalty on weights (sparsity)", minimum=0.0, label="L1",
            form_range=(0.0, 1.0), off="off", decimals=6, step=1e-5),
    Setting("l2", "float", 0.0, "L2 penalty (weight decay, added to the optimizer's own)", minimum=0.0,
            label="L2", form_range=(0.0, 1.0), off="off", decimals=6, step=1e-4),
    Setting("early_stopping", "section", None, "stop when the monitored value stops improving",
            label="Early stopping", fields=(
                Setting("patience", "int", 5, "Early stopping: stop after this many epochs without a "
                        "better val_loss", minimum=1, label="Early stop patience", form_range=(0, 1000),
                        off="off"),
                Setting("monitor", "choice", "val_loss", "What early stopping watches; the best checkpoint "
                        "follows it too", label="Early stop on"),  # choices: the metrics (monitor_choices)
                Setting("min_delta", "float", 0.0, "the least change that counts as better", minimum=0.0))),
    Setting("grad_clip", "float", None, "Clip the global gradient norm to this value", minimum=0.0,
            label="Gradient clip", form_range=(0.0, 1e4), off="off", step=0.5),
    Setting("seed", "int", 0, "initial weights and shuffling", minimum=0, label="Seed",
            form_range=(0, 2**31 - 1), flag="--seed"),
    Setting("device", "choice", "auto", "where to train", choices=("auto", "cpu", "cuda", "mps"),
            label="Device", flag="--device", config=False),
    Setting("mixed_precision", "choice", "none", "Mixed precision on CUDA (bf16 or fp16 autocast); other "
            "devices train in float32", choices=("none", "bf16", "fp16"), label="Mixed precision",
            flag="--mixed-precision"),
    Setting("init_weights", "text", None, "start from weights (`.safetensors`, a state_dict, or a run "
            "folder), matched by node id", config=False),
    Setting("recipe", "choice", None, "how the networks train together (generative.md)", choices=RECIPES,
            config=False, doc_default="from the data"),
    Setting("adversarial", "section", None, "the adversarial recipe's own settings", recipe="adversarial",
            config=False, fields=(
                Setting("noise", "choice", "normal", "the generator's input noise", choices=("normal", "uniform")),
                Setting("loss", "choice", "bce", "the adversarial loss", choices=("bce", "hinge", "wgan-gp")),
                Setting("d_steps", "int", 1, "discriminator steps per batch", minimum=1),
                Setting("g_steps", "int", 1, "generator steps per batch", minimum=1),
                Setting("label_smoothing", "float", 0.0, "one-sided: 0.1 means real images are labelled 0.9",
                        minimum=0.0, below=1.0),
                Setting("gp_weight", "float", 10.0, "the gradient penalty of wgan-gp", minimum=0.0),
                *SAMPLES)),
    Setting("vae", "section", None, "the VAE recipe's own settings", recipe="vae", config=False, fields=(
        Setting("kl_weight", "float", 1.0, "the weight of the KL term", minimum=0.0),
        Setting("warmup_epochs", "int", 0, "epochs over which the KL weight rises from 0", minimum=0),
        *SAMPLES)),
    Setting("optimizers", "networks", None, "one optimizer per network of the adversarial recipe "
            "(each defaults to `optimizer`)", config=False, doc_default="`optimizer`"),
)
BY_NAME = {s.name: s for s in SETTINGS}
RECIPE_SECTIONS = {s.recipe: s for s in SETTINGS if s.recipe}

VERSION = 2  # the section's newest version; a section without "version" is version 1


def setting(path: str) -> Setting:
    """The declaration at a dotted path: "batch_size", "optimizer.lr", "adversarial.d_steps"."""
    head, _, rest = path.partition(".")
    found = BY_NAME[head]
    for name in rest.split(".") if rest else ():
        found = found.sub(name)
    return found


def flagged() -> list[tuple[str, Setting]]:
    """(dotted path, declaration) of every setting with a command-line flag."""
    out = []
    for s in SETTINGS:
        out += [(s.name, s)] if s.flag else []
        out += [(f"{s.name}.{f.name}", f) for f in s.fields if f.flag]
    return out


# ----- command-line flags -----------------------------------------------------------------------
def _dest(path: str) -> str:
    return path.replace(".", "_")  # args.epochs, args.batch_size, args.optimizer_lr


def add_flags(parser) -> None:
    """`netbuilder train`'s option for each setting that declares a flag."""
    for path, s in flagged():
        kinds = {"int": {"type": int}, "float": {"type": float}, "choice": {"choices": s.choices},
                 "bool": {"action": argparse.BooleanOptionalAction}}
        if s.kind in ("int", "float"):
            kinds[s.kind]["metavar"] = s.flag.removeprefix("--").upper().replace("-", "_")
        parser.add_argument(s.flag, dest=_dest(path), default=None, help=f"training.{path}: {s.help} "
                            "(default: the project's)", **kinds[s.kind])
    parser.set_defaults(training_flags=True)  # flag_values reads only a parser that has them


def script_flags() -> list[dict]:
    """The flags of the exported train.py, as plain data in its train_config.json: the runtime
    (torch and the standard library only) cannot import this table, so the export hands it on."""
    return [{"flag": s.flag, "path": path, "kind": s.kind, "choices": list(s.choices or ()),
             "default": s.default, "help": f"training.{path}: {s.help}"} for path, s in flagged()]


def flag_values(args) -> dict:
    """{dotted path: value} of the flags given on the command line (none where the command has
    no such flags: `cv --seed` is its folds' seed, not training.seed)."""
    if not getattr(args, "training_flags", False):
        return {}
    given = {path: getattr(args, _dest(path), None) for path, _ in flagged()}
    return {path: value for path, value in given.items() if value is not None}


def flag_argv(path: str, value) -> list[str]:
    """The command-line words that give `value` to the setting at `path` (to hand a run on)."""
    flag = setting(path).flag
    if isinstance(value, bool):
        return [flag if value else "--no-" + flag.removeprefix("--")]
    return [flag, str(value)]


def put(section: dict, path: str, value) -> dict:
    """A copy of the section with `value` at the dotted path ("optimizer.lr" keeps the type)."""
    section = dict(section)
    head, _, rest = path.partition(".")
    if not rest:
        return {**section, head: value}
    inner = section.get(head, BY_NAME[head].default)
    section[head] = {**({"type": inner} if isinstance(inner, str) else dict(inner or {})), rest: value}
    return section


# ----- checking one value -----------------------------------------------------------------------
def finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def problem(s: Setting, value) -> str | None:
    """What is wrong with `value` for a plain setting (int, float, bool, choice, text), as the
    end of a sentence that starts with its name; None when it is fine."""
    if value is None and s.default is None:
        return None  # unset: the setting is off
    if s.kind in ("int", "float"):
        ok = finite_number(value) and (s.kind == "float" or float(value).is_integer())
        low = s.minimum if s.minimum is not None else -math.inf
        if not ok or value < low:
            kind_text = "an integer" if s.kind == "int" else "a number"
            return f"must be {kind_text} >= {low:g}, got {value!r}"
        if s.below is not None and not value < s.below:
            return f"must be below {s.below:g} ({s.help}), got {value!r}"
        if abs(value) > FLOAT32_MAX:
            return f"is {value:g}, beyond what float32 can take (about {FLOAT32_MAX:.2g})"
    elif s.kind == "bool" and not isinstance(value, bool):
        return f"must be true or false, got {value!r}"
    elif s.kind == "choice" and value not in s.choices:
        return f'"{value}" is not one of {", ".join(s.choices)}'
    elif s.kind == "text" and not isinstance(value, str):
        return f"must be a text (a path), got {value!r}"
    return None


def value_of(d: dict, s: Setting, where: str):
    """The setting's value in the object `d` (its default when absent), checked."""
    value = d.get(s.name, s.default)
    why = problem(s, value)
    if why:
        raise TrainError(f"training.{where} {why}.", field=f"training.{where}")
    return int(value) if s.kind == "int" and value is not None else \
        float(value) if s.kind == "float" and value is not None else value


# ----- versions ---------------------------------------------------------------------------------
def _amp_is_mixed_precision(section: dict) -> dict:
    """Version 2 spells `amp` (jargon for automatic mixed precision) as `mixed_precision`, the
    name the form and the docs always used; the values are the same."""
    out = {k: v for k, v in section.items() if k != "amp"}
    if "amp" in section:
        out = {"mixed_precision": section["amp"], **out}
    return out


MIGRATIONS = {1: _amp_is_mixed_precision}  # version -> the step from it to the next


def migrate(section):
    """The section brought up to VERSION (a copy; anything but an object is left to validation)."""
    if not isinstance(section, dict):
        return section
    version = section.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TrainError(f"training.version must be a positive integer, got {version!r}.", field="training.version")
    if version > VERSION:
        raise TrainError(f"training.version is {version}: these settings were saved by a newer NetBuilder "
                         f"(this one reads up to {VERSION}). Update NetBuilder to train them.", field="training.version")
    section = {k: v for k, v in section.items() if k != "version"}
    while version < VERSION:
        section = MIGRATIONS[version](section)
        version += 1
    return {"version": VERSION, **section}


# ----- the docs ---------------------------------------------------------------------------------
def _default_text(s: Setting) -> str:
    if s.doc_default:
        return s.doc_default
    if s.default is None:
        return "none"
    return f'`"{s.default}"`' if isinstance(s.default, str) else f"`{s.default!r}`".replace("False", "false")


def _meaning(s: Setting) -> str:
    choices = f"{', '.join(f'`{c}`' for c in s.choices)}; " if s.choices else ""
    low = f"; at least {s.minimum:g}" if s.minimum not in (None, 0, 0.0) or s.kind == "int" else ""
    below = f", below {s.below:g}" if s.below is not None else ""
    return f"{choices}{s.help}{low if s.kind in ('int', 'float') else ''}{below}"


def doc_table() -> str:
    """The Markdown table of the section's fields that docs/project-format.md shows."""
    rows = ["| field | default | meaning |", "| --- | --- | --- |",
            f"| `version` | {VERSION} | the section's version: older ones are migrated on load |"]
    for s in SETTINGS:
        rows.append(f"| `{s.name}` | {_default_text(s)} | {_meaning(s)} |")
        rows += [f"| `{s.name}.{f.name}` | {_default_text(f)} | {_meaning(f)} |" for f in s.fields]
    return "\n".join(rows)
