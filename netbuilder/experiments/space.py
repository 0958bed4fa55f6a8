"""SPACE.json: which settings a search varies and over what (CONTRACT.md).

    {"training.optimizer.lr": {"log_uniform": [1e-4, 1e-1]},
     "fc1.out_features":      {"int": [16, 256]},
     "training.optimizer.type": {"choice": ["Adam", "SGD"]}}

Keys name a node parameter ("node_id.param") or a training/data setting ("training.path"); an
`int` range may carry `"step"`. Every problem is a SpaceError naming the key."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

from ..errors import ProjectError
from ..training_fields import finite_number
from .paths import check_node_path, set_value, split_path

KINDS = ("choice", "uniform", "log_uniform", "int")
GRID_LIMIT = 10_000


class SpaceError(ProjectError):
    pass


def load_space(path: str | Path) -> dict:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpaceError(f"No search space file at {path}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SpaceError(f"{path.name} cannot be read as JSON: {err}.") from None
    return doc


def check_space(space, project) -> dict:
    """The space, checked against `project`: each key names an existing setting and each range
    is well-formed, and the low end of each range is a value the project accepts."""
    if not isinstance(space, dict) or not space:
        raise SpaceError('The search space must be a JSON object such as {"training.optimizer.lr": '
                         '{"log_uniform": [0.0001, 0.1]}}, with at least one entry.')
    for key, spec in space.items():
        where = f'Search space "{key}"'
        try:
            kind, _ = split_path(key)
            if kind == "node":
                check_node_path(project, key)
        except ValueError as err:
            raise SpaceError(str(err), field=key) from None
        if not isinstance(spec, dict) or len(set(spec) & set(KINDS)) != 1:
            raise SpaceError(f"{where} must be one of {{\"choice\": [...]}}, {{\"uniform\": [lo, hi]}}, "
                             f'{{"log_uniform": [lo, hi]}} or {{"int": [lo, hi]}}.', field=key)
        (what,) = set(spec) & set(KINDS)
        extra = set(spec) - {what} - ({"step"} if what == "int" else set())
        if extra:
            raise SpaceError(f"{where} has unknown field(s) {', '.join(sorted(extra))}.", field=key)
        values = spec[what]
        if what == "choice":
            if not isinstance(values, list) or not values or not all(
                    v is None or isinstance(v, (bool, int, float, str)) for v in values):
                raise SpaceError(f"{where}: choice needs a non-empty list of numbers, strings or "
                                 "booleans.", field=key)
        else:
            if not (isinstance(values, list) and len(values) == 2 and all(map(finite_number, values))
                    and values[0] < values[1]):
                raise SpaceError(f"{where}: {what} needs [low, high] with low < high, got "
                                 f"{values!r}.", field=key)
            if what == "log_uniform" and values[0] <= 0:
                raise SpaceError(f"{where}: log_uniform needs a low end above 0.", field=key)
            if what == "int" and not all(float(v).is_integer() for v in values):
                raise SpaceError(f"{where}: int needs whole numbers, got {values!r}.", field=key)
            step = spec.get("step", 1)
            if what == "int" and (not isinstance(step, int) or isinstance(step, bool) or step < 1):
                raise SpaceError(f"{where}: step must be a whole number of at least 1.", field=key)
        first = values[0] if what != "int" else int(values[0])
        check_values(project, {key: first})
    return space


def check_values(project, values: dict):
    """A copy of `project` with `values` written in; SpaceError naming the key that does not fit."""
    from ..train import TrainError, TrainSettings

    project = copy.deepcopy(project)
    for key, value in values.items():
        try:
            set_value(project, key, value)
        except (ValueError, ProjectError) as err:
            raise SpaceError(f'Search space "{key}": {getattr(err, "message", err)}', field=key) from None
    if any(k.startswith("training.") for k in values):
        try:
            TrainSettings.from_dict(project.training)
        except TrainError as err:
            raise SpaceError(f"Search space: {err.message}", field=err.field) from None
    return project


def suggest(trial, space: dict) -> dict:
    """The trial's values, drawn by its sampler."""
    out = {}
    for key, spec in space.items():
        if "choice" in spec:
            out[key] = trial.suggest_categorical(key, spec["choice"])
        elif "uniform" in spec:
            out[key] = trial.suggest_float(key, *spec["uniform"])
        elif "log_uniform" in spec:
            out[key] = trial.suggest_float(key, *spec["log_uniform"], log=True)
        else:
            lo, hi = (int(v) for v in spec["int"])
            out[key] = trial.suggest_int(key, lo, hi, step=spec.get("step", 1))
    return out


def grid_of(space: dict) -> dict:
    """Every value of each key, for Optuna's GridSampler; continuous ranges have no grid."""
    grid = {}
    for key, spec in space.items():
        if "choice" in spec:
            grid[key] = list(spec["choice"])
        elif "int" in spec:
            lo, hi = (int(v) for v in spec["int"])
            grid[key] = list(range(lo, hi + 1, spec.get("step", 1)))
        else:
            raise SpaceError(f'Grid search needs a list of values: "{key}" is a continuous range; '
                             'write it as {"choice": [...]} or use --sampler tpe or random.', field=key)
    size = math.prod(len(v) for v in grid.values())
    if size > GRID_LIMIT:
        raise SpaceError(f"The grid has {size:,} points; narrow the ranges (or add a step) to at "
                         f"most {GRID_LIMIT:,}, or use --sampler tpe.")
    return grid
