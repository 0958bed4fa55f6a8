"""File ▸ Export: choose a format and a destination, confirm an overwrite, export off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from netbuilder.spec import Project

from .plain import escape, plain
from .tasks import Tasks

FORMATS = [("python", "PyTorch project folder (model.py, train.py, weights, data)"),
           ("onnx", "ONNX model (.onnx)"), ("pt2", "torch.export program (.pt2)")]


def _export(project: Project, fmt: str, out: Path, weights, base_dir, force: bool,
            network: str | None, *, state):
    """The export, in its task's thread."""
    from netbuilder.export import export

    return export(project, fmt, out, weights=weights, base_dir=base_dir, force=force,
                  progress=state.progress, network=network)


class ExportDialog(QDialog):
    """Export `project` (a snapshot is taken). `weights`: a .safetensors path or a state_dict, or None."""

    exported = Signal(object)  # ExportResult

    def __init__(self, project: Project, base_dir: str | Path | None = None, weights=None,
                 default_dir: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")
        self.project = project.copy()
        self.base_dir = Path(base_dir) if base_dir else None
        self.weights = weights
        self._default_dir = Path(default_dir or base_dir or Path.home())
        self.exporter = Tasks(self, "Export", name="netbuilder-export")
        self.exporter.progress.connect(self._on_progress)
        self.exporter.finished.connect(self._on_success)
        self.exporter.failed.connect(self._on_failure)
        self.exporter.ended.connect(self._on_ended)
        self.result = None

        self.format_box = QComboBox()
        for key, label in FORMATS:
            self.format_box.addItem(label, key)
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        trained = "trained weights included" if weights is not None else "not trained yet: no weights"
        self.weights_label = QLabel(trained)
        self.network_box = QComboBox()  # which network a single-file format holds (several networks)
        self.network_box.setObjectName("exportNetwork")
        for name in self.project.networks or ():
            self.network_box.addItem(name.capitalize(), name)
        self.network_box.setCurrentIndex(max(0, self.network_box.findData(self._default_network())))
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Network", self.network_box)
        form.addRow("Destination", path_row)
        form.addRow("Weights", self.weights_label)
        self.form = form
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.hide()
        self.status = plain(QLabel(""))
        self.status.setWordWrap(True)
        self.status.setObjectName("exportStatus")
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.format_box.currentIndexChanged.connect(self._suggest_path)
        self.network_box.currentIndexChanged.connect(self._suggest_path)
        self._suggest_path()
        self.resize(560, self.sizeHint().height())

    # --- choices ----------------------------------------------------------------------------------
    def fmt(self) -> str:
        return self.format_box.currentData()

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def network(self) -> str | None:
        """The network an ONNX / .pt2 file holds (None: the project has one, or the format is
        the folder, which holds them all)."""
        return self.network_box.currentData() if self._chooses_network() else None

    def set_network(self, name: str) -> None:
        self.network_box.setCurrentIndex(self.network_box.findData(name))

    def _chooses_network(self) -> bool:
        return len(self.project.networks or ()) > 1 and self.fmt() != "python"

    def _default_network(self) -> str | None:
        """What the CLI exports without --network: the sampler (a GAN's generator, a VAE's decoder)."""
        from netbuilder.networks import roles

        r = roles(self.project) if self.project.networks else None
        return r.sampler if r else self.project.active

    def _slug(self) -> str:
        slug = "".join(c if c.isalnum() else "_" for c in self.project.name.lower()).strip("_")
        if self._chooses_network():
            slug = f"{slug}_{self.network()}".strip("_")
        return slug or "model"

    @Slot()
    def _suggest_path(self) -> None:
        self.form.setRowVisible(self.network_box, self._chooses_network())
        current = Path(self.path_edit.text()) if self.path_edit.text() else None
        folder = (current.parent if current is not None else self._default_dir)
        name = {"python": self._slug(), "onnx": f"{self._slug()}.onnx", "pt2": f"{self._slug()}.pt2"}[self.fmt()]
        self.path_edit.setText(str(folder / name))

    @Slot()
    def browse(self) -> None:
        if self.fmt() == "python":
            path = QFileDialog.getExistingDirectory(self, "Export folder", str(self._default_dir))
        else:
            ext = self.fmt()
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), f"*.{ext}")
        if path:
            self.path_edit.setText(path)

    def confirm_overwrite(self, path: Path) -> bool:
        """Ask before replacing an existing output (tests replace this method)."""
        answer = QMessageBox.question(self, "Overwrite?", escape(f"{path} already exists. Overwrite it?"),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- running ----------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.exporter.busy

    @Slot()
    def start(self) -> None:
        if self.busy():
            return
        text = self.path_edit.text().strip()
        if not text:
            self._show_error("Choose where to export.")
            return
        out = Path(text).expanduser()
        force = False
        exists = out.exists() and not (out.is_dir() and self.fmt() == "python" and not any(out.iterdir()))
        if exists:
            if not self.confirm_overwrite(out):
                self.status.setText("Not exported: the destination exists.")
                return
            force = True
        self.result = None
        self._set_running(True)
        self.exporter.start(_export, self.project, self.fmt(), out, self.weights, self.base_dir,
                            force, self.network())

    def _set_running(self, running: bool) -> None:
        for w in (self.export_button, self.format_box, self.network_box, self.path_edit, self.browse_button,
                  self.close_button):
            w.setEnabled(not running)
        self.progress_bar.setVisible(running)
        if running:
            self.progress_bar.setValue(0)
            self.status.setStyleSheet("")
            self.status.setText("Exporting…")

    @Slot(str, float)
    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress_bar.setValue(int(fraction * 100))
        self.status.setText(message + "…" if fraction < 1 else message)

    @Slot(object)
    def _on_success(self, result) -> None:
        self.result = result
        names = ", ".join(f.name for f in result.files)
        text = f"Exported to {result.path}" + (f" ({names})" if result.format == "python" else "")
        if result.warnings:
            text += "\n" + "\n".join(f"Note: {w}" for w in result.warnings)
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.exported.emit(result)

    @Slot(object)
    def _on_failure(self, failure) -> None:
        self._show_error(failure.message)  # each problem of an invalid project on its line (ui/errors.py)

    def _show_error(self, message: str) -> None:
        self.status.setStyleSheet("color: #e06c75;")
        self.status.setText(message)

    @Slot()
    def _on_ended(self) -> None:
        self._set_running(False)
        self.progress_bar.hide()

    def reject(self) -> None:
        if self.busy():  # an export cannot be interrupted half-way; it finishes in seconds
            return
        super().reject()

    def closeEvent(self, event):
        if self.busy():
            event.ignore()
            return
        super().closeEvent(event)
