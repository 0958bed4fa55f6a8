"""Writing user files so that a crash never leaves half a file, nor (after the next start) its temporary."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."  # the writer's pid: a later start can tell a dead writer's files


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: a crash never leaves half a file.

    The file keeps the permissions an ordinary write would give it (mkstemp makes it 0600)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
    except OSError as exc:
        raise naming_target(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:  # e.g. a full disk while writing
        Path(tmp).unlink(missing_ok=True)
        raise naming_target(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def naming_target(exc: OSError, target: Path) -> OSError:
    """The error as the user should read it: about the file they chose, not our temporary beside it."""
    if exc.filename is None or Path(exc.filename).name.startswith(f".{Path(target).name}."):
        return OSError(exc.errno, exc.strerror, str(target))
    return exc  # already about a path the user knows (e.g. a parent that is a file)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete the temporaries that an interrupted `write_atomic(path)` left (their writer is gone).

    Returns what was removed; a folder that cannot be listed or a file that cannot be removed is skipped."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[^/]*\.tmp")
    removed = []
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.")]
    except OSError:
        return removed
    for p in candidates:
        match = pattern.fullmatch(p.name)
        if match and not _alive(int(match.group(1)), p):
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def _alive(pid: int, file: Path) -> bool:
    if pid == os.getpid():
        return True  # maybe another thread of ours, writing now
    if os.name == "nt":  # os.kill(pid, 0) would end that process there: go by age instead
        try:
            return time.time() - file.stat().st_mtime < 3600
        except OSError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's live process (or a pid we cannot check): leave its file alone
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
