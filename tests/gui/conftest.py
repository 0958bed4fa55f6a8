from __future__ import annotations

import pytest

from .helpers import chain_project


class Dialogs:
    """Records message boxes instead of blocking on them; `answer` is what question() returns."""

    def __init__(self):
        self.shown: list[tuple[str, str, str]] = []
        self.answer = None

    def question(self, parent, title, text, *args, **kw):
        from PySide6.QtWidgets import QMessageBox
        self.shown.append(("question", title, text))
        return self.answer if self.answer is not None else QMessageBox.Discard

    def warning(self, parent, title, text, *args, **kw):
        from PySide6.QtWidgets import QMessageBox
        self.shown.append(("warning", title, text))
        return QMessageBox.Ok


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    d = Dialogs()
    monkeypatch.setattr(QMessageBox, "question", d.question)
    monkeypatch.setattr(QMessageBox, "warning", d.warning)
    return d


@pytest.fixture
def make_window(qtbot):
    from ui.main_window import MainWindow

    windows = []

    def make(project=None, path=None, **kw):
        w = MainWindow(project if project is not None else chain_project(
            ("Conv2d", {"out_channels": 6, "kernel_size": 5}), ("Flatten", {}), ("Linear", {"out_features": 10})),
            path, **kw)
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        qtbot.waitActive(w)
        w.canvas.resetTransform()
        w.canvas.centerOn(95, 300)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.document.undo_stack.setClean()
        w.document._restored = False
        w.recovery.stop()
        w.close()
        w.deleteLater()


@pytest.fixture
def themed(qapp):
    """The app's real style sheet, for tests that look at colours and for screenshots."""
    from ui import theme

    theme.apply(qapp, "dark")
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())
