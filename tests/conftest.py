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


LIBRARY_THREADS = {"tqdm_monitor"}  # started once by tqdm (under Optuna), lives for the process


@pytest.fixture(autouse=True)
def _no_leaks(request):
    """Fail a test that leaves a thread running or a top-level widget open (only when Qt is in use)."""
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
    # any thread the test started and left running: a background task (ui/tasks.py) that was
    # never joined, or a QThread that ran Python code (it shows up as a dummy thread)
    threads += [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                and t.name not in LIBRARY_THREADS]
    for w in leaked:
        w.close()
        w.deleteLater()
    if leaked:
        pytest.fail(f"test left {len(leaked)} top-level widget(s) open: "
                    f"{[type(w).__name__ for w in leaked]}")
    if threads:
        pytest.fail(f"test left {len(threads)} thread(s) running: "
                    f"{sorted(getattr(t, 'name', None) or t.objectName() for t in threads)}")
