"""Exports: a standalone PyTorch project (model.py, train.py, weights, data), ONNX, and torch.export.

    export_python(project, out_dir, weights=None, base_dir=None, force=False, progress=...)
    export_onnx(project, out_file, weights=None, force=False, progress=...)
    export_pt2(project, out_file, weights=None, force=False, progress=...)
    export(project, fmt, out, ...)  # one entry point for the CLI and the GUI

Each raises InvalidProject (naming the nodes at fault) or ExportError, and then writes nothing.
`progress(message, fraction)` is called from the exporting thread.
"""

from __future__ import annotations

from pathlib import Path

from ..spec import Project
from .common import ExportError, ExportResult, Progress, check_target, no_progress, with_data_shape
from .formats import export_onnx, export_pt2
from .python import export_python

FORMATS = ("python", "onnx", "pt2")
DEFAULT_NAMES = {"python": "", "onnx": "model.onnx", "pt2": "model.pt2"}


def export(project: Project, fmt: str, out: str | Path, weights=None, base_dir: str | Path | None = None,
           force: bool = False, progress: Progress = no_progress, network: str | None = None) -> ExportResult:
    """`network`: which network of a project with several the ONNX / .pt2 file holds (default:
    the one that makes samples); the Python bundle always holds them all."""
    if fmt == "python":
        return export_python(project, out, weights, base_dir, force, progress)
    if fmt in ("onnx", "pt2"):  # an Input left to the data takes its shape, as in training
        single = export_onnx if fmt == "onnx" else export_pt2
        check_target(Path(out), force, folder=False)  # a bad path costs no data load
        return single(with_data_shape(project, base_dir), out, weights, force, progress, network)
    raise ExportError(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.", field="format")


__all__ = ["DEFAULT_NAMES", "FORMATS", "ExportError", "ExportResult", "export", "export_onnx", "export_pt2",
           "export_python"]
