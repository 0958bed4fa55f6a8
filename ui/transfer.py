"""Transfer learning in the window: File ▸ Import Model…, Train ▸ Start from Weights…, and
Edit ▸ Freeze Up to Here / Unfreeze All. Each is one call into the core (importers, weights, freezing)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from netbuilder.errors import ProjectError
from netbuilder.freezing import freeze_up_to

from .commands import SetFrozen
from .import_dialog import ImportDialog, run_import
from .training.commands import set_section


class TransferActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.doc = window.document
        self.import_action = self._action("File", "&Import Model…", self.import_model, "Ctrl+I",
                                          "A PyTorch nn.Module (.py) or an ONNX file as an editable graph")
        self.weights_action = self._action("Train", "Start from &Weights…", self.choose_weights, None,
                                           "Load pretrained weights into the graph before training")
        self.freeze_action = self._action("Edit", "&Freeze Up to Here", self.freeze_selection, "Ctrl+Shift+F",
                                          "Freeze the selected layers and every layer before them")
        self.unfreeze_action = self._action("Edit", "Unfreeze &All", self.unfreeze_all, None,
                                            "Train every layer again")

    def _action(self, menu: str, text: str, slot, shortcut, tip: str) -> QAction:
        a = QAction(text, self.window)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.window.add_menu_action(menu, a)
        self.window.addAction(a)
        return a

    # --- import --------------------------------------------------------------------------------
    @Slot()
    def import_model(self) -> None:
        if not self.window.maybe_save():
            return
        self.dialog = ImportDialog(self.window, on_import=lambda d: run_import(self.window, d))
        self.dialog.open()

    # --- weights -------------------------------------------------------------------------------
    @Slot()
    def choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Start from weights", str(self._base_dir()),
                                              "Weights (*.safetensors *.pt *.pth *.bin);;All files (*)")
        if path:
            self.use_weights(path)

    def _base_dir(self) -> Path:
        return self.doc.path.parent if self.doc.path else Path.cwd()

    def use_weights(self, path: str) -> bool:
        """Show the match report against the current graph; on OK, training starts from these weights."""
        from netbuilder.compiler import build_model
        from netbuilder.weights import match, read_weights

        try:
            report = match(build_model(self.doc.project, self.doc.analysis, device="meta").state_dict(),
                           read_weights(path))
        except ProjectError as exc:
            QMessageBox.warning(self.window, "Cannot use these weights", exc.message)
            return False
        lines = "\n".join(f"• {line}" for line in report.lines())
        if not report.loaded:
            QMessageBox.warning(self.window, "Cannot use these weights",
                                f"No tensor in {Path(path).name} fits the graph:\n\n{lines}")
            return False
        answer = QMessageBox.question(
            self.window, "Start from these weights?",
            f"{Path(path).name} against the graph:\n\n{lines}\n\nTrain from the {len(report.loaded)} tensors that "
            "fit (the rest keep their initial values)?", QMessageBox.Ok | QMessageBox.Cancel, QMessageBox.Ok)
        if answer != QMessageBox.Ok:
            return False
        rel = os.path.relpath(path, self._base_dir()) if self.doc.path else str(Path(path).resolve())
        training = dict(self.doc.project.training or {})
        training["init_weights"] = Path(rel).as_posix()
        set_section(self.doc, "training", training, "init_weights")
        self.window.show_message(f"Training starts from {Path(path).name} ({len(report.loaded)} tensors).")
        return True

    # --- freezing ------------------------------------------------------------------------------
    @Slot()
    def freeze_selection(self) -> None:
        if not self.doc.selection:
            self.window.show_message("Select the last layer to freeze first: it and all before it are frozen.")
            return
        changes = freeze_up_to(self.doc.project, self.doc.selection)
        if changes:
            self.doc.push(SetFrozen(self.doc, changes, f"Freeze up to {self.doc.selection[0]}"))
        self.window.show_message(f"Froze {len(changes)} layer{'s' * (len(changes) != 1)} up to "
                                 f"{', '.join(self.doc.selection)}.")

    @Slot()
    def unfreeze_all(self) -> None:
        changes = {n.id: False for n in self.doc.project.nodes if n.frozen}
        if changes:
            self.doc.push(SetFrozen(self.doc, changes, "Unfreeze all"))


def install(window) -> TransferActions:
    return TransferActions(window)
