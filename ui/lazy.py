"""Build what is heavy when it is first needed, not at start-up.

The window must appear fast (issue 13): only what is on screen is built before the first paint.
Two helpers, for panels that follow the same rule:

- `LazyTabs.add(factory, title)`: a tab whose page `factory()` builds the first time the tab is
  chosen, or when `page(title)` asks for it (e.g. a menu action that shows the tab). Until then
  the tab holds an empty placeholder. Passing a widget instead of a factory adds it as is.
- `BuildOnShow(build)`: a placeholder inside a panel that builds its content (a plot) the first
  time it is shown; `content()` builds it at once for a caller that must draw into it.

Modules behind a factory import their heavy dependencies (pyqtgraph, the inspect and
experiment engines) when the factory runs: import them inside the factory, not at the top of a
module the window imports. tests/gui/test_startup_lazy.py checks the window's imports."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget


class _Placeholder(QWidget):
    def __init__(self, factory: Callable[[], QWidget]):
        super().__init__()
        self.factory = factory


class LazyTabs(QTabWidget):
    built = Signal(str, QWidget)  # title, the page just built

    def __init__(self, parent=None):
        super().__init__(parent)
        # connected first, so that every later currentChanged slot finds the built page
        self.currentChanged.connect(self._build_at)

    def add(self, widget_or_factory, title: str) -> int:
        if isinstance(widget_or_factory, QWidget):
            return self.addTab(widget_or_factory, title)
        index = self.addTab(_Placeholder(widget_or_factory), title)
        if self.currentIndex() == index:  # the first tab is shown at once
            self._build_at(index)
        return index

    def index_of_title(self, title: str) -> int:
        return next((i for i in range(self.count()) if self.tabText(i) == title), -1)

    def page(self, title: str) -> QWidget | None:
        """The page of the tab titled `title`, built now if it was not yet."""
        index = self.index_of_title(title)
        if index < 0:
            return None
        self._build_at(index)
        return self.widget(index)

    def is_built(self, title: str) -> bool:
        index = self.index_of_title(title)
        return index >= 0 and not isinstance(self.widget(index), _Placeholder)

    def _build_at(self, index: int) -> None:
        holder = self.widget(index)
        if not isinstance(holder, _Placeholder):
            return
        page = holder.factory()
        title, current = self.tabText(index), self.currentIndex()
        blocked = self.blockSignals(True)  # the swap is no change of tab
        try:
            self.removeTab(index)
            self.insertTab(index, page, title)
            self.setCurrentIndex(current)
        finally:
            self.blockSignals(blocked)
        holder.deleteLater()
        self.built.emit(title, page)


class BuildOnShow(QWidget):
    """A slot in a layout whose widget is built when first shown (or asked for)."""

    def __init__(self, build: Callable[[], QWidget], parent=None):
        super().__init__(parent)
        # A panel's own method is held weakly: panel -> slot -> method -> panel would be a
        # reference cycle, and the widgets of a cycle are deleted whenever Python's collector
        # runs, even in the middle of another widget's paint (pyqtgraph then crashes).
        self._build = weakref.WeakMethod(build) if inspect.ismethod(build) else lambda: build
        self._content = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        if self._content is None:
            self._content = self._build()()
            self.layout().addWidget(self._content)
        return self._content

    def showEvent(self, event) -> None:
        self.content()
        super().showEvent(event)
