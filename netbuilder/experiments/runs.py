"""The runs index: every run folder of a project, read without changing it.

A run folder is what the runtime writes (state.json, project.json, history.csv, weights).
Names and notes the user gives a run live in one sidecar beside the folders (`labels.json` in
the runs folder), so a run's own files are never rewritten; only `delete_run` touches them, on
request. A folder that cannot be read (torn, hand-edited, hostile) is still listed, with
`problem` saying what is wrong with it."""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..fileio import write_atomic
from .paths import flat_settings

LABELS = "labels.json"
MAX_JSON_BYTES = 32 * 1024 * 1024  # a state.json beyond this is not one the runtime wrote
KEY_SETTINGS = ("training.optimizer.type", "training.optimizer.lr", "training.batch_size",
                "training.epochs", "training.loss")


def runs_root(project_path: str | Path) -> Path:
    """Where `netbuilder train` and the GUI put a project's runs (session.default_run_dir)."""
    return Path(project_path).resolve().parent / "runs"


@dataclass
class RunInfo:
    dir: str
    started: str | None = None  # ISO 8601, local time
    status: str = "unknown"  # done | stopped | failed | running | unreadable
    epochs: int = 0
    duration_s: float | None = None  # sum of the epochs' times
    metrics: dict = field(default_factory=dict)  # the best epoch's: train_loss, val_loss, accuracy...
    settings: dict = field(default_factory=dict)  # flat: "training.optimizer.lr", "fc1.out_features"
    name: str = ""  # the user's, from the sidecar
    note: str = ""
    best_epoch: int | None = None
    problem: str = ""  # why the folder could not be read fully

    @property
    def folder(self) -> str:
        return Path(self.dir).name

    @property
    def label(self) -> str:
        return self.name or self.folder

    def key_settings(self) -> dict:
        return {k: self.settings[k] for k in KEY_SETTINGS if k in self.settings}

    def to_json(self) -> dict:
        out = asdict(self)
        return {k: _finite(v) for k, v in out.items()}


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _read_json(path: Path):
    """The parsed file, or raise ValueError with a short reason."""
    if path.is_symlink():
        raise ValueError(f"{path.name} is a symbolic link")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{path.name} is {size // 2**20} MiB, too large for a run file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path.name} is not valid JSON ({err})") from None
    except RecursionError:
        raise ValueError(f"{path.name} is nested too deeply for a run file") from None


def is_run_folder(path: Path) -> bool:
    return (path.is_dir() and not path.is_symlink()
            and ((path / "state.json").is_file() or (path / "project.json").is_file()))


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _metrics_of(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        number = _number(value)
        if number is None or key in ("val_on_train",):
            continue
        if key in ("train_loss", "val_loss"):
            out[key] = number
        elif key.startswith("val_"):
            out[key.removeprefix("val_")] = number
    return out


def read_run(path: str | Path, labels: dict | None = None) -> RunInfo:
    """One folder's entry; never raises for what is inside the folder."""
    path = Path(path)
    info = RunInfo(dir=str(path))
    label = (labels or {}).get(path.name)
    if isinstance(label, dict):
        info.name = str(label.get("name") or "")
        info.note = str(label.get("note") or "")
    problems = []
    started = None
    try:
        project = _read_json(path / "project.json")
        if not isinstance(project, dict):
            raise TypeError("project.json is not an object")
        info.settings = flat_settings(project)
        started = (path / "project.json").stat().st_mtime  # written when the run starts
    except FileNotFoundError:
        problems.append("no project.json")
    except (OSError, ValueError, TypeError) as err:
        problems.append(str(err))
    try:
        state = _read_json(path / "state.json")
        if not isinstance(state, dict):
            raise TypeError("state.json is not an object")
        _fill_from_state(info, state)
        if started is None:
            started = (path / "state.json").stat().st_mtime
    except FileNotFoundError:
        problems.append("no state.json")
        info.status = "unreadable"
    except (OSError, ValueError, TypeError) as err:
        problems.append(str(err))
        info.status = "unreadable"
    if started is None:
        try:
            started = path.stat().st_mtime
        except OSError:
            pass
    if started is not None:
        info.started = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started))
    info.problem = "; ".join(problems)
    return info


