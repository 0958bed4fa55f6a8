"""Help > About quotes the versions a bug report needs; File ends with Quit."""

from __future__ import annotations

import platform

import torch
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import netbuilder


def _action(window, menu: str, text: str) -> QAction:
    return next(a for a in window.menus[menu].actions() if a.text().replace("&", "") == text)


def test_about_shows_versions_and_copies_them(make_window, qtbot):
    w = make_window()
    seen = {}

    def inspect_dialog():
        dialog = QApplication.activeModalWidget()
        seen["text"] = dialog.text.toPlainText()
        dialog.grab().save("/tmp/shots/about.png")
        QTest.mouseClick(dialog.copy_button, Qt.LeftButton)
        seen["clipboard"] = QApplication.clipboard().text()
        dialog.reject()

    QTimer.singleShot(0, inspect_dialog)
    _action(w, "Help", "About NetBuilder").trigger()
    text = seen["text"]
    for line in (f"NetBuilder: {netbuilder.__version__}", f"Platform: {platform.platform()}",
                 f"Python: {platform.python_version()}", f"torch: {torch.__version__}", f"Qt: {qVersion()}"):
        assert line in text, text
    assert seen["clipboard"] == text
    QApplication.clipboard().clear()


def test_file_menu_ends_with_quit_after_export_and_later_additions(make_window):
    w = make_window()
    w.add_menu_action("File", QAction("Import Something…", w))
    names = [a.text().replace("&", "") for a in w.menus["File"].actions() if not a.isSeparator()]
    assert names[-1] == "Quit"
    assert names.index("Export…") < names.index("Quit") and names.index("Import Something…") < names.index("Quit")
    w.menus["File"].grab().save("/tmp/shots/file_menu.png")


def test_fit_keeps_the_resnets_node_labels_readable(make_window, qtbot):
    from netbuilder.templates import load_template
    from ui.canvas.view import FIT_MIN_ZOOM

    w = make_window(load_template("resnet"))
    w.canvas.fit_all()
    assert w.canvas.zoom() >= FIT_MIN_ZOOM
    first = w.canvas.net_scene.nodes[w.document.project.nodes[0].id]
    assert w.canvas.mapToScene(w.canvas.viewport().rect()).boundingRect().contains(first.sceneBoundingRect())
    assert ("✔ valid" in w.inspector.derived.text()) == ("valid" in w.valid_label.text())
    w.grab().save("/tmp/shots/resnet_fit.png")
