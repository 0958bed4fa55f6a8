"""install(window): the inspect views in the main window.

A "Layer preview" dock under the Inspector (the selected node's output, edge tooltips), and the
bottom tabs "Decision map", "Filters", "Failures" and "Try it", each built when first shown
(ui/lazy.py). A click on a cell of the Evaluation tab's confusion matrix opens Failures on that
cell's samples."""

from __future__ import annotations

from importlib import import_module

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDockWidget

from .controller import InspectController
from .preview_view import LayerPreview

# each tab: its title, and the view class that fills it (module, name), imported when it is built
TABS = {"boundary": ("Decision map", ".boundary_view", "DecisionMap"),
        "filters": ("Filters", ".filters_view", "FiltersView"),
        "failures": ("Failures", ".failures_view", "FailuresView"),
        "tryit": ("Try it", ".tryit_view", "TryItView")}


def _tab(name: str) -> property:
    """The view of one tab, built on first use."""
    return property(lambda self: self.window.bottom_tab(TABS[name][0]))


class InspectViews(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        training = window.training
        self.controller = c = InspectController(window.document, training, self)
        self.preview = LayerPreview(c, canvas=window.canvas)
        c.add_view(self.preview)
        dock = QDockWidget("Layer preview", window)
        dock.setObjectName("layer_preview")
        dock.setWidget(self.preview)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        window.addDockWidget(Qt.RightDockWidgetArea, dock)
        inspector = getattr(window, "inspector_dock", None)
        if inspector is not None:
            window.splitDockWidget(inspector, dock, Qt.Vertical)
        self.dock = dock
        for name, (title, _, _) in TABS.items():
            window.add_bottom_tab(lambda name=name: self._build(name), title)
        window.add_menu_action("View", dock.toggleViewAction())
        training.confusion_cell_clicked.connect(self.open_cell)

    def _build(self, name: str):
        _, module, cls = TABS[name]
        view = getattr(import_module(module, __package__), cls)(self.controller)
        self.controller.add_view(view)
        return view

    boundary = _tab("boundary")
    filters = _tab("filters")
    failures = _tab("failures")
    tryit = _tab("tryit")

    @Slot(int, int)
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
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(views.shutdown)
    return views
