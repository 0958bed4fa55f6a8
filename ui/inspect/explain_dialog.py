"""Explain one row of a Predict result: the attribution view of the Failures tab (ExplainPanel),
over the weights the predictions were made with, in a window of its own.

The same computation as `netbuilder explain PROJECT --weights CKPT --data ROWS.csv --sample I`:
the row encoded by the run's saved preprocessing, integrated gradients (or saliency,
occlusion) against the training split's average row, each column in its original units."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

from . import jobs
from .engine import InspectEngine
from .failures_view import ExplainPanel


class CheckpointModel(QObject):
    """What ExplainPanel asks of the window's InspectController (project, bundle, compute,
    result, failed), over one checkpoint instead of the window's current model."""

    result = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, project, state: dict, parent=None):
        super().__init__(parent)
        self.project, self.bundle = project, None
        self.engine = InspectEngine(self)
        self.engine.out.result.connect(self.result)
        self.engine.out.failed.connect(self.failed)
        self.engine.set_model(project, state)

    def compute(self, kind: str, fn, *args) -> None:
        self.engine.submit(kind, fn, *args)


class ExplainRowDialog(QDialog):
    explained = Signal()  # an attribution is shown (tests wait for it)

    def __init__(self, project, base_dir: Path, weights: str, header: list[str],
                 cells: list[str], row: int, prediction: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Explain row {row + 1}")
        self.resize(560, 520)
        from safetensors.torch import load_file

        from netbuilder.data.plan import PLAN_FILE, read_plan

        plan_file = Path(weights).resolve().parent / PLAN_FILE
        if plan_file.is_file():  # the data decided the Input's shape (as predict_file does)
            for node in project.nodes:
                if node.type == "Input" and "shape" not in node.params:
                    node.params["shape"] = list(read_plan(plan_file)["input_shape"])
        self.model = CheckpointModel(project, load_file(weights), self)
        self.panel = ExplainPanel(self.model)
        self.row, self.prediction = row, prediction
        self.panel.title.setText("Reading the row and the training data…")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.model.result.connect(self._result)
        self.model.failed.connect(self._failed)
        self.model.compute("row", jobs.explain_row_inputs, project, str(base_dir), weights,
                           header, cells)

    @Slot(str, object)
    def _result(self, kind, value) -> None:
        if kind == "row":
            self.model.bundle, sample = value
            said = f", predicted <b>{self.prediction}</b>" if self.prediction else ""
            self.panel.explain(sample, f"Row {self.row + 1} of the predictions{said}")
        elif kind == self.panel.KIND:
            self.explained.emit()

    @Slot(str, str)
    def _failed(self, kind, message) -> None:
        if kind == "row":
            self.panel.title.setText(f"Could not read the row: {message}")

    def done(self, code: int) -> None:
        self.model.engine.shutdown()
        super().done(code)
