"""Autosave to a recovery file every 30 s while there are unsaved changes; offer it back after a crash.

Each window writes its own file, `autosave-<pid>-<random>.json`, and holds a QLockFile beside it
while it runs. A file whose lock has no living holder (a crash, a kill) is what the next start
offers back; the files of other windows still open are left alone."""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Slot

from netbuilder.errors import ProjectError
from netbuilder.fileio import remove_stale_temps, write_atomic
from netbuilder.spec import Project, dumps, parse_project

from .document import Document
from .settings import recovery_dir

INTERVAL_MS = 30_000
_TEMP = re.compile(r"\.(autosave[^/]*\.json)\.\d+\..*\.tmp")


def _lock(file: Path) -> QLockFile:
    lock = QLockFile(str(file.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # held for the window's whole life: only a dead holder makes it stale
    return lock


class Recovery(QObject):
    def __init__(self, document: Document, parent=None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.doc = document
        directory = recovery_dir()
        _clean(directory)
        self.file = directory / f"autosave-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        self.lock = _lock(self.file)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.lock.tryLock(0)  # a fresh name: nobody else holds it
        except OSError:
            pass  # no recovery folder: autosave fails quietly, Save says why
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

    def close(self) -> None:
        """A clean exit: no work is left to recover, and the lock goes with the window."""
        self.stop()
        self.discard()
        self.lock.unlock()  # removes the lock file, which the next start would otherwise clean


@dataclass
class Pending:
    """Work a window that did not close cleanly left in `file`."""

    project: Project
    path: str | None  # the file the project was saved as, if it was
    file: Path

    def discard(self) -> None:
        self.file.unlink(missing_ok=True)


def _orphaned(file: Path) -> bool:
    """No running window holds `file` (its lock is stale or gone)."""
    lock = _lock(file)
    if not lock.tryLock(0):
        return False
    lock.unlock()  # removes the stale lock file with it
    return True


def _clean(directory: Path) -> None:
    """Remove what dead windows left besides their work: locks and interrupted temporaries."""
    try:
        names = [p.name for p in directory.iterdir()]
    except OSError:
        return
    for name in {m.group(1) for m in map(_TEMP.fullmatch, names) if m}:
        remove_stale_temps(directory / name)
    for name in names:
        if name.startswith("autosave-") and name.endswith(".lock") and Path(name).stem + ".json" not in names:
            _orphaned(directory / (Path(name).stem + ".json"))


def pending(directory: Path | None = None) -> Pending | None:
    """The newest work left by a window that did not close cleanly, or None."""
    directory = directory or recovery_dir()
    try:
        files = sorted(directory.glob("autosave*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for file in files:
        if not _orphaned(file):
            continue  # another window's, still open
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            return Pending(parse_project(data["project"]), (data.get("meta") or {}).get("path"), file)
        except Exception:  # noqa: BLE001, S112 - an unreadable recovery file is not worth a crash
            continue
    return None
