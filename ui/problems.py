"""The problems list: the document's problems (the graph's and the data's); clicking one selects its node."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from . import theme
from .document import Document
from .plain import escape


class ProblemsList(QTreeWidget):
    node_activated = Signal(str)
    changed = Signal()

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.setHeaderLabels(["", "Node", "Problem"])
        self.setRootIsDecorated(False)
        self.setColumnWidth(0, 28)
        self.setColumnWidth(1, 120)
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        self.header().setStretchLastSection(True)
        document.problems_changed.connect(self._problems_changed)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self.clear()
        t = theme.current()
        for source, err in self.doc.problems.items():
            item = QTreeWidgetItem(self, ["⚠", err.node or source, err.message])
            item.setForeground(0, QBrush(QColor(t.error)))
            item.setToolTip(2, escape(err.message))
            item.setData(0, Qt.UserRole, err.node or (err.nodes[0] if err.nodes else None))
            item.setData(0, Qt.UserRole + 1, list(err.nodes))

    @Slot(str)
    def _problems_changed(self, source: str) -> None:
        self.refresh()
        self.changed.emit()

    def set_external(self, source: str, errors: list) -> None:
        """Problems from outside the graph (e.g. source "data"), listed after the graph's."""
        self.doc.problems.set(source, errors)

    @property
    def external(self) -> dict[str, list]:
        return self.doc.problems.external

    @property
    def count(self) -> int:
        return len(self.doc.problems)

    @Slot(QTreeWidgetItem, int)
    def _clicked(self, item, column=0) -> None:
        nodes = item.data(0, Qt.UserRole + 1) or []
        if nodes:
            self.doc.set_selection(list(nodes))
            self.node_activated.emit(item.data(0, Qt.UserRole) or nodes[0])
