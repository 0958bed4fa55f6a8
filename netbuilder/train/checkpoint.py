"""The app's side of run folders: the runtime's transactional checkpoints
(netbuilder/runtime/checkpoint.py) plus the views people read, all written atomically.

RUN/checkpoint.json, RUN/epochs/NNNNNN/   the committed epoch (see the runtime's module)
RUN/best.safetensors, last.safetensors   the committed weights (links, published after a commit)
RUN/state.json                           status, epoch, history: a view, never read to resume
RUN/history.csv                          one row per epoch
RUN/project.json                         the project, when the caller passes it
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import torch

from ..fileio import write_atomic
from ..runtime.checkpoint import (  # noqa: F401 (re-exported for older callers)
    EPOCHS,
    CheckpointError,
    clean_leftovers,
    commit,
    folder_name,
    has_checkpoint,
    join_tensors,
    json_safe,
    publish,
    read_committed,
    split_tensors,
)
from ..runtime.safetensors_io import TensorFileError, read_tensors, tensor_bytes
from .errors import TrainError

STATUSES = ("running", "done", "stopped", "failed")


def save_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    write_atomic(path, tensor_bytes(tensors))


def save_model(path: Path, model: torch.nn.Module) -> None:
    save_tensors(path, model.state_dict())


def load_tensors_file(path: Path) -> dict:
    try:
        return read_tensors(Path(path).read_bytes(), str(path))
    except TensorFileError as err:
        raise TrainError(str(err)) from None


def check_fits(saved: dict, model: torch.nn.Module, what: str = "The run's weights") -> None:
    """Raises TrainError naming the first differences when the weights do not fit `model`."""
    differences = weight_differences(saved, model.state_dict())
    if differences:
        more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
        raise TrainError(f"{what} do not fit the current graph: "
                         f"{'; '.join(differences[:3])}{more}. Continue needs the graph the run "
                         "was trained with (its project.json is in the run folder).")


def load_model(path: Path, model: torch.nn.Module, device="cpu") -> None:
    saved = load_tensors_file(path)
    check_fits(saved, model)
    model.load_state_dict(saved)


def weight_differences(saved: dict, current: dict) -> list[str]:
    """What differs between a checkpoint's tensors and a model's state_dict, one line each.
    Keys are node ids plus the tensor's name, so each line names the node."""
    out = []
    for key, tensor in current.items():  # the model's order: first layers first
        if key not in saved:
            out.append(f"'{key}' is in the graph now but not in the run")
        elif tuple(saved[key].shape) != tuple(tensor.shape):
            out.append(f"'{key}' has shape {list(saved[key].shape)} in the run but "
                       f"{list(tensor.shape)} now")
        elif saved[key].dtype != tensor.dtype:
            out.append(f"'{key}' is {saved[key].dtype} in the run but {tensor.dtype} now")
    out += [f"'{key}' is in the run but not in the graph now" for key in sorted(saved)
            if key not in current]
    return out


def has_finished_epoch(run_dir: Path) -> bool:
    """A run folder that can be continued: a committed epoch."""
    return has_checkpoint(Path(run_dir))


def read_resume_state(run_dir: Path, epochs: int) -> dict:
    """The committed state of a run that can be continued up to `epochs` epochs, checked
    through and through; else TrainError naming the file and field. Reads only."""
    run_dir = Path(run_dir)
    if not has_finished_epoch(run_dir):
        old = (run_dir / "state.json").is_file() and (run_dir / "last.safetensors").is_file()
        raise TrainError(f"{run_dir} is not a run folder with a finished epoch to resume from "
                         + ("(it was saved by an older NetBuilder, without checkpoint.json)."
                            if old else "(checkpoint.json is missing)."))
    try:
        state = read_committed(run_dir)
    except CheckpointError as err:
        raise TrainError(f"The run cannot be continued: {err}") from None
    _check_view(run_dir, state["epoch"])
    done = state["epoch"]
    if done >= epochs:
        trained = (f"{done} of {epochs} epochs" if done == epochs
                   else f"{done} epochs, more than Epochs ({epochs})")
        raise TrainError(f"The run already trained {trained}: raise Epochs (--epochs) above "
                         f"{done} to continue it.", field="training.epochs")
    return state


def _check_view(run_dir: Path, committed: int) -> None:
    """state.json, the view, may lag one epoch behind the commit (a kill in between), never
    more, never ahead, and its status must be one we write."""
    path = run_dir / "state.json"
    if not path.is_file():
        return
    try:
        view = read_json(path)
    except (OSError, ValueError, RecursionError) as err:
        raise TrainError(f"{path} cannot be read ({err}): the run cannot be continued.") from None
    if not isinstance(view, dict):
        raise TrainError(f"{path} is not a JSON object: the run cannot be continued.")
    epoch, status = view.get("epoch"), view.get("status")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch not in (committed,
                                                                              committed - 1):
        raise TrainError(f"{path}: epoch is {epoch!r} but the committed checkpoint is epoch "
                         f"{committed}: the folder does not agree with itself.", field="epoch", path=str(path))
    if status not in STATUSES:
        raise TrainError(f"{path}: status {status!r} is not one of {', '.join(STATUSES)}.")


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(json_safe(obj), indent=1, allow_nan=False))


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_history_csv(path: Path, history: list[dict]) -> None:
    columns: list[str] = []
    for row in history:
        columns += [k for k, v in row.items() if k not in columns and not isinstance(v, dict)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(history)
    write_atomic(path, buf.getvalue())


def load_committed_tensors(state: dict, name: str) -> dict:
    """One tensor file of the committed epoch (hash checked); {} when the epoch has none."""
    from ..runtime.checkpoint import load_tensors

    return load_tensors(state, name)
