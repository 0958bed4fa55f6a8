"""Freezing from the window: the inspector's toggle, Edit ▸ Freeze Up to Here (one undo step), the lock."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from .helpers import chain_project, click_node


def test_freeze_up_to_here_freezes_the_selection_and_all_before_it_in_one_undo_step(make_window, qtbot):
    w = make_window(chain_project(("Conv2d", {"out_channels": 6, "kernel_size": 5}), ("ReLU", {}),
                                  ("Flatten", {}), ("Linear", {"out_features": 10})))
    click_node(w.canvas, "n2")
    action = next(a for a in w.menus["Edit"].actions() if a.text() == "&Freeze Up to Here")
    action.trigger()  # what choosing it in the Edit menu does
    frozen = [n.id for n in w.document.project.nodes if n.frozen]
    assert frozen == ["n1", "n2"]  # the Input holds nothing to freeze
    item = w.canvas.net_scene.nodes["n1"]
    assert item.frozen and "frozen" in item.params_text
    assert not w.canvas.net_scene.nodes["n4"].frozen
    assert "(156 frozen)" in w.params_label.text()
    w.grab().save("/tmp/transfer_freeze.png")
    w.document.undo_stack.undo()
    assert not any(n.frozen for n in w.document.project.nodes)
    assert not item.frozen


def test_the_inspector_toggle_freezes_one_layer_and_the_code_says_so(make_window, qtbot):
    w = make_window()
    click_node(w.canvas, "n1")
    box = w.inspector.frozen_box
    assert box is not None and not box.isChecked()
    QTest.mouseClick(box, Qt.LeftButton, Qt.NoModifier, QPoint(8, box.height() // 2))
    assert w.document.project.node("n1").frozen
    qtbot.waitUntil(lambda: "for layer in (self.n1,):" in w.code_view.text())
    w.document.undo_stack.undo()
    assert not w.document.project.node("n1").frozen and not box.isChecked()
