"""Tabs above the canvas, one per network of the project (a GAN's Generator and Discriminator).

Clicking a tab shows that network on the canvas; the inspector, the code view and the problems
follow the document. A tab names the problems its network has, so a mismatch between two
networks shows on both. Hidden for a project with one network."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTabBar, QVBoxLayout, QWidget

from netbuilder.networks import class_name

from ..document import Document


class NetworkTabs(QTabBar):
    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.setObjectName("networkTabs")
        self.setDocumentMode(True)
        self.setExpanding(False)
        self.doc = document
        self._filling = False
        self.currentChanged.connect(self._chosen)
        document.loaded.connect(self.refill)
        document.analyzed.connect(self._label)
        document.network_changed.connect(self._show_current)
        self.refill()

    def names(self) -> list[str]:
        return [self.tabData(i) for i in range(self.count())]

    @Slot()
    def refill(self) -> None:
        self._filling = True
        try:
            while self.count():
                self.removeTab(0)
            for name in self.doc.project.networks:
                index = self.addTab(class_name(name))
                self.setTabData(index, name)
            self._show_current(self.doc.project.active)
        finally:
            self._filling = False
        self.setVisible(bool(self.doc.project.networks))
        self._label()

    @Slot()
    def _label(self) -> None:
        for i, name in enumerate(self.names()):
            analysis = self.doc.network_analyses.get(name)
            count = len(analysis.errors) if analysis is not None else 0
            self.setTabText(i, class_name(name) + (f"  ⚠ {count}" if count else ""))
            self.setTabToolTip(i, f"The {name} network" + (f": {count} problem{'s' * (count > 1)}" if count else ""))

    @Slot(str)
    def _show_current(self, name: str | None) -> None:
        if name in self.names():
            was, self._filling = self._filling, True
            self.setCurrentIndex(self.names().index(name))
            self._filling = was

    @Slot(int)
    def _chosen(self, index: int) -> None:
        if not self._filling and index >= 0:
            self.doc.show_network(self.tabData(index))


def with_network_tabs(document: Document, canvas: QWidget, parent=None) -> tuple[QWidget, NetworkTabs]:
    """The canvas with its network tabs above it, as the window's central widget."""
    box = QWidget(parent)
    tabs = NetworkTabs(document, box)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(tabs)
    layout.addWidget(canvas, 1)
    return box, tabs
