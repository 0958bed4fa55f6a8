"""Quick-add search (Tab or double-click on the canvas): type a few letters, Enter adds the layer there."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from netbuilder.layers.registry import LAYERS

from . import theme


def search_layers(text: str) -> list[str]:
    """Layer names matching the text: name prefix first, then name substring, then category/doc words."""
    q = text.strip().lower()
    if not q:
        return list(LAYERS)
    scored = []
    for name, t in LAYERS.items():
        n = name.lower()
        if n.startswith(q):
            scored.append((0, name))
        elif q in n:
            scored.append((1, name))
        elif q in t.category.lower() or q in t.doc.lower():
            scored.append((2, name))
    return [name for _, name in sorted(scored)]


class QuickAdd(QFrame):
    chosen = Signal(str)

    def __init__(self, parent):
        super().__init__(parent)
        t = theme.current()
        self.setObjectName("quickAdd")
        self.setStyleSheet(f"#quickAdd {{ background: {t.panel}; border: 1px solid {t.accent}; border-radius: 6px; }}")
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Add layer…")
        self.list = QListWidget(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.edit)
        lay.addWidget(self.list)
        self.resize(260, 300)
        self.edit.textChanged.connect(self._filter)
        self.edit.installEventFilter(self)
        self.list.itemActivated.connect(self._activate)
        self.hide()

    def popup(self, pos: QPoint) -> None:
        parent = self.parentWidget()
        x = min(max(pos.x(), 0), max(parent.width() - self.width(), 0))
        y = min(max(pos.y(), 0), max(parent.height() - self.height(), 0))
        self.move(x, y)
        self.edit.clear()
        self._filter("")
        self.show()
        self.raise_()
        self.edit.setFocus()

    @Slot(str)
    def _filter(self, text: str) -> None:
        self.list.clear()
        for name in search_layers(text):
            item = QListWidgetItem(f"{name}    ·  {LAYERS[name].category}")
            item.setData(Qt.UserRole, name)
            item.setToolTip(LAYERS[name].doc)
            self.list.addItem(item)
        self.list.setCurrentRow(0)

    @Slot(QListWidgetItem)
    def _activate(self, item) -> None:
        self.hide()
        self.chosen.emit(item.data(Qt.UserRole))
        self.parentWidget().setFocus()

    def eventFilter(self, obj, event):
        if event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Down, Qt.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key_Down else -1)
                self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                if self.list.currentItem():
                    self._activate(self.list.currentItem())
                return True
            if key == Qt.Key_Escape:
                self.hide()
                self.parentWidget().setFocus()
                return True
        return super().eventFilter(obj, event)
