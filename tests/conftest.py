"""Shared test setup: offscreen Qt, settings and recovery files in a temp folder, no leaked threads/windows."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path, monkeypatch):
    """QSettings and the autosave/recovery folder go to a per-test temp dir, never the user's."""
    monkeypatch.setenv("NETBUILDER_CONFIG_DIR", str(tmp_path / "config"))
    yield


@pytest.fixture(autouse=True)
def _no_leaks(request):
    """Fail a test that leaves a QThread running or a top-level widget open (only when Qt is in use)."""
    import sys

    if "PySide6.QtWidgets" not in sys.modules and "pytestqt" not in sys.modules:
        yield
        return
    import threading

    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    before = set(map(id, app.topLevelWidgets())) if app else set()
    threads_before = set(threading.enumerate())
    yield
    app = QApplication.instance()
    if app is None:
        return
    app.processEvents()
    leaked = [w for w in app.topLevelWidgets() if id(w) not in before and w.isVisible()]
    threads = [t for t in app.findChildren(QThread) if t.isRunning()]
    # QThreads that ran Python code show up in threading as dummy threads
    threads += [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                and isinstance(t, threading._DummyThread)]
    for w in leaked:
        w.close()
        w.deleteLater()
    if leaked:
        pytest.fail(f"test left {len(leaked)} top-level widget(s) open: "
                    f"{[type(w).__name__ for w in leaked]}")
    if threads:
        pytest.fail(f"test left {len(threads)} QThread(s) running")
