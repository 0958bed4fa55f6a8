"""Guard: the PySide6 6.12 refcount bug is not present (the core's Qt-free rule is tests/test_import_rules.py)."""

from __future__ import annotations

import sys


def test_painterpath_does_not_steal_none_references():
    from PySide6.QtGui import QPainterPath

    path = QPainterPath()
    before = sys.getrefcount(None)
    for i in range(1000):
        path.lineTo(i, i)
    assert sys.getrefcount(None) >= before - 10
