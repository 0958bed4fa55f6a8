"""Files: save/close/reopen, corrupt files, crash recovery, clipboard, the screenshot command."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from netbuilder.spec import load_project
from ui import recovery

from .helpers import chain_project, click_node


def test_save_close_reopen_gives_same_document(make_window, tmp_path):
    w = make_window()
    w.canvas.add_node("Dropout", w.canvas.mapToScene(200, 200))
    path = tmp_path / "net.json"
    assert w._save_to(path)
    assert not w.document.dirty
    saved = w.document.project.to_dict()
    w.close()
    w2 = make_window(load_project(path), str(path))
    assert w2.document.project.to_dict() == saved
    assert w2.document.path == path


def test_corrupt_or_hostile_file_leaves_project_untouched(make_window, tmp_path, dialogs):
    w = make_window()
    before = w.document.project.to_dict()
    bad = tmp_path / "bad.json"
    for text in ("{not json", json.dumps({"format": "netbuilder-project", "graph": {
            "nodes": [{"id": "__import__('os')", "type": "Linear"}], "edges": []}}),
            json.dumps({"format": "other"})):
        bad.write_text(text)
        assert not w.open_file(str(bad))
        assert dialogs.shown[-1][0] == "warning" and "could not be opened" in dialogs.shown[-1][2]
    assert w.document.project.to_dict() == before


def test_unsaved_changes_prompt_can_cancel_close(make_window, dialogs):
    w = make_window()
    w.canvas.add_node("ReLU", w.canvas.mapToScene(100, 100))
    dialogs.answer = QMessageBox.Cancel
    assert not w.close()
    assert w.isVisible() and dialogs.shown[-1][1] == "Unsaved changes"


def test_crash_recovery_file_is_offered(make_window, dialogs):
    w = make_window()
    w.canvas.add_node("GELU", w.canvas.mapToScene(100, 100))
    assert w.recovery.autosave()
    expected = w.document.project.to_dict()
    other = make_window()  # a second window, still open: its work is not offered
    other.canvas.add_node("ReLU", other.canvas.mapToScene(100, 100))
    assert other.recovery.autosave()
    w.recovery.stop()  # simulate a crash: the window never closes cleanly, the file stays
    w.recovery.lock.unlock()  # and its process is gone
    w.document.undo_stack.setClean()
    pending = recovery.pending()
    assert pending is not None and pending.file == w.recovery.file
    assert pending.project.to_dict() == expected
    w2 = make_window()
    dialogs.answer = QMessageBox.Yes
    assert w2.offer_recovery(pending)
    assert dialogs.shown[-1][1] == "Recover unsaved work?"
    assert w2.document.project.to_dict() == expected and w2.document.dirty
    assert not pending.file.exists() and w2.recovery.file.is_file()  # the work is w2's now
    assert recovery.pending() is None and other.recovery.file.is_file()  # the open window's stays


def test_a_clean_close_leaves_no_recovery_file_and_no_lock(make_window, dialogs):
    w = make_window()
    w.canvas.add_node("GELU", w.canvas.mapToScene(100, 100))
    assert w.recovery.autosave()
    lock = w.recovery.file.with_suffix(".lock")
    assert lock.is_file()
    dialogs.answer = QMessageBox.Discard
    assert w.close()
    assert not w.recovery.file.exists() and not lock.exists()


def test_autosave_timer_writes_recovery_file(make_window, qtbot):
    w = make_window(autosave_ms=20)
    w.canvas.add_node("GELU", w.canvas.mapToScene(100, 100))
    qtbot.waitUntil(lambda: w.recovery.file.is_file(), timeout=2000)


def test_copy_paste_between_windows_is_one_step(make_window):
    a = make_window()
    click_node(a.canvas, "n1")
    QTest.mouseClick(a.canvas.viewport(), Qt.LeftButton, Qt.ControlModifier,
                     a.canvas.mapFromScene(a.canvas.net_scene.nodes["n2"].sceneBoundingRect().center()))
    assert set(a.document.selection) == {"n1", "n2"}
    a.copy()
    b = make_window(chain_project(("ReLU", {})))
    b.paste()
    assert len(b.document.project.nodes) == 5
    types = [n.type for n in b.document.project.nodes[-2:]]
    assert types == ["Conv2d", "Flatten"]
    assert b.document.undo_stack.count() == 1
    b.document.undo_stack.undo()
    assert len(b.document.project.nodes) == 3
    a.duplicate()
    assert len(a.document.project.nodes) == 7
    QApplication.clipboard().clear()


def test_screenshot_command(tmp_path):
    from ui.app import main

    out = tmp_path / "shot.png"
    assert main("netbuilder/resources/templates/lenet5.json", screenshot=str(out)) == 0
    assert out.stat().st_size > 10_000
