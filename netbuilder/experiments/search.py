"""Hyper-parameter search with Optuna: its sampler, pruner and storage; each trial a runtime run.

The study lives in an Optuna storage: by default an SQLite file in the project's runs folder
(`runs/search.db`), or any Optuna RDB URL (PostgreSQL, MySQL), so that processes on several
machines add trials to one study (Optuna's own mechanism). Running again with the same study
name resumes it. A trial reports its per-epoch metric to Optuna through a Reporter, and stops
after the current batch once the pruner says so."""

from __future__ import annotations

import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..metrics import HIGHER_IS_BETTER
from ..train import Reporter
from . import parallel
from .space import SpaceError, check_space, check_values, grid_of, suggest

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "none")
DB_NAME = "search.db"


class SearchCancelled(Exception):
    """The user cancelled: the running trial is recorded as failed, the study stops."""


@dataclass
class SearchConfig:
    """Everything a worker process needs to run trials (picklable)."""

    project_doc: dict
    base_dir: str
    space: dict
    storage: str
    study: str
    metric: str = "val_loss"
    sampler: str = "tpe"
    pruner: object = "median"  # a name in PRUNERS, or an optuna pruner object
    seed: int | None = None
    epochs: int | None = None

    @property
    def log_key(self) -> str:
        return self.metric if self.metric in ("val_loss", "train_loss") else f"val_{self.metric}"

    @property
    def direction(self) -> str:
        return "maximize" if self.metric.removeprefix("val_") in HIGHER_IS_BETTER else "minimize"


@dataclass
class SearchResult:
    study: str
    storage: str
    direction: str
    metric: str
    trials: list[dict] = field(default_factory=list)  # see trial_rows
    best: dict | None = None  # {"params", "value", "trial"}
    importances: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        counts: dict[str, int] = {}
        for t in self.trials:
            counts[t["state"]] = counts.get(t["state"], 0) + 1
        return {"trials": len(self.trials), "best": self.best, "study": self.study,
                "storage": self.storage, "metric": self.metric, "direction": self.direction,
                "states": counts}


# ----- storage -----------------------------------------------------------------------------------
def default_storage(project_path: str | Path | None) -> str:
    from .runs import runs_root

    root = runs_root(project_path) if project_path else Path.cwd() / "runs"
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(root / DB_NAME).resolve()}"


def default_study_name(project) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", project.name or "project").strip("-.") or "study"


