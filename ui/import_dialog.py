"""File ▸ Import Model…: a .py nn.Module class or an .onnx file, with its weights, onto the canvas.

The same core call as `netbuilder import` (netbuilder.importers). Importing a Python file runs it,
so the first import from each file asks first, as a code editor asks before running a folder's code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from netbuilder.errors import ProjectError

from . import settings as app_settings

TRUSTED_KEY = "import/trusted_files"


def _browse_row(edit: QLineEdit, pick) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    button = QPushButton("Browse…")
    button.clicked.connect(pick)
    lay.addWidget(button)
    return row


class ImportDialog(QDialog):
    """Source, class, input shape and weights; OK imports and asks where to save the project."""

    def __init__(self, parent=None, source: str = "", on_import=None):
        super().__init__(parent)
        self.on_import = on_import  # called by Import; the dialog closes when it returns a path
        self.setWindowTitle("Import Model")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        intro = QLabel("Bring a PyTorch nn.Module class (.py) or an ONNX file (.onnx) onto the canvas as an "
                       "editable graph. Its weights are saved beside the project and used to start training.")
        intro.setWordWrap(True)
        intro.setObjectName("dim")
        lay.addWidget(intro)
        form = QFormLayout()
        self.source = QLineEdit(source)
        self.source.setPlaceholderText("model.py or model.onnx")
        form.addRow("Model file", _browse_row(self.source, self._pick_source))
        self.class_name = QLineEdit()
        self.class_name.setPlaceholderText("the only nn.Module class in the file")
        form.addRow("Class", self.class_name)
        self.input_shape = QLineEdit()
        self.input_shape.setPlaceholderText("one sample, no batch, e.g. 1, 28, 28")
        form.addRow("Input shape", self.input_shape)
        self.weights = QLineEdit()
        self.weights.setPlaceholderText("optional: .safetensors or torch.save(model.state_dict())")
        form.addRow("Weights", _browse_row(self.weights, self._pick_weights))
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def accept(self) -> None:
        if self.on_import is None or self.on_import(self) is not None:
            super().accept()

    def _pick_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import model", "", "Models (*.py *.onnx);;All files (*)")
        if path:
            self.source.setText(path)

    def _pick_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weights", "", "Weights (*.safetensors *.pt *.pth *.bin);;"
                                              "All files (*)")
        if path:
            self.weights.setText(path)

    def shape(self) -> tuple[int, ...] | None:
        """The typed shape, or None when empty; raises ValueError saying what is wrong."""
        text = self.input_shape.text().strip().strip("[]()")
        if not text:
            return None
        parts = [p for p in text.replace("x", ",").replace(" ", ",").split(",") if p]
        if not all(p.isdigit() and int(p) > 0 for p in parts):
            raise ValueError(f"Input shape {self.input_shape.text()!r} must be positive whole numbers, e.g. 1, 28, 28.")
        return tuple(int(p) for p in parts)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


def confirm_running(parent, source: Path) -> bool:
    """Ask once per file before its code runs; remember the answer."""
    if source.suffix.lower() != ".py":
        return True
    store = app_settings.settings()
    trusted = set(store.value(TRUSTED_KEY, []) or [])
    if str(source.resolve()) in trusted:
        return True
    answer = QMessageBox.question(
        parent, "Run this file's code?",
        f"Importing {source.name} runs the Python code in it, as “python {source.name}” would (its "
        "__main__ block excepted). Import only files you trust.\n\nRun it and import the model?",
        QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
    if answer != QMessageBox.Yes:
        return False
    store.setValue(TRUSTED_KEY, sorted(trusted | {str(source.resolve())}))
    return True


def run_import(window, dialog: ImportDialog) -> Path | None:
    """Import what the dialog names, ask where to save, save and open it. None when not done."""
    from netbuilder.importers import import_file, save_import

    source = Path(dialog.source.text().strip()).expanduser()
    try:
        shape = dialog.shape()
    except ValueError as exc:
        dialog.show_error(str(exc))
        return None
    if not source.is_file():
        dialog.show_error(f"No model file at {source}.")
        return None
    if not confirm_running(window, source):
        return None
    try:
        imported = import_file(source, dialog.class_name.text().strip() or None, shape,
                               dialog.weights.text().strip() or None)
    except ProjectError as exc:
        dialog.show_error(exc.message)
        return None
    except Exception as exc:  # noqa: BLE001 - the user's code may raise anything; the app stays up
        dialog.show_error(f"Import failed: {type(exc).__name__}: {exc}")
        return None
    suggested = str(source.with_name(f"{imported.project.name or source.stem}.json"))
    target, _ = QFileDialog.getSaveFileName(window, "Save imported project", suggested,
                                            "NetBuilder projects (*.json)")
    if not target:
        return None
    project_path, _ = save_import(imported, target)
    window.open_file(str(project_path))
    return project_path
