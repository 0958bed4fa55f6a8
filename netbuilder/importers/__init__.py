"""Bring an existing network onto the canvas: an nn.Module class from a .py file (torch.fx) or an
.onnx file, with its weights written as .safetensors keyed like the project.

    imported = import_file("model.py", class_name="Net", input_shape=(1, 28, 28), weights="net.pt")
    project_path, weights_path = save_import(imported, "net.json")

Importing a .py file runs it. A project file never carries code: only the layer declarations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..fileio import write_atomic
from ..spec import Project, save_project
from .builder import ImportRefused, check_project

__all__ = ["ImportRefused", "Imported", "import_file", "save_import"]

TOLERANCE = 1e-4  # the imported graph must compute what the source did (float32 round-off only, relative
# to the outputs' size: onnxruntime's kernels round differently from torch's)


@dataclass
class Imported:
    project: Project
    weights: dict[str, torch.Tensor]
    source: Path
    max_difference: float | None  # largest |imported - source| output on a random input (None: not run)
    had_weights: bool  # the source's weights were given (else they are the module's own initialisation)


def import_file(path: str | Path, class_name: str | None = None, input_shape=None,
                weights: str | Path | None = None) -> Imported:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        if class_name:
            raise ImportRefused("--class is for Python files; an .onnx file holds one graph.", field="class")
        from .onnx_graph import import_onnx

        builder, run_source, example = import_onnx(path, input_shape)
        had_weights = True
    elif suffix == ".py":
        from .torch_fx import import_module, instantiate, load_class

        model = instantiate(load_class(path, class_name))
        had_weights = weights is not None
        if weights is not None:
            _load_source_weights(model, weights)
        builder, example = import_module(model, input_shape)
        run_source = model
    else:
        raise ImportRefused(f"{path.name}: import reads a .py file (an nn.Module class) or an .onnx file.")
    what = f"{class_name or builder.name} from {path.name}" if suffix == ".py" else path.name
    project = builder.project(f"Imported {what}.", f"{path.stem}.safetensors" if had_weights else None)
    check_project(project, builder.weights)
    difference, scale = _difference(project, builder.weights, run_source, example) if run_source else (None, 1.0)
    if difference is not None and difference > TOLERANCE * max(1.0, scale):
        raise ImportRefused(f"The imported graph computes something else than {path.name} (outputs differ by "
                            f"{difference:.3g}); this is a NetBuilder bug, please report it with the file.")
    return Imported(project, builder.weights, path, difference, had_weights)


def _load_source_weights(model: torch.nn.Module, weights) -> None:
    """The source's own weights must fit it exactly: a mismatch means another model's file."""
    from ..weights import match, read_weights

    state = read_weights(weights)
    report = match(model.state_dict(), state)
    if not report.complete:
        raise ImportRefused(f"{Path(weights).name} does not fit {type(model).__name__}: "
                            + "; ".join(report.lines()[1:]) + ".", field="weights")
    model.load_state_dict({report.renamed.get(k, k): v for k, v in state.items()})


def _difference(project: Project, weights, run_source, example) -> tuple[float, float]:
    """The largest |imported - source| output, and the largest |source| output."""
    from ..compiler import build_model

    model = build_model(project).eval()
    model.load_state_dict(weights)
    with torch.no_grad():
        ours = model(example)
        theirs = run_source(example)
    ours = ours if isinstance(ours, (tuple, list)) else (ours,)
    theirs = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    return (max(float((a - b).abs().max()) for a, b in zip(ours, theirs)),
            max(float(b.abs().max()) for b in theirs))


def save_import(imported: Imported, out: str | Path) -> tuple[Path, Path]:
    """The project file and, beside it, `<project>.safetensors` (written atomically)."""
    from safetensors.torch import save

    out = Path(out)
    weights_path = out.with_suffix(".safetensors")
    if imported.project.training and imported.project.training.get("init_weights"):
        imported.project.training["init_weights"] = weights_path.name
    write_atomic(weights_path, save(imported.weights))
    save_project(imported.project, out)
    return out, weights_path
