"""k-fold cross-validation: each fold is a run of the runtime on its own train/validation rows.

Folds are stratified for classes (each fold keeps the class proportions), shuffled for other
tables, and time-ordered for windowed series (the built-in sine, a CSV with data.window),
where a shuffled fold would train on windows that overlap the validation rows or come after
them. A series' folds are scikit-learn's TimeSeriesSplit (forward chaining): the samples are
cut into k + 1 blocks in time order, fold i validates on block i + 1 and trains on everything
before it, less a gap of the window's length (plus horizon - 1), so no training window shares
a row with a validation window and nothing trains on the future. The data layer loads each fold
with its own rows, so normalization and the other fitted preprocessing see only the fold's
training rows. A fold's score is its final epoch on its held-out rows; early stopping is off
(it would choose the epoch by the held-out rows)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data import DataError
from ..train import Reporter
from . import parallel
from .runs import _metrics_of

SEQUENCE_LAYOUTS = ("sequence",)


@dataclass
class CVResult:
    folds: list[dict]  # {"fold", "metrics", "history", "n_train", "n_val", "status"}
    mean: dict
    std: dict
    strategy: str
    status: str = "done"  # or "stopped"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"folds": [{"fold": f["fold"], "metrics": f["metrics"], "status": f["status"],
                           "n_train": f["n_train"], "n_val": f["n_val"]} for f in self.folds],
                "mean": self.mean, "std": self.std, "strategy": self.strategy,
                "status": self.status, "notes": self.notes}


# ----- folds -------------------------------------------------------------------------------------
def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Each class's rows shuffled and dealt round-robin over the folds."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for cls in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == cls))
        for i, row in enumerate(rows):
            folds[(i + offset) % k].append(int(row))
        offset += len(rows)  # the next class starts where this one stopped: even fold sizes
    return [np.sort(np.array(f, dtype=np.int64)) for f in folds]


def shuffled_folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(order, k)]


def time_ordered_folds(n: int, k: int, gap: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Forward chaining, as sklearn.model_selection.TimeSeriesSplit(n_splits=k, gap=gap): k
    validation blocks of n // (k + 1) samples at the end, each trained on what precedes it
    minus `gap` samples."""
    size = n // (k + 1)
    first_train = n - k * size - gap
    if size < 1 or first_train < 1:
        raise DataError(f"The series has {n} windows: too few for {k} time-ordered folds (each "
                        f"trains on the windows before its block, {gap} apart so that none "
                        "shares a row with it). Lower --folds or use a longer series.")
    folds = []
    for i in range(k):
        start = n - (k - i) * size
        folds.append((np.arange(start - gap), np.arange(start, start + size)))
    return folds


def fold_plan(n: int, k: int, labels: np.ndarray | None, layout: str, seed: int,
              overlap: int = 0) -> tuple[list[tuple[np.ndarray, np.ndarray]], str]:
    """[(train_rows, val_rows)] per fold and the strategy's name.

    `overlap`: for sequences, how many neighbouring samples share rows with a sample (the
    window length plus horizon - 1): the gap between a fold's training and validation."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise DataError(f"--folds must be an integer of at least 2, got {k!r}.")
    if n < 2 * k:
        raise DataError(f"The data has {n} samples: too few for {k} folds (each fold needs at "
                        "least 2). Lower --folds.")
    if layout in SEQUENCE_LAYOUTS:
        return time_ordered_folds(n, k, max(0, overlap)), "time-ordered (forward chaining)"
    if labels is not None:
        smallest = int(np.bincount(labels).min(initial=0)) if labels.size else 0
        vals, strategy = stratified_folds(labels, k, seed), "stratified"
        if 0 < smallest < k:
            strategy += f" (a class has only {smallest} samples: some folds lack it)"
    else:
        vals, strategy = shuffled_folds(n, k, seed), "shuffled"
    plan = []
    for val in vals:
        keep = np.ones(n, dtype=bool)
        keep[val] = False
        plan.append((np.flatnonzero(keep), val))
    return plan, strategy


def _overlap(data: dict) -> int:
    """Samples that share rows with a neighbour: the window (plus horizon) of a series."""
    window = data.get("window", 32 if data.get("name") == "sine" else 0)
    horizon = data.get("horizon", 1)
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (window, horizon))
    return window + horizon - 1 if ok and window else 0


# ----- one fold ----------------------------------------------------------------------------------
class _FoldReporter(Reporter):
    def __init__(self, fold: int):
        self.fold = fold

    def on_epoch(self, epoch: int, logs: dict) -> None:
        parallel.emit("epoch", self.fold, epoch, _plain(logs))

    def should_stop(self) -> bool:
        return parallel.cancelled()


def _plain(logs: dict) -> dict:
    return {k: v for k, v in logs.items() if not isinstance(v, (dict, list))}


def _fold_project(project_doc: dict):
    from ..spec import parse_project

    project = parse_project(project_doc)
    training = dict(project.training or {})
    training.pop("early_stopping", None)
    project.training = training
    return project


def run_fold(project_doc: dict, base_dir: str, fold: int, train_rows, val_rows) -> dict:
    """Train one fold (in a worker process or here) and score its final epoch."""
    from ..data import load_data
    from ..session import loss_name, prepare
    from ..train import train

    project = _fold_project(project_doc)
    empty = np.zeros(0, dtype=np.int64)
    bundle = load_data(project.data, Path(base_dir), loss_name(project.training),
                       choose_indices=lambda n: (train_rows, val_rows, empty))
    prepared = prepare(project, base_dir, bundle=bundle)
    parallel.emit("start", fold, prepared.settings.epochs)
    result = train(prepared.model, bundle, prepared.settings, reporter=_FoldReporter(fold))
    history = [_plain(row) for row in result.history]
    return {"fold": fold, "metrics": _metrics_of(history[-1]) if history else {},
            "history": history, "n_train": len(train_rows), "n_val": len(val_rows),
            "status": result.status}


# ----- the whole run -----------------------------------------------------------------------------
def cross_validate(project, base_dir: str | Path, folds: int = 5, *, overrides=None,
                   workers: int | None = None, seed: int | None = None, on_event=None,
                   should_stop=lambda: False) -> CVResult:
    """k-fold cross-validation of `project` (a Project). Raises session.USER_ERRORS.

    on_event(event) gets ("start", fold, epochs), ("epoch", fold, epoch, logs) and
    ("progress", epochs_done, epochs_total, eta_seconds) in the calling thread."""
    from ..data import load_data
    from ..session import apply_overrides, loss_name, no_data_error, prepare

    project = apply_overrides(project, overrides)
    had_early_stopping = bool((project.training or {}).get("early_stopping"))
    project = _fold_project(project.to_dict())
    if not project.data:
        raise no_data_error()
    everything = load_data(project.data, Path(base_dir), loss_name(project.training),
                           choose_indices=lambda n: (np.arange(n), np.zeros(0, np.int64),
                                                     np.zeros(0, np.int64)))
    prepare(project, base_dir, bundle=everything)  # graph and data problems, before any fold
    y = everything.y_train
    labels = y.numpy().reshape(-1) if everything.task == "classification" else (
        y.numpy().reshape(-1).round().astype(np.int64)
        if everything.task == "binary" and y.ndim <= 2 and y.numel() == len(y) else None)
    split_seed = seed if seed is not None else (project.data.get("split") or {}).get("seed", 0)
    layout = everything.info.get("layout", "tabular")
    plan, strategy = fold_plan(len(y), folds, labels, layout, split_seed, _overlap(project.data))
    epochs = int((project.training or {}).get("epochs", 10))
    total = epochs * folds
    done: dict[int, int] = {}
    started = time.perf_counter()

    def relay(event: tuple) -> None:
        if event[0] == "epoch":
            done[event[1]] = event[2]
        if on_event is not None:
            on_event(event)
            if event[0] == "epoch":
                finished = sum(done.values())
                on_event(("progress", finished, total,
                          parallel.eta_seconds(finished, total, time.perf_counter() - started)))

    doc = project.to_dict()
    jobs = [(doc, str(base_dir), i + 1, tr, va) for i, (tr, va) in enumerate(plan)]
    n_workers = workers or parallel.default_workers(folds)
    results = parallel.run_tasks(run_fold, jobs, n_workers, relay, should_stop)
    notes = []
    if had_early_stopping:
        notes.append("Early stopping is off in cross-validation: it would pick each fold's "
                     "epoch by its held-out rows.")
    status = "stopped" if any(r["status"] != "done" for r in results) else "done"
    mean, std = summarize([r["metrics"] for r in results])
    return CVResult(results, mean, std, strategy, status, notes)


def summarize(fold_metrics: list[dict]) -> tuple[dict, dict]:
    """Mean and (population, like numpy's) standard deviation of each metric over the folds."""
    keys = list(dict.fromkeys(k for m in fold_metrics for k in m))
    mean, std = {}, {}
    for key in keys:
        values = [m[key] for m in fold_metrics if key in m and math.isfinite(m[key])]
        if values:
            mean[key] = float(np.mean(values))
            std[key] = float(np.std(values))
    return mean, std
