"""What a bug report needs to quote: NetBuilder's version, the platform and the versions of the
libraries it runs on. Read from the installed package metadata, so nothing heavy is imported."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from . import __version__

# (shown name, distribution name)
LIBRARIES = (("torch", "torch"), ("PySide6", "PySide6-Essentials"), ("pyqtgraph", "pyqtgraph"),
             ("numpy", "numpy"), ("networkx", "networkx"), ("torchmetrics", "torchmetrics"))


def _version_of(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Name -> version, NetBuilder first; `extra` adds what only a caller knows (the Qt runtime)."""
    info = {"NetBuilder": __version__, "Platform": platform.platform(),
            "Python": f"{platform.python_version()} ({sys.executable})"}
    info.update({name: _version_of(dist) for name, dist in LIBRARIES})
    info.update(extra or {})
    return info


def report(extra: dict[str, str] | None = None) -> str:
    """The versions as plain `name: version` lines, ready to paste into a bug report."""
    return "\n".join(f"{name}: {value}" for name, value in versions(extra).items())
