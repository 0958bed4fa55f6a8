"""What every export needs: a checked project, the model with the chosen weights, safe writes."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..compiler import load_source, model_source
from ..errors import ProjectError
from ..fileio import naming_target
from ..shapes import Analysis, analyze
from ..spec import InvalidProject, Project

Progress = Callable[[str, float], None]  # (what is happening, fraction done 0..1)


class ExportError(ProjectError):
    """An export that could not be written; names the node (and op) at fault where there is one."""


@dataclass
class ExportResult:
    format: str
    path: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def no_progress(message: str, fraction: float) -> None:
    pass


def checked(project: Project) -> Analysis:
    """The project's analysis, or InvalidProject naming every node at fault (nothing is written)."""
    from ..session import graph_errors

    analysis = analyze(project)
    errors = graph_errors(project, analysis)  # every network's, in a project with several
    if errors:
        raise InvalidProject(errors)
    return analysis


def with_data_shape(project: Project, base_dir: str | Path | None) -> Project:
    """A copy of `project` whose Inputs that leave their shape to the data have the data's
    (session.with_data_defaults, as the Python export fills them): an ONNX or .pt2 file fixes
    every size but the batch. Data that cannot be loaded is an ExportError naming the Input."""
    from ..data import DataError
    from ..session import input_nodes, with_data_defaults
    from ..shapes import leaves_shape_to_data

    leaving = [n.id for n in input_nodes(project) if leaves_shape_to_data(n)]
    if not leaving or not project.data:  # no data bound: the Input's default shape (CONTRACT.md)
        return project
    try:
        return with_data_defaults(project, Path(base_dir) if base_dir is not None else Path.cwd())
    except DataError as exc:
        raise ExportError(f"Input '{leaving[0]}' leaves its shape to the data, which could not be "
                          f"loaded: {str(exc).rstrip('.')}. Fix the data or set the Input's shape, "
                          "then export again.", node=leaving[0], field="shape") from None


def read_weights(weights) -> dict[str, torch.Tensor] | None:
    """A state_dict from a .safetensors path, or the dict itself, or None."""
    if weights is None or isinstance(weights, dict):
        return weights
    path = Path(weights)
    if not path.is_file():
        raise ExportError(f"No weights file at {path}.", field="weights")
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file
        raise ExportError(f"Cannot read the weights in {path}: {exc}", field="weights") from None


def build(project: Project, analysis: Analysis, weights=None) -> tuple[torch.nn.Module, str]:
    """The Model (eval mode) from the generated source, with `weights` loaded; and that source."""
    source = model_source(project, analysis)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # an untrained export is still reproducible
        model = load_source(source, f"<model {project.name}>")()
    state = read_weights(weights)
    if state is not None:
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            raise ExportError(f"The weights do not fit this graph (was it edited after training?): "
                              f"{str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else exc}",
                              field="weights") from None
    return model.eval(), source


def check_target(path: Path, force: bool, folder: bool) -> None:
    """Refuse an existing output unless forced, and one that cannot be written at all: before
    any slow step (loading the data, tracing), so a bad path costs nothing."""
    if folder and path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file; the Python export writes a folder.", field="output")
    if not folder and path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name such as {path / 'model.onnx'}.", field="output")
    if path.exists() and not force and not (folder and not any(path.iterdir())):
        raise ExportError(f"{path} exists; pass --force (or confirm) to overwrite it.", field="output")
    check_writable(path)


def check_writable(path: Path) -> None:
    """The output is written through a temporary beside it: probe the nearest folder that exists
    (creating nothing on the way, so a refused export leaves no empty folders). OSError names
    `path` (or the file it would sit below), as the write itself would."""
    folder = Path(os.path.abspath(path)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    except OSError as exc:
        raise naming_target(exc, path) from None
    os.close(fd)
    os.unlink(probe)


@contextmanager
def staging(target: Path):
    """A temporary folder beside `target`; removed on exit (files are moved out of it on success)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    except OSError as exc:
        raise naming_target(exc, target) from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish_file(tmp_file: Path, target: Path) -> None:
    os.replace(tmp_file, target)