def _fill_from_state(info: RunInfo, state: dict) -> None:
    status = state.get("status")
    info.status = status if isinstance(status, str) and status else "unknown"
    epoch = state.get("epoch")
    info.epochs = int(epoch) if isinstance(epoch, int) and not isinstance(epoch, bool) else 0
    history = history_of(state)
    times = [_number(row.get("epoch_time")) for row in history]
    info.duration_s = sum(t for t in times if t is not None) if history else None
    monitor = state.get("monitor") if isinstance(state.get("monitor"), dict) else {}
    best = monitor.get("best_epoch")
    row = next((r for r in history if r.get("epoch") == best), history[-1] if history else None)
    if row is not None:
        info.best_epoch = row.get("epoch") if isinstance(row.get("epoch"), int) else None
        info.metrics = _metrics_of(row)


def history_of(state: dict) -> list[dict]:
    history = state.get("history")
    return [row for row in history if isinstance(row, dict)] if isinstance(history, list) else []


def read_history(path: str | Path) -> list[dict]:
    """The per-epoch logs of a run (for overlaying curves); [] when unreadable."""
    try:
        state = _read_json(Path(path) / "state.json")
    except (OSError, ValueError):
        return []
    return history_of(state) if isinstance(state, dict) else []


def read_run_project(path: str | Path):
    """The Project a run was trained with (Restore this run's project). Raises ProjectError."""
    from ..errors import ProjectError
    from ..spec import load_project

    file = Path(path) / "project.json"
    if not file.is_file():
        raise ProjectError(f"{Path(path).name} has no project.json: the run's graph and settings "
                           "were not kept.")
    return load_project(file)


def run_project_name(path: str | Path) -> str | None:
    """The name in a run's project.json, or None where the run kept no readable one."""
    try:
        name = _read_json(Path(path) / "project.json").get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


# ----- the index ---------------------------------------------------------------------------------
def read_labels(root: Path) -> dict:
    try:
        labels = _read_json(Path(root) / LABELS)
    except (OSError, ValueError):
        return {}
    return labels if isinstance(labels, dict) else {}


def list_runs(root: str | Path) -> list[RunInfo]:
    """Every run folder directly under `root`, newest first; [] when there is none."""
    root = Path(root)
    if not root.is_dir():
        return []
    labels = read_labels(root)
    runs = [read_run(p, labels) for p in root.iterdir() if is_run_folder(p)]
    runs.sort(key=lambda r: (r.started or "", r.folder), reverse=True)
    return runs


def _set_label(run_dir: Path, key: str, value: str) -> None:
    run_dir = Path(run_dir)
    root = run_dir.parent
    labels = read_labels(root)
    entry = labels.get(run_dir.name) if isinstance(labels.get(run_dir.name), dict) else {}
    entry = {**entry, key: value}
    labels[run_dir.name] = {k: v for k, v in entry.items() if v}
    labels = {k: v for k, v in labels.items() if v and (root / k).is_dir()}  # forget deleted runs
    write_atomic(root / LABELS, json.dumps(labels, indent=1, ensure_ascii=False))


def rename_run(run_dir: str | Path, name: str) -> None:
    """Give a run a display name (its folder keeps its name)."""
    _set_label(Path(run_dir), "name", name.strip())


def set_note(run_dir: str | Path, note: str) -> None:
    _set_label(Path(run_dir), "note", note.strip())


def delete_run(run_dir: str | Path) -> None:
    """Remove a run folder. Refuses anything that is not a run folder (or is a link to one)."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink() or not is_run_folder(run_dir):
        raise ValueError(f"{run_dir} is not a run folder (no state.json or project.json); "
                         "nothing was deleted.")
    shutil.rmtree(run_dir)
    labels = read_labels(run_dir.parent)
    if labels.pop(run_dir.name, None) is not None:
        write_atomic(run_dir.parent / LABELS, json.dumps(labels, indent=1, ensure_ascii=False))


def settings_diff(a: RunInfo, b: RunInfo) -> list[tuple[str, object, object]]:
    """(setting, value in a, value in b) for every setting that differs, in a stable order."""
    keys = list(dict.fromkeys([*a.settings, *b.settings]))
    missing = object()
    rows = []
    for key in keys:
        va, vb = a.settings.get(key, missing), b.settings.get(key, missing)
        if va != vb:
            rows.append((key, None if va is missing else va, None if vb is missing else vb))
    return rows
