"""A project with its trained weights: what the CLI commands and the GUI's views look into."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..spec import Project, load_project
from .activations import InspectError


@dataclass
class Trained:
    project: Project
    model: torch.nn.Module  # eval mode, on the CPU
    base_dir: Path
    _bundle: object = field(default=None, repr=False)

    @property
    def bundle(self):
        """The project's data, loaded (and split, normalized) as training loads it."""
        if self._bundle is None:
            from ..session import load_project_data
            self._bundle = load_project_data(self.project, self.base_dir)
        return self._bundle

    def input_node(self):
        inputs = [n for n in self.project.nodes if n.type == "Input"]
        if len(inputs) != 1:
            raise InspectError(f"Inspecting needs a graph with one Input node; it has {len(inputs)}.")
        return inputs[0]

    def check_inputs(self, x: np.ndarray, what: str) -> torch.Tensor:
        """`x` as the model's input tensor [N, *Input.shape], or InspectError naming the file."""
        node = self.input_node()
        params = node.resolved()
        want = tuple(int(s) for s in params.get("shape") or ())
        if want and tuple(x.shape[1:]) != want:
            if tuple(x.shape) == want:
                x = x[None]  # one sample without its batch axis
            else:
                raise InspectError(f"{what} holds samples of shape {list(x.shape[1:])} (array "
                                   f"{list(x.shape)}) but Input '{node.id}' takes {list(want)}: "
                                   f"save an array [N, {', '.join(map(str, want))}].",
                                   node=node.id, field="shape")
        ints = params.get("dtype") == "int64"
        if ints and not np.issubdtype(x.dtype, np.integer):
            raise InspectError(f"{what} holds {x.dtype} values but Input '{node.id}' takes "
                               "int64 token ids.", node=node.id, field="dtype")
        return torch.from_numpy(np.ascontiguousarray(x.astype(np.int64 if ints else np.float32)))


def load_trained(project: str | Path | Project, weights: str | Path | None,
                 base_dir: str | Path | None = None) -> Trained:
    """Build the project's model and load `weights` (a .safetensors checkpoint keyed by node
    id). Raises InspectError / ProjectError / TrainError with a readable message."""
    from ..compiler import build_model
    from ..shapes import analyze
    from ..train.checkpoint import load_model

    if not isinstance(project, Project):
        path = Path(project)
        base_dir = base_dir or path.resolve().parent
        project = load_project(path)
    analysis = analyze(project)
    if analysis.errors:
        raise InspectError(f"The graph is not valid: {analysis.errors[0].message}",
                           node=analysis.errors[0].node)
    model = build_model(project, analysis)
    if weights is not None:
        weights = Path(weights)
        if not weights.is_file():
            raise InspectError(f"--weights {weights}: no such file.")
        if weights.suffix.lower() != ".safetensors":
            raise InspectError(f"--weights {weights}: weights are read from .safetensors files "
                               "only (a run folder's best.safetensors or last.safetensors).")
        load_model(weights, model)
    model.eval()
    return Trained(project, model, Path(base_dir or "."))


def load_array(path: str | Path) -> np.ndarray:
    """A .npy array (never pickled objects), or InspectError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InspectError(f"--data {path}: no such file.")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise InspectError(f"--data {path} is not a readable .npy array ({err}).") from None
