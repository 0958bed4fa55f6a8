"""Transfer learning in the window: Edit ▸ Freeze Up to Here / Unfreeze All (import comes with ui/import_dialog)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence

from netbuilder.freezing import freeze_up_to

from .commands import SetFrozen


class TransferActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.doc = window.document
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
