"""Project -> torch.nn.Module, by executing the generated source (trained code = exported code)."""

from __future__ import annotations

import linecache

import torch
from torch import nn

from .codegen import render_model
from .param_counts import project_params
from .shapes import Analysis, analyze
from .spec import Project


def load_source(source: str, filename: str = "<netbuilder model>") -> type[nn.Module]:
    """Execute generated model source and return its Model class (tracebacks show its lines)."""
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "netbuilder_generated"}
    exec(code, namespace)  # noqa: S102 - our own rendered source, built from validated values only
    return namespace["Model"]


def model_source(project: Project, analysis: Analysis | None = None) -> str:
    """The full source, with the parameter count in its docstring (counted per node on the meta device)."""
    if project.networks:
        return render_model(project)  # one count per network, in each class's docstring
    analysis = analysis or analyze(project)
    counts = project_params(project, analysis).values() if not analysis.errors else [None]
    total = None if None in counts else sum(counts)
    return render_model(project, analysis, param_count=total)


def build_model(project: Project, analysis: Analysis | None = None, device: str | torch.device | None = None
                ) -> nn.Module:
    """A fresh, randomly initialised module whose state_dict keys start with the node ids."""
    cls = load_source(model_source(project, analysis), f"<netbuilder model {project.name}>")
    if device is None:
        return cls()
    with torch.device(device):
        return cls()
