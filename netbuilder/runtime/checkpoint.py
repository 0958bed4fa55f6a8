"""Transactional run folders: each epoch's whole state commits at one point.

    RUN/checkpoint.json          the pointer: the committed epoch, its folder, its state's hash
    RUN/epochs/NNNNNN/           one epoch's complete state, never changed once committed:
        model.safetensors        the weights at the end of the epoch
        best.safetensors         the best weights so far
        state.safetensors        optimizer, scheduler and scaler tensors, RNG states
        state.json               epoch, step, history, early stopping, the JSON side of the
                                 optimizer/scheduler state, and each file's size and sha256
    RUN/last.safetensors, best.safetensors, history.csv, state.json
                                 views for people and tools, published after the commit

A commit writes `epochs/NNNNNN.tmp/`, fsyncs it, renames it, then atomically replaces the
pointer. A kill or a full disk at any moment leaves the previous epoch or the new one, never a
mix. Reading checks that the pieces agree and refuses anything else, changing nothing."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from pathlib import Path

from .safetensors_io import TensorFileError, read_tensors, tensor_pieces

POINTER, EPOCHS = "checkpoint.json", "epochs"
POINTER_FORMAT, STATE_FORMAT = "netbuilder-checkpoint", "netbuilder-epoch"
TENSOR_TAG, FLOAT_TAG = "__tensor__", "__float__"


class CheckpointError(ValueError):
    """A run folder that cannot be continued; the message names the file and the field."""


# ----- writing --------------------------------------------------------------------------------
def write_file(path: Path, data) -> None:
    """Write and fsync one file (the unit a full disk is simulated at in the tests). `data`:
    bytes, or a list of bytes-like pieces written one after the other."""
    with open(path, "wb") as f:
        f.writelines([data] if isinstance(data, (bytes, bytearray, memoryview)) else data)
        f.flush()
        _sync(f.fileno())


def _sync(fd: int) -> None:
    """The data and what reading it back needs (its size), not the times: fdatasync."""
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open folders: its renames are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        write_file(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def folder_name(epoch: int) -> str:
    return f"{epoch:06d}"


def commit(run_dir: Path, epoch: int, tensors: dict[str, dict], state: dict,
           best_is_model: bool, metadata: dict[str, str] | None = None) -> Path:
    """Write epoch `epoch` (tensors: {"model": ..., "state": ..., "best": ... or absent}) and make
    it the committed one. A missing "best" is linked from the previous epoch's best.
    `metadata`: the weights files' (model, best) safetensors metadata (weights_meta)."""
    run_dir = Path(run_dir)
    epochs_dir = run_dir / EPOCHS
    epochs_dir.mkdir(parents=True, exist_ok=True)
    name = folder_name(epoch)
    tmp, final = epochs_dir / f"{name}.tmp", epochs_dir / name
    previous = committed_folder(run_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        files = {}
        for part in ("model", "state"):
            files[f"{part}.safetensors"] = _write(tmp / f"{part}.safetensors", tensor_pieces(
                tensors[part], metadata if part == "model" else None))
        best = tmp / "best.safetensors"
        if best_is_model:  # the same bytes: a link, and the same size and hash
            _link_or_copy(tmp / "model.safetensors", best)
            files["best.safetensors"] = files["model.safetensors"]
        elif "best" in tensors:
            files["best.safetensors"] = _write(best, tensor_pieces(tensors["best"], metadata))
        elif previous is not None and (previous / "best.safetensors").is_file():
            _link_or_copy(previous / "best.safetensors", best)  # unchanged: not written again
            files["best.safetensors"] = _described(previous, "best.safetensors") or _describe(
                [best.read_bytes()])
        text = json.dumps({"format": STATE_FORMAT, **json_safe(state), "epoch": epoch,
                           "files": files}, allow_nan=False).encode()
        write_file(tmp / "state.json", text)
        fsync_dir(tmp)
        if final.exists():  # an earlier attempt at this epoch that was never committed
            shutil.rmtree(final)
        os.replace(tmp, final)
        fsync_dir(epochs_dir)
        pointer = {"format": POINTER_FORMAT, "version": 1, "epoch": epoch,
                   "folder": f"{EPOCHS}/{name}", "state_sha256": hashlib.sha256(text).hexdigest()}
        replace_file(run_dir / POINTER, json.dumps(pointer).encode())  # the commit point
        fsync_dir(run_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in epochs_dir.iterdir():  # only the committed epoch is needed from now on
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _write(path: Path, pieces: list) -> dict:
    write_file(path, pieces)
    return _describe(pieces)


def _describe(pieces: list) -> dict:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
    return {"size": sum(len(memoryview(p)) for p in pieces), "sha256": digest.hexdigest()}


def _described(folder: Path, name: str) -> dict | None:
    """The size and hash a committed folder's state.json gives one of its files (a file linked
    into the next epoch unchanged is not read and hashed again; should it have changed since,
    reading the next epoch refuses it as it would this one)."""
    try:
        info = json.loads((folder / "state.json").read_bytes())["files"][name]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ok = isinstance(info, dict) and _natural(info.get("size")) and isinstance(info.get("sha256"), str)
    return {"size": info["size"], "sha256": info["sha256"]} if ok else None


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # the same bytes: no second write
    except OSError:
        shutil.copyfile(source, target)
        with open(target, "rb+") as f:
            _sync(f.fileno())


def publish(run_dir: Path, folder: Path) -> None:
    """The committed weights as last.safetensors and best.safetensors at the top of the run."""
    for source, view in (("model.safetensors", "last.safetensors"),
                         ("best.safetensors", "best.safetensors")):
        if (folder / source).is_file():
            tmp = Path(run_dir) / f"{view}.tmp"
            tmp.unlink(missing_ok=True)
            _link_or_copy(folder / source, tmp)
            os.replace(tmp, Path(run_dir) / view)


def clean_leftovers(run_dir: Path) -> list[str]:
    """Remove what an interrupted commit or save left behind; returns the names removed.
    Call only on a folder whose checkpoint was read and accepted."""
    run_dir, removed = Path(run_dir), []
    keep = committed_folder(run_dir)
    epochs_dir = run_dir / EPOCHS
    if epochs_dir.is_dir():
        for entry in epochs_dir.iterdir():
            if keep is None or entry.name != keep.name:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
                removed.append(f"{EPOCHS}/{entry.name}")
    for entry in run_dir.iterdir():
        if entry.is_file() and entry.name.endswith(".tmp"):
            entry.unlink()
            removed.append(entry.name)
    return removed


# ----- reading --------------------------------------------------------------------------------
def has_checkpoint(run_dir: Path) -> bool:
    return (Path(run_dir) / POINTER).is_file()


def committed_folder(run_dir: Path) -> Path | None:
    """The committed epoch's folder, or None (no pointer, or one that cannot be read)."""
    try:
        return Path(run_dir) / read_pointer(Path(run_dir))["folder"]
    except CheckpointError:
        return None


def read_pointer(run_dir: Path) -> dict:
    path = Path(run_dir) / POINTER
    if not path.is_file():
        raise CheckpointError(f"{run_dir} has no finished epoch to continue from ({POINTER} is "
                              "missing).")
    pointer = _json(path)
    if not isinstance(pointer, dict) or pointer.get("format") != POINTER_FORMAT:
        raise CheckpointError(f"{path} is not a NetBuilder checkpoint pointer (format).")
    epoch = pointer.get("epoch")
    if not _natural(epoch) or epoch < 1:
        raise CheckpointError(f"{path}: epoch must be a whole number >= 1, got {epoch!r}.")
    if pointer.get("folder") != f"{EPOCHS}/{folder_name(epoch)}":
        raise CheckpointError(f"{path}: folder {pointer.get('folder')!r} does not belong to "
                              f"epoch {epoch}.")
    if not isinstance(pointer.get("state_sha256"), str):
        raise CheckpointError(f"{path}: state_sha256 is missing.")
    return pointer


def read_committed(run_dir: Path) -> dict:
    """The committed epoch's state.json, checked: it belongs to the pointer, its files exist
    with the sizes and hashes it lists, and its values are in range. Adds "folder"."""
    run_dir = Path(run_dir)
    pointer = read_pointer(run_dir)
    folder = run_dir / pointer["folder"]
    path = folder / "state.json"
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CheckpointError(f"{path} cannot be read ({err.strerror or err}).") from None
    if hashlib.sha256(raw).hexdigest() != pointer["state_sha256"]:
        raise CheckpointError(f"{path} does not match {run_dir / POINTER} (state_sha256): the "
                              "folder was changed after its epoch was saved.")
    state = _loads(raw, path)
    check_state(state, path, pointer["epoch"])
    for name, info in state["files"].items():
        file = folder / name
        if not file.is_file():
            raise CheckpointError(f"{file} is missing (state.json lists it).")
        if file.stat().st_size != info["size"]:
            raise CheckpointError(f"{file} has {file.stat().st_size} bytes but state.json says "
                                  f"{info['size']} (files.{name}.size).")
    state["folder"] = str(folder)
    return state


def load_tensors(state: dict, name: str) -> dict:
    """One of the committed epoch's tensor files, its hash checked; {} when it is not there."""
    info = state["files"].get(name)
    if info is None:
        return {}
    path = Path(state["folder"]) / name
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != info["sha256"]:
        raise CheckpointError(f"{path} does not match state.json (files.{name}.sha256).")
    try:
        return read_tensors(raw, str(path))
    except TensorFileError as err:
        raise CheckpointError(str(err)) from None


def check_state(state, path: Path, epoch: int) -> None:
    """Refuse a state.json whose values lie: every field the runtime reads, checked."""
    def bad(field: str, why: str):
        raise CheckpointError(f"{path}: {field} {why}.")

    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        bad("format", f"is not {STATE_FORMAT!r}")
    if state.get("epoch") != epoch:
        bad("epoch", f"is {state.get('epoch')!r} but {POINTER} says {epoch}")
    step = state.get("step")
    if not _natural(step):
        bad("step", f"must be a whole number >= 0, got {step!r}")
    history = state.get("history")
    if not isinstance(history, list) or len(history) != epoch:
        bad("history", f"must list {epoch} epochs")
    last_step = 0
    for i, row in enumerate(history, 1):
        if not isinstance(row, dict) or row.get("epoch") != i:
            bad(f"history[{i - 1}].epoch", f"must be {i}")
        if not _natural(row.get("step", 0)) or not last_step <= row.get("step", 0) <= step:
            bad(f"history[{i - 1}].step", f"must be a step count up to {step}")
        last_step = row.get("step", 0)
    steps = state.get("steps", [])
    if not isinstance(steps, list) or not all(
            isinstance(r, list) and len(r) == 3 and _natural(r[0]) and all(_number(v) for v in r[1:])
            for r in steps):
        bad("steps", "must be [step, loss, lr] rows")
    monitor = state.get("monitor")
    if not isinstance(monitor, dict) or not isinstance(monitor.get("name"), str):
        bad("monitor", "must be an object with a name")
    best_epoch = monitor.get("best_epoch")
    if best_epoch is not None and (not _natural(best_epoch) or not 1 <= best_epoch <= epoch):
        bad("monitor.best_epoch", f"must be an epoch from 1 to {epoch}, got {best_epoch!r}")
    if not _natural(monitor.get("wait", 0)):
        bad("monitor.wait", f"must be a whole number >= 0, got {monitor.get('wait')!r}")
    for key in ("best", "ref"):
        if monitor.get(key) is not None and not _number(monitor[key]):
            bad(f"monitor.{key}", "must be a number")
    files = state.get("files")
    if not isinstance(files, dict) or not {"model.safetensors", "state.safetensors"} <= set(files):
        bad("files", "must list model.safetensors and state.safetensors")
    for name, info in files.items():
        if name not in ("model.safetensors", "state.safetensors", "best.safetensors"):
            bad(f"files.{name}", "is not a checkpoint file")
        if (not isinstance(info, dict) or not _natural(info.get("size"))
                or not isinstance(info.get("sha256"), str)):
            bad(f"files.{name}", "must give size and sha256")
    if not isinstance(state.get("optimizer"), dict):
        bad("optimizer", "must be an object")


def _natural(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or value is None


def _json(path: Path):
    try:
        return _loads(path.read_bytes(), path)
    except OSError as err:
        raise CheckpointError(f"{path} cannot be read ({err.strerror or err}).") from None


def _loads(raw: bytes, path: Path):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise CheckpointError(f"{path} is not valid JSON ({err}).") from None


# ----- JSON with tensors ----------------------------------------------------------------------
def split_tensors(obj, prefix: str, tensors: dict):
    """JSON-able copy of `obj` with tensors moved into `tensors` under dotted keys."""
    import torch

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
            if obj[TENSOR_TAG] not in tensors:
                raise CheckpointError(f"state.safetensors lacks the tensor {obj[TENSOR_TAG]!r}.")
            return tensors[obj[TENSOR_TAG]]
        if FLOAT_TAG in obj:
            return float(obj[FLOAT_TAG])
        return {(int(k) if int_keys and k.lstrip("-").isdigit() else k):
                join_tensors(v, tensors, int_keys) for k, v in obj.items()}
    if isinstance(obj, list):
        return [join_tensors(v, tensors, int_keys) for v in obj]
    return obj


def json_safe(obj):
    """NaN/inf metric values become null: state files stay strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj
