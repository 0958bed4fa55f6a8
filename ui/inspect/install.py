"""install(window): the inspect views in the main window.

A "Layer preview" dock under the Inspector (the selected node's output, edge tooltips), and the
bottom tabs "Decision map", "Filters", "Failures" and "Try it". A click on a cell of the
Evaluation tab's confusion matrix opens Failures on that cell's samples."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDockWidget

from .boundary_view import DecisionMap
from .controller import InspectController
from .failures_view import FailuresView
from .filters_view import FiltersView
from .preview_view import LayerPreview
from .tryit_view import TryItView


class InspectViews(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        training = window.training
        self.controller = c = InspectController(window.document, training, self)
        self.preview = LayerPreview(c, canvas=window.canvas)
        self.boundary = DecisionMap(c)
        self.filters = FiltersView(c)
        self.failures = FailuresView(c)
        self.tryit = TryItView(c)
        for view in (self.preview, self.boundary, self.filters, self.failures, self.tryit):
            c.add_view(view)
        dock = QDockWidget("Layer preview", window)
        dock.setObjectName("layer_preview")
        dock.setWidget(self.preview)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        window.addDockWidget(Qt.RightDockWidgetArea, dock)
        inspector = getattr(window, "inspector_dock", None)
        if inspector is not None:
            window.splitDockWidget(inspector, dock, Qt.Vertical)
        self.dock = dock
        window.add_bottom_tab(self.boundary, "Decision map")
        window.add_bottom_tab(self.filters, "Filters")
        window.add_bottom_tab(self.failures, "Failures")
        window.add_bottom_tab(self.tryit, "Try it")
        window.add_menu_action("View", dock.toggleViewAction())
        cm = training.evaluation.cm_plot
        cm.scene().sigMouseClicked.connect(self._cm_clicked)
        cm.setToolTip("Click a cell to see its samples in the Failures tab")

    @Slot(object)
    def _cm_clicked(self, event) -> None:
        cm = self.window.training.evaluation.cm_plot
        if not cm.sceneBoundingRect().contains(event.scenePos()):
            return
        point = cm.vb.mapSceneToView(event.scenePos())
        self.open_cell(math.floor(point.y()), math.floor(point.x()))

    def open_cell(self, true_class: int, predicted_class: int) -> bool:
        """Failures on the samples of one cell (row = true class, column = predicted)."""
        b = self.controller.bundle
        n = (b.num_classes or 2) if b is not None else 0
        if not (0 <= true_class < n and 0 <= predicted_class < n):
            return False
        self.failures.show_cell((true_class, predicted_class))
        tabs = getattr(self.window, "bottom_tabs", None)
        if tabs is not None:
            tabs.setCurrentWidget(self.failures)
        return True

    def shutdown(self) -> None:
        self.controller.shutdown()


def install(window) -> InspectViews:
    views = InspectViews(window)
    window.destroyed.connect(lambda *_: views.controller.engine.shutdown())  # no Qt object left to call
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(views.shutdown)
    return views
