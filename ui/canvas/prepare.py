"""Idle-time preparation of what the canvas makes when it first paints something: the nodes' face
texts (elided to fit), which they paint from the text zoom on (node_item: lod 0.45), the edges'
curves and the minimap's dots.

Made at their first paint, those of the ~100 nodes that come into view together when a zoom
crosses that threshold cost ~10 ms of that one frame. After a load or an edit the view hands the
items to this, which prepares them from a zero timer in steps of a few milliseconds, so that events
are handled between steps and the first frame that shows texts costs what the next one does. The
first jump from the fitted overview to item zoom made ~180 curves and the minimap's pixmap (~7 ms at
5,000 nodes) in its frame. Whatever is still unprepared when it is painted makes its own, as before."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot

STEP_S = 0.004  # the longest a step keeps the GUI thread (checked after each node)


class IdlePreparer(QObject):
    finished = Signal()  # everything given to start() is prepared

    def __init__(self, parent=None):
        super().__init__(parent)
        self.step_s = STEP_S
        self.steps = 0  # timer steps the last preparation has taken
        self._todo: list = []  # objects with a prepare() (not bound methods: see NodeItem._face_texts)
        self._next = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def start(self, items) -> None:
        """Prepare these (node and edge items, the minimap) from the next idle turns on, instead of
        what was left."""
        self._todo, self._next, self.steps = list(items), 0, 0
        self._timer.start()

    def stop(self) -> None:
        """Drop what is left (the items are about to go, e.g. a load clears the scene)."""
        self._timer.stop()
        self._todo, self._next = [], 0

    def busy(self) -> bool:
        return self._timer.isActive()

    @Slot()
    def _step(self) -> None:
        self.steps += 1
        todo, i, n = self._todo, self._next, len(self._todo)
        deadline = time.perf_counter() + self.step_s
        while i < n:
            todo[i].prepare()
            i += 1
            if time.perf_counter() >= deadline:
                break
        self._next = i
        if i >= n:
            self.stop()
            self.finished.emit()
