"""DataBundle: preloaded train/val/test tensors plus what the GUI and trainer need to know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..runtime.inputs import ScaleInputs
from . import normalize


def plan_target_scale(plan: dict | None) -> dict | None:
    """A fitted plan's {"shift", "scale"} per target column, or None where its target is taken
    as it is (a class, a run from before targets were scaled, data.scale_target false)."""
    target = (plan or {}).get("target") or {}
    if not target.get("scale"):
        return None
    return {"shift": list(target["shift"]), "scale": list(target["scale"])}


@dataclass
class DataBundle:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    task: str  # "classification" | "binary" | "regression"
    class_names: list[str] | None
    num_classes: int | None
    input_shape: tuple[int, ...]  # one sample, no batch dim
    target_shape: tuple[int, ...]  # one target, no batch dim ( () for class indices )
    feature_names: list[str] | None
    info: dict = field(default_factory=dict)
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None  # training batches only
    normalization: dict = field(default_factory=lambda: {"method": "none"})
    plan: dict | None = None  # a table's fitted preprocessing (plain JSON): predicts raw rows
    raw_preview: torch.Tensor | None = None  # the first training samples before normalization
    # target "input" from a source that names classes (the digits, image folders): each split's
    # class indices and their names, {"names": [...], "train": ..., "val": ..., "test": ...},
    # which colour an autoencoder's latent view; None otherwise
    labels: dict | None = None
    # how stored samples become model inputs, one batch at a time (image folders are kept as
    # uint8: {"divide": 255.0}); the runtime's config key "inputs", in the app and an export
    scale_inputs: dict | None = None

    @property
    def target_scale(self) -> dict | None:
        """{"shift", "scale"} per target column when training sees a regression target
        standardised by its training values (the plan's); None otherwise."""
        return plan_target_scale(self.plan)

    def original_units(self, t: torch.Tensor) -> torch.Tensor:
        """Model outputs or this bundle's targets in the target's own units."""
        from ..runtime.metrics import original_units

        return original_units(t, self.target_scale)

    def runtime_config(self) -> dict:
        """The runtime config keys the data decides, in the app and in an export: how stored
        samples become inputs ("inputs"), and the target's scaling ("target_scale")."""
        return {**({"inputs": self.scale_inputs} if self.scale_inputs else {}),
                **({"target_scale": self.target_scale} if self.target_scale else {})}

    def model_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Samples of this bundle as the model takes them (apply to batches, not whole splits:
        the point of uint8 storage is never to hold all of it as float)."""
        if not isinstance(x, torch.Tensor):  # a split on disk (DiskSamples): read it
            x = x[:]
        scale = ScaleInputs.from_dict(self.scale_inputs)
        return scale(x) if scale is not None else x

    def __len__(self) -> int:
        return len(self.x_train) + len(self.x_val) + len(self.x_test)

    def preview(self, n: int = 20) -> tuple[list[list[str]], list[str]]:
        """First `n` training rows as text, in original units, and the column names."""
        y = self.y_train[:n]
        table = self.info.get("preview")
        if table:  # a table: the cells as the file spells them, every column
            return [list(r) for r in table["rows"][:n]], list(table["columns"])
        x = self.raw_preview[:n] if self.raw_preview is not None else self.x_train[:n]
        if x.ndim == 2 and x.dtype.is_floating_point:
            values = x.numpy().astype(np.float64)
            if self.raw_preview is None:
                values = normalize.invert(values, self.normalization)
            names = list(self.feature_names or [f"x{i}" for i in range(x.shape[1])])
            rows = [[f"{v:.6g}" for v in row] for row in values]
        else:
            names = ["input"]
            rows = [[_describe(sample)] for sample in x]
        texts = [self._target_text(target) for target in y]
        target_cols = list(self.info.get("target_names") or ["target"])
        if texts and len(texts[0]) != len(target_cols):
            target_cols = ["target"] if len(texts[0]) == 1 else [
                f"target{i}" for i in range(len(texts[0]))]
        return [row + text for row, text in zip(rows, texts)], names + target_cols

    def _target_text(self, target: torch.Tensor) -> list[str]:
        if self.task == "classification":
            return [self.class_names[int(target)]]
        if self.task == "binary" and self.class_names and target.numel() == 1:
            return [self.class_names[int(target.item() > 0.5)]]
        if target.numel() > 8:
            return [_describe(target)]
        return [f"{v:.6g}" for v in target.reshape(-1).tolist()]


def _describe(t: torch.Tensor) -> str:
    shape = "x".join(str(s) for s in t.shape)
    if t.dtype.is_floating_point:
        return f"[{shape}] mean {t.float().mean():.3g}, min {t.min():.3g}, max {t.max():.3g}"
    return f"[{shape}] " + " ".join(str(v) for v in t.reshape(-1)[:16].tolist())
