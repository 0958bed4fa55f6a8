"""The layer palette: types by category, a search box, one-line docs as tooltips, drag to the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QDrag, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from netbuilder.layers.registry import by_category

from . import theme
from .canvas.view import MIME_LAYER


def mime_for(type_name: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_LAYER, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


def _swatch(color: QColor) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(1, 1, 10, 10, 3, 3)
    p.end()
    return QIcon(pm)


class _Tree(QTreeWidget):
    def mimeTypes(self):
        return [MIME_LAYER]

    def mimeData(self, items):
        names = [i.data(0, Qt.UserRole) for i in items if i.data(0, Qt.UserRole)]
        return mime_for(names[0]) if names else QMimeData()

    def startDrag(self, actions):
        item = self.currentItem()
        if item is None or not item.data(0, Qt.UserRole):
            return
        drag = QDrag(self)
        drag.setMimeData(mime_for(item.data(0, Qt.UserRole)))
        drag.exec(Qt.CopyAction)


class Palette(QWidget):
    activated = Signal(str)  # double-click / Enter: add this layer at the view centre

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = _Tree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(12)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setRootIsDecorated(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addWidget(self.search)
        lay.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        dim = QBrush(QColor(theme.current().dim_text))
        for category, types in by_category().items():
            if not types:
                continue
            cat = QTreeWidgetItem(self.tree, [category.upper()])
            cat.setFlags(Qt.ItemIsEnabled)
            cat.setForeground(0, dim)
            f = cat.font(0)
            f.setPointSizeF(f.pointSizeF() * 0.85)
            f.setBold(True)
            cat.setFont(0, f)
            icon = _swatch(theme.category_color(category))
            for t in types:
                item = QTreeWidgetItem(cat, [t.name])
                item.setData(0, Qt.UserRole, t.name)
                item.setToolTip(0, f"<b>{t.name}</b><br>{t.doc}")
                item.setIcon(0, icon)
                self.items[t.name] = item
            cat.setExpanded(True)
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)

    @Slot(str)
    def filter(self, text: str) -> None:
        q = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            shown = 0
            for j in range(cat.childCount()):
                item = cat.child(j)
                name = item.data(0, Qt.UserRole)
                match = not q or q in name.lower() or q in item.toolTip(0).lower() or q in cat.text(0).lower()
                item.setHidden(not match)
                shown += match
            cat.setHidden(shown == 0)

    @Slot(QTreeWidgetItem, int)
    def _activated(self, item, column) -> None:
        name = item.data(0, Qt.UserRole)
        if name:
            self.activated.emit(name)
