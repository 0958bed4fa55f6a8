"""Run folder files, all written atomically (tmp + os.replace), no pickle anywhere.

best.safetensors / last.safetensors   model state_dict
optimizer.safetensors                 tensors of the optimizer/scheduler/scaler state
state.json                            status, epoch, best, history, non-tensor state
history.csv                           one row per epoch
project.json                          the project, when the caller passes it
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from ..fileio import write_atomic
from .errors import TrainError

TENSOR_TAG, FLOAT_TAG = "__tensor__", "__float__"


def save_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    # clone: safetensors refuses shared storage (tied weights) and non-contiguous views
    tensors = {k: v.detach().to("cpu", copy=True).contiguous() for k, v in tensors.items()}
    write_atomic(path, save(tensors))


def save_model(path: Path, model: torch.nn.Module) -> None:
    save_tensors(path, model.state_dict())


def load_model(path: Path, model: torch.nn.Module, device="cpu") -> None:
    """Raises TrainError naming the first differences when the weights do not fit `model`."""
    saved = load_file(str(path), device=str(device))
    differences = weight_differences(saved, model.state_dict())
    if differences:
        more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
        raise TrainError(f"The run's weights do not fit the current graph: "
                         f"{'; '.join(differences[:3])}{more}. Continue needs the graph the run "
                         "was trained with (its project.json is in the run folder).")
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
    out += [f"'{key}' is in the run but not in the graph now" for key in saved
            if key not in current]
    return out


def has_finished_epoch(run_dir: Path) -> bool:
    """A run folder that can be continued: an epoch's weights and the state that goes with them."""
    run_dir = Path(run_dir)
    return (run_dir / "state.json").is_file() and (run_dir / "last.safetensors").is_file()


def read_resume_state(run_dir: Path, epochs: int) -> dict:
    """The state.json of a run that can be continued up to `epochs` epochs, else TrainError."""
    run_dir = Path(run_dir)
    if not has_finished_epoch(run_dir):
        raise TrainError(f"{run_dir} is not a run folder with a finished epoch to resume from "
                         "(state.json and last.safetensors are needed).")
    try:
        state = read_json(run_dir / "state.json")
        done = int(state["epoch"])
    except (ValueError, KeyError, TypeError) as err:  # JSONDecodeError is a ValueError
        raise TrainError(f"{run_dir / 'state.json'} cannot be read ({err}): the run cannot be "
                         "continued.") from None
    if done >= epochs:
        trained = (f"{done} of {epochs} epochs" if done == epochs
                   else f"{done} epochs, more than Epochs ({epochs})")
        raise TrainError(f"The run already trained {trained}: raise Epochs (--epochs) above "
                         f"{done} to continue it.", field="epochs")
    return state


def split_tensors(obj, prefix: str, tensors: dict):
    """JSON-able copy of `obj` with tensors moved into `tensors` under dotted keys."""
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj
        return {TENSOR_TAG: prefix}
    if isinstance(obj, dict):
        return {str(k): split_tensors(v, f"{prefix}.{k}", tensors) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [split_tensors(v, f"{prefix}.{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, float) and not math.isfinite(obj):
        return {FLOAT_TAG: repr(obj)}  # inf/nan are not JSON
    return obj


def join_tensors(obj, tensors: dict, int_keys: bool = False):
    """Inverse of split_tensors. `int_keys`: dict keys that look like ints become ints
    (optimizer state is keyed by parameter index)."""
    if isinstance(obj, dict):
        if TENSOR_TAG in obj:
            return tensors[obj[TENSOR_TAG]]
        if FLOAT_TAG in obj:
            return float(obj[FLOAT_TAG])
        return {(int(k) if int_keys and k.lstrip("-").isdigit() else k):
                join_tensors(v, tensors, int_keys) for k, v in obj.items()}
    if isinstance(obj, list):
        return [join_tensors(v, tensors, int_keys) for v in obj]
    return obj


def json_safe(obj):
    """NaN/inf metric values become null: state.json stays strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


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
