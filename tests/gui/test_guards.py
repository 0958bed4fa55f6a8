"""Guards: the core never imports Qt; the PySide6 6.12 refcount bug is not present."""

from __future__ import annotations

import subprocess
import sys


def test_core_never_imports_qt():
    code = ("import pkgutil, importlib, sys, netbuilder\n"
            "for m in pkgutil.walk_packages(netbuilder.__path__, 'netbuilder.'):\n"
            "    importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]\n"
            "print(bad); sys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_painterpath_does_not_steal_none_references():
    from PySide6.QtGui import QPainterPath

    path = QPainterPath()
    before = sys.getrefcount(None)
    for i in range(1000):
        path.lineTo(i, i)
    assert sys.getrefcount(None) >= before - 10
