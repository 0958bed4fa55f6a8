"""Dialogs: the template gallery (New) and the keyboard-shortcut list (Help)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from netbuilder.templates import load_template, template_names

from . import theme
from .plain import escape

SHORTCUTS = [
    ("Ctrl+N", "New project (blank or from a template)"), ("Ctrl+O", "Open"), ("Ctrl+S", "Save"),
    ("Ctrl+Shift+S", "Save As"), ("Ctrl+Z", "Undo"), ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
    ("Ctrl+C / Ctrl+X / Ctrl+V", "Copy / cut / paste layers"), ("Ctrl+D", "Duplicate selection"),
    ("Ctrl+A", "Select all"), ("Del / Backspace", "Delete selection"), ("F", "Fit the graph in view"),
    ("Tab / double-click", "Quick-add a layer at the cursor"), ("Esc", "Clear selection / close quick-add"),
    ("Wheel", "Zoom around the cursor"), ("Middle drag / Space+drag", "Pan"),
    ("Drag output → input port", "Connect (onto an occupied port: replace)"),
    ("Drag from a connected input port", "Move or remove that edge"),
]


class TemplateGallery(QDialog):
    """Pick a blank project or a template; each shows its description and size."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.resize(720, 440)
        t = theme.current()
        self.list = QListWidget()
        self.list.setIconSize(QSize(8, 8))
        self.list.setSpacing(2)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.info.setMinimumWidth(320)
        self.info.setStyleSheet(f"padding: 12px; background: {t.base}; border-radius: 6px;")
        blank = QListWidgetItem("Blank project")
        blank.setData(Qt.UserRole, None)
        blank.setData(Qt.UserRole + 1, "An empty canvas with an Input and an Output node.")
        self.list.addItem(blank)
        for name in template_names():
            proj = load_template(name)  # shipped templates are checked by the tests
            item = QListWidgetItem(proj.name)
            item.setData(Qt.UserRole, name)
            item.setData(Qt.UserRole + 1, f"{escape(proj.description)}<br><br><span style='color:{t.dim_text}'>"
                                          f"{len(proj.nodes)} layers · template <code>{name}</code></span>")
            self.list.addItem(item)
        self.list.currentItemChanged.connect(lambda cur, prev: self.info.setText(
            f"<h3>{escape(cur.text())}</h3>{cur.data(Qt.UserRole + 1)}" if cur else ""))
        self.list.itemDoubleClicked.connect(lambda item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.info, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(buttons)
        self.list.setCurrentRow(0)

    def choice(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item else None


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td style='padding:3px 16px 3px 0'><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"
