"""Where the app keeps its settings and recovery files (overridable for tests)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ENV = "NETBUILDER_CONFIG_DIR"


def config_dir() -> Path:
    """The settings folder: $NETBUILDER_CONFIG_DIR when set (tests), else the platform's config dir."""
    path = os.environ.get(ENV) or QStandardPaths.writableLocation(QStandardPaths.AppConfigLocation) \
        or str(Path.home() / ".config" / "netbuilder")
    return Path(path)


def settings() -> QSettings:
    return QSettings(str(config_dir() / "netbuilder.ini"), QSettings.IniFormat)


def recovery_dir() -> Path:
    return config_dir() / "recovery"


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [v for v in (value or []) if isinstance(v, str)]


def add_recent(path: str, limit: int = 10) -> list[str]:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_files() if p != path]
    s = settings()
    s.setValue("recent", items[:limit])
    return items[:limit]
