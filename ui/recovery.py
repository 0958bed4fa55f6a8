"""Autosave to a recovery file every 30 s while there are unsaved changes; offer it back after a crash."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Slot

from netbuilder.errors import ProjectError
from netbuilder.fileio import remove_stale_temps, write_atomic
from netbuilder.spec import dumps, parse_project

from .document import Document
from .settings import recovery_dir

INTERVAL_MS = 30_000


class Recovery(QObject):
    def __init__(self, document: Document, parent=None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.doc = document
        self.file = recovery_dir() / "autosave.json"
        remove_stale_temps(self.file)  # left by an autosave that a crash interrupted
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()

    @Slot()
    def autosave(self) -> bool:
        if not self.doc.dirty:
            return False
        meta = {"path": str(self.doc.path) if self.doc.path else None}
        try:
            text = json.dumps({"meta": meta, "project": json.loads(dumps(self.doc.project))}, indent=1)
            write_atomic(self.file, text)
        except (ProjectError, OSError):  # a text UTF-8 cannot hold, a full disk: Save will say why
            return False
        return True

    def discard(self) -> None:
        """After a save or a clean exit there is nothing to recover."""
        self.file.unlink(missing_ok=True)

    def stop(self) -> None:
        self.timer.stop()


def pending(directory: Path | None = None):
    """(project, original path) from a recovery file left by a previous run, or None."""
    file = (directory or recovery_dir()) / "autosave.json"
    if not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return parse_project(data["project"]), (data.get("meta") or {}).get("path")
    except Exception:  # noqa: BLE001 - an unreadable recovery file is not worth a crash
        return None


def discard_pending() -> None:
    (recovery_dir() / "autosave.json").unlink(missing_ok=True)
