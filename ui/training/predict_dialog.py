"""Predict: new raw rows in, a table of predictions (with class probabilities) out, saveable as
CSV; the table shows the predictions first. The same core call as `netbuilder predict`
(netbuilder.data.predict.predict_file), run in its own thread so a large file never freezes
the window."""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from netbuilder.experiments.runs import run_project_name
from ui.tasks import Tasks

from .threads import serial_torch

SHOWN_ROWS = 1000  # rows drawn in the table; the saved CSV holds all


def latest_checkpoint(project_dir: Path, project_name: str) -> Path | None:
    """The newest run's best weights beside the project (runs/<name>-<time>/best.safetensors),
    skipping runs of another project saved in the same folder (their project.json says so)."""
    found = sorted((project_dir / "runs").glob("*/best.safetensors"),
                   key=lambda p: p.stat().st_mtime)
    ours = [p for p in found if run_project_name(p.parent) in (None, project_name)]
    return ours[-1] if ours else None


class PredictDialog(QDialog):
    finished_predicting = Signal()

    def __init__(self, document, base_dir: Path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Predict new rows")
        self.resize(900, 520)
        self.document, self.base_dir = document, base_dir
        self.result = None
        self.predictor = Tasks(self, "Predicting", name="netbuilder-predict", prepare=serial_torch)
        self.predictor.finished.connect(self._done)
        self.predictor.failed.connect(self._failed)
        self.weights = QLineEdit(str(latest_checkpoint(base_dir, document.project.name) or ""))
        self.weights.setPlaceholderText("a run's best.safetensors")
        self.data = QLineEdit()
        self.data.setPlaceholderText("a CSV with the training columns (the target may be absent)")
        form = QFormLayout()
        for label, edit, title, pattern in (
                ("Weights", self.weights, "Trained weights", "Weights (*.safetensors)"),
                ("New rows", self.data, "Rows to predict", "Tables (*.csv *.tsv *.txt)")):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _=False, e=edit, t=title, p=pattern: self._browse(e, t, p))
            row.addWidget(browse)
            form.addRow(label, row)
        self.predict_button = QPushButton("Predict")
        self.predict_button.setDefault(True)
        self.predict_button.clicked.connect(self.predict)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.save_button = buttons.addButton("Save as CSV…", QDialogButtonBox.ActionRole)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save)
        self.explain_button = buttons.addButton("Explain row…", QDialogButtonBox.ActionRole)
        self.explain_button.setToolTip("Why the model predicted the selected row (ui/inspect)")
        self.explain_button.setEnabled(False)
        self.explain_button.clicked.connect(self.explain_selected)
        self.table.itemSelectionChanged.connect(
            lambda: self.explain_button.setEnabled(self.result is not None
                                                   and bool(self.table.selectedItems())))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.predict_button)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _browse(self, edit: QLineEdit, title: str, pattern: str) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, title, str(self.base_dir), pattern)
        if chosen:
            edit.setText(chosen)

    @Slot()
    def predict(self) -> None:
        from netbuilder.data.predict import predict_file

        if self.predictor.busy:
            return
        self.predict_button.setEnabled(False)
        self.status.setText("Predicting…")
        self.predictor.start(predict_file, copy.deepcopy(self.document.project), self.base_dir,
                             self.weights.text(), self.data.text())

    @Slot(object)
    def _done(self, result) -> None:
        self._show(result, "")

    @Slot(object)
    def _failed(self, failure) -> None:
        self._show(None, failure.message)

    def _show(self, result, error: str) -> None:
        self.predict_button.setEnabled(True)
        self.result = result
        self.save_button.setEnabled(result is not None)
        if result is None:
            self.status.setText(error)
            self.table.setRowCount(0)
        else:
            shown = min(len(result.rows), SHOWN_ROWS)
            more = f" (the first {shown} shown; Save as CSV keeps all)" if shown < len(result.rows) else ""
            self.status.setText("\n".join([f"{len(result.rows)} rows predicted{more}.",
                                           *result.notes]))
            self._fill(result, shown)
        self.finished_predicting.emit()

    def _fill(self, result, shown: int) -> None:
        header = result.columns + result.header  # the predictions first: no scrolling to them
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(shown)
        for r in range(shown):
            for c, text in enumerate(result.values[r] + list(result.rows[r])):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def explain_selected(self) -> None:
        from ui.inspect.explain_dialog import ExplainRowDialog

        row = self.table.currentRow()
        if self.result is None or not 0 <= row < len(self.result.rows):
            return
        predicted = self.result.values[row][0] if self.result.values[row] else ""
        self.explain_dialog = ExplainRowDialog(copy.deepcopy(self.document.project),
                                               self.base_dir, self.weights.text(),
                                               self.result.header, self.result.rows[row], row,
                                               predicted, self)
        self.explain_dialog.show()

    def _save(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save predictions",
                                                str(self.base_dir / "predictions.csv"),
                                                "CSV (*.csv)")
        if chosen and self.result is not None:
            try:
                self.result.save_csv(chosen)
                self.status.setText(f"Saved {len(self.result.rows)} rows to {chosen}.")
            except OSError as err:
                self.status.setText(f"{chosen} cannot be written: {err.strerror or err}.")

    def done(self, code: int) -> None:  # closing while predicting: join the task first
        self.predictor.join()
        super().done(code)