def _sqlite_connection():
    """sqlite3 connections in write-ahead-log mode that sync at checkpoints, not at every
    commit: Optuna commits several times a trial (each suggest, report and the end), and a
    synced commit costs ~25 ms on a laptop disk, as much as a short trial's epoch. The file
    stays consistent after a crash (SQLite's guarantee in WAL mode); at worst the last
    commits before a power cut are lost. Processes on one machine still share the study."""
    import sqlite3

    class Connection(sqlite3.Connection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            try:
                self.execute("PRAGMA journal_mode=WAL")
                self.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.OperationalError:  # locked by another process: its own mode holds
                pass

    return Connection


def _storage(url: str):
    import optuna

    kwargs = ({"connect_args": {"timeout": 60, "factory": _sqlite_connection()}}
              if url.startswith("sqlite") else {})
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except Exception as err:  # noqa: BLE001 - SQLAlchemy's: a bad URL, no driver, no server
            # processes starting together on a new database race to create its tables: the
            # loser finds them made ("already exists") and opens it again
            if "already exists" in str(err) and attempt < 4:
                time.sleep(0.2 * (attempt + 1))
                continue
            raise SpaceError(f"Cannot open the study storage {url}: {type(err).__name__}: "
                             f"{str(err).splitlines()[0]}") from None


def open_study(cfg: SearchConfig, create: bool = True):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = _storage(cfg.storage)
    if cfg.sampler not in SAMPLERS:
        raise SpaceError(f'--sampler "{cfg.sampler}" is not one of {", ".join(SAMPLERS)}.')
    sampler = (optuna.samplers.GridSampler(grid_of(cfg.space), seed=cfg.seed) if cfg.sampler == "grid"
               else optuna.samplers.RandomSampler(seed=cfg.seed) if cfg.sampler == "random"
               else optuna.samplers.TPESampler(seed=cfg.seed))
    pruner = cfg.pruner
    if isinstance(pruner, str):
        if pruner not in PRUNERS:
            raise SpaceError(f'--pruner "{pruner}" is not one of {", ".join(PRUNERS)}.')
        pruner = (optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
                  if pruner == "median" else optuna.pruners.NopPruner())
    if not create:
        try:
            return optuna.load_study(study_name=cfg.study, storage=storage, sampler=sampler,
                                     pruner=pruner)
        except KeyError:
            raise SpaceError(f'The storage has no study "{cfg.study}".') from None
    try:
        return optuna.create_study(storage=storage, study_name=cfg.study, direction=cfg.direction,
                                   sampler=sampler, pruner=pruner, load_if_exists=True)
    except ValueError as err:  # e.g. the study exists with the other direction
        raise SpaceError(f'Study "{cfg.study}": {err}. Choose another --study name.') from None


# ----- one trial ---------------------------------------------------------------------------------
class TrialReporter(Reporter):
    """Reports each epoch's metric to the trial; asks the trainer to stop once pruned."""

    def __init__(self, trial, key: str):
        self.trial, self.key = trial, key
        self.pruned_at: int | None = None

    def on_epoch(self, epoch: int, logs: dict) -> None:
        value = logs.get(self.key)
        parallel.emit("epoch", self.trial.number, epoch,
                      {k: v for k, v in logs.items() if not isinstance(v, (dict, list))})
        if isinstance(value, float):
            self.trial.report(value, epoch)
            if self.trial.should_prune():
                self.pruned_at = epoch

    def should_stop(self) -> bool:
        return self.pruned_at is not None or parallel.cancelled()


WORKER = f"{socket.gethostname()}:{os.getpid()}"  # which process ran a trial (a shared study)
_bundles: dict = {}  # per process: the data of one data section, loaded once for every trial


def _bundle(project, base_dir: str):
    import json

    from ..session import load_project_data, loss_name

    key = json.dumps([project.data, loss_name(project.training), base_dir], sort_keys=True,
                     default=str)
    if key not in _bundles:
        _bundles.clear()
        _bundles[key] = load_project_data(project, base_dir)
    return _bundles[key]


def objective(cfg: SearchConfig, trial) -> float:
    import optuna

    from ..session import USER_ERRORS, Overrides, error_message, prepare
    from ..spec import parse_project
    from ..train import train

    values = suggest(trial, cfg.space)
    trial.set_user_attr("worker", WORKER)
    try:
        project = check_values(parse_project(cfg.project_doc), values)
        prepared = prepare(project, cfg.base_dir, Overrides(epochs=cfg.epochs),
                           bundle=_bundle(project, cfg.base_dir))
        reporter = TrialReporter(trial, cfg.log_key)
        parallel.emit("trial_start", trial.number, values, prepared.settings.epochs)
        result = train(prepared.model, prepared.bundle, prepared.settings, reporter=reporter)
    except USER_ERRORS as err:  # a bad combination (NaN loss at a huge lr...): this trial fails
        trial.set_user_attr("error", error_message(err))
        raise
    if reporter.pruned_at is not None:
        raise optuna.TrialPruned(f"pruned after epoch {reporter.pruned_at}")
    if parallel.cancelled():
        trial.set_user_attr("error", "cancelled")
        raise SearchCancelled()
    scores = [row[cfg.log_key] for row in result.history if isinstance(row.get(cfg.log_key), float)]
    if not scores:
        raise SpaceError(f'The runs report no "{cfg.log_key}": choose a --metric the task has.')
    return max(scores) if cfg.direction == "maximize" else min(scores)


def run_worker(cfg: SearchConfig, n_trials: int) -> int:
    """Add up to n_trials trials to the study (in a worker process or here)."""
    from ..session import USER_ERRORS

    study = open_study(cfg)

    def stop_when_cancelled(study, frozen) -> None:
        parallel.emit("trial", trial_row(frozen))
        if parallel.cancelled():
            study.stop()

    study.optimize(lambda t: objective(cfg, t), n_trials=n_trials,
                   catch=(*USER_ERRORS, SearchCancelled), callbacks=[stop_when_cancelled])
    return n_trials


# ----- the search --------------------------------------------------------------------------------
def search(project, base_dir: str | Path, space: dict, trials: int, *, project_path=None,
           storage: str | None = None, study: str | None = None, metric: str = "val_loss",
           sampler: str = "tpe", pruner="median", workers: int = 1, seed: int | None = None,
           epochs: int | None = None, on_event=None, should_stop=lambda: False) -> SearchResult:
    """Add `trials` trials to the study (0: only report it). Raises session.USER_ERRORS.

    on_event gets ("trial_start", number, values, epochs), ("epoch", number, epoch, logs),
    ("trial", row) as each trial ends and ("progress", done, total, eta_seconds)."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0:
        raise SpaceError(f"--trials must be a whole number of at least 0, got {trials!r}.")
    check_space(space, project)
    cfg = SearchConfig(project.to_dict(), str(base_dir), space,
                       storage or default_storage(project_path), study or default_study_name(project),
                       metric, sampler, pruner, seed, epochs)
    open_study(cfg)  # storage, sampler and direction problems, before any worker starts
    if trials:
        workers = max(1, min(workers or 1, trials))
        shares = [trials // workers + (i < trials % workers) for i in range(workers)]
        started, done = time.perf_counter(), [0]

        def relay(event: tuple) -> None:
            if on_event is None:
                return
            on_event(event)
            if event[0] == "trial":
                done[0] += 1
                on_event(("progress", done[0], trials,
                          parallel.eta_seconds(done[0], trials, time.perf_counter() - started)))

        parallel.run_tasks(run_worker, [(cfg, n) for n in shares], workers, relay, should_stop)
    return report(cfg)


def report(cfg: SearchConfig) -> SearchResult:
    import optuna

    study = open_study(cfg, create=False)
    frozen = study.get_trials(deepcopy=False)
    result = SearchResult(cfg.study, cfg.storage, study.direction.name.lower(), cfg.metric,
                          [trial_row(t) for t in frozen])
    complete = [t for t in frozen if t.state == optuna.trial.TrialState.COMPLETE]
    if complete:
        best = study.best_trial
        result.best = {"params": best.params, "value": best.value, "trial": best.number}
    if len(complete) >= 2 and len({tuple(sorted(t.params.items())) for t in complete}) >= 2:
        try:
            result.importances = dict(optuna.importance.get_param_importances(study))
        except (RuntimeError, ValueError):
            result.importances = {}  # too few distinct trials to tell
    return result


def trial_row(t) -> dict:
    """One trial as the table shows it: number, state, value, params, epochs, seconds."""
    took = ((t.datetime_complete - t.datetime_start).total_seconds()
            if t.datetime_complete and t.datetime_start else None)
    steps = sorted(t.intermediate_values)
    return {"trial": t.number, "state": t.state.name.lower(), "value": t.value,
            "params": dict(t.params), "epochs": steps[-1] if steps else 0,  # each epoch reports one step
            "intermediate": [t.intermediate_values[s] for s in steps],
            "seconds": took, "error": t.user_attrs.get("error", ""),
            "worker": t.user_attrs.get("worker", "")}


def apply_params(project, params: dict):
    """A copy of `project` with a trial's values written in (Apply best)."""
    return check_values(project, params)
