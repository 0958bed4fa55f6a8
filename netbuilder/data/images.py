"""Image folders: one subfolder per class, decoded with Pillow in a thread pool, resized to one
size."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from ..runtime.stream import DiskSamples
from .csv_read import no_dummy_thread
from .errors import DataError

GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F", "P")
DECODERS = min(8, os.cpu_count() or 1)  # threads decoding a folder
UNREADABLE = (OSError, ValueError, Image.DecompressionBombError)
MEMORY_ENV = "NETBUILDER_DATA_MEMORY_MB"


def _probe(file: Path):
    """(channels, [height, width]) of a readable image, else None."""
    try:
        with Image.open(file) as img:
            img.load()
            return (1 if img.mode in GRAY_MODES else 3), [img.height, img.width]
    except UNREADABLE:
        return None


def _decode(file: Path, channels: int, size: list[int]):
    """(uint8 pixels [H, W] or [H, W, 3] at `size`, the file's own (height, width)), or None
    when the file is no readable image."""
    try:
        with Image.open(file) as img:
            img.load()
            found = (img.height, img.width)
            img = img.convert("L" if channels == 1 else "RGB")
            if found != tuple(size):
                img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(img, dtype=np.uint8), found
    except UNREADABLE:
        return None


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def read_images(spec: dict, base_dir: Path) -> tuple[np.ndarray, np.ndarray, list[str], dict]:
    """Return (x [N,C,H,W] uint8 pixels, y class indices, class names, info). A folder larger
    than the memory limit is decoded once into a cache file and x reads it (DiskSamples)."""
    if "path" not in spec:
        raise DataError("data.path is missing: name the folder with one subfolder per class.")
    size = spec.get("size")  # the settings first: they need no folder
    if size is not None and not (isinstance(size, list) and len(size) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4096 for v in size)):
        raise DataError(f"data.size must be [height, width] with whole numbers from 1 to 4096, "
                        f"got {size!r}.")
    root = base_dir / spec["path"]
    if not root.is_dir():
        raise DataError(f"Image folder {root} does not exist. Check data.path (relative to the "
                        "project file).", path=str(root))
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise DataError(f"{root} needs one subfolder per class (at least two); found "
                        f"{len(classes)}.", path=str(root))
    channels = spec.get("channels")
    if channels not in (None, 1, 3):
        raise DataError(f"data.channels must be 1 or 3, got {channels!r}.")
    jobs = []
    for label, name in enumerate(classes):
        files = _files(root / name)
        if not files:
            raise DataError(f'Class folder "{name}" in {root} is empty; remove it or add '
                            "images.", path=str(root / name))
        jobs += [(file, label) for file in files]
    # the first readable image decides the channels and size the others are converted to
    for file, _ in jobs:
        if channels is not None and size is not None:
            break
        found = _probe(file)
        if found is not None:
            channels = channels if channels is not None else found[0]
            size = size if size is not None else found[1]
            break
    else:
        raise DataError(f"No readable images in {root} ({len(jobs)} files could not be "
                        "decoded). Use PNG, JPEG, BMP, GIF, TIFF or WebP files.", path=str(root))
    sample = (channels, *size)
    need = len(jobs) * math.prod(sample)
    cache = None
    if need > memory_limit(spec) * 2**20:  # too large to hold: decoded once into a file
        cache = cache_path(root, jobs, sample)
        if cache.with_suffix(".json").is_file():  # decoded before, files unchanged
            saved = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
            return (DiskSamples(cache, sample, range(len(saved["labels"]))),
                    np.array(saved["labels"], dtype=np.int64), classes, saved["info"])
    labels, skipped, sizes = [], [], Counter()
    with _destination(cache, len(jobs), sample) as put:
        with no_dummy_thread(), ThreadPoolExecutor(DECODERS) as pool:  # Pillow: without the GIL
            decoded = pool.map(lambda job: _decode(job[0], channels, size), jobs)
            for (file, label), result in zip(jobs, decoded):
                if result is None:
                    skipped.append(str(file.relative_to(root)))
                    continue
                pixels, found_size = result
                sizes[found_size] += 1
                put(len(labels), pixels[None] if channels == 1 else pixels.transpose(2, 0, 1))
                labels.append(label)
        if not labels:
            raise DataError(f"No readable images in {root} ({len(skipped)} files could not be "
                            "decoded). Use PNG, JPEG, BMP, GIF, TIFF or WebP files.",
                            path=str(root))
        info = {"skipped_files": len(skipped), "skipped_examples": skipped[:10],
                "resized_from": {f"{h}x{w}": c for (h, w), c in sizes.items()},
                "size": list(size), "channels": channels}
        x = put.done(labels, info)
    return x, np.array(labels, dtype=np.int64), classes, info


def memory_limit(spec: dict) -> float:
    """MB an image folder may take in memory (as uint8) before it is streamed from disk:
    data.memory_limit_mb, else $NETBUILDER_DATA_MEMORY_MB, else a quarter of the RAM."""
    limit = spec.get("memory_limit_mb", os.environ.get(MEMORY_ENV))
    if limit is None:
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 4 / 2**20
        except (ValueError, OSError, AttributeError):
            return 4096.0
    try:
        limit = float(limit)
    except (TypeError, ValueError):
        limit = -1.0
    if isinstance(spec.get("memory_limit_mb"), bool) or not limit >= 0:
        raise DataError(f"data.memory_limit_mb (or {MEMORY_ENV}) must be a number of MB, at "
                        f"least 0; got {spec.get('memory_limit_mb', os.environ.get(MEMORY_ENV))!r}.")
    return limit


def cache_dir() -> Path:
    base = os.environ.get("NETBUILDER_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "netbuilder" if base else Path.home() / ".cache" / "netbuilder"


def cache_path(root: Path, jobs, sample) -> Path:
    """One decoded file per folder state: its path, files (name, size, time) and the size read."""
    digest = hashlib.sha256(repr((str(root.resolve()), sample)).encode())
    for file, label in jobs:
        stat = file.stat()
        digest.update(f"{file.relative_to(root)}|{label}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return cache_dir() / "images" / f"{digest.hexdigest()[:32]}.u8"


class _destination(contextlib.AbstractContextManager):
    """Where decoded images go, one [C, H, W] at a time: an array in memory, or the cache file
    (written whole under a temporary name, then renamed with its labels beside it)."""

    def __init__(self, cache: Path | None, n: int, sample):
        self.cache, self.sample = cache, tuple(sample)
        if cache is None:
            self.array = np.empty((n, *sample), dtype=np.uint8)
        else:
            cache.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            self.fh = open(self.tmp, "wb")  # noqa: SIM115 - closed in done / __exit__

    def __call__(self, row: int, pixels: np.ndarray) -> None:
        if self.cache is None:
            self.array[row] = pixels
        else:
            self.fh.write(np.ascontiguousarray(pixels).tobytes())

    def done(self, labels: list[int], info: dict):
        if self.cache is None:
            return self.array[:len(labels)]
        self.fh.close()
        os.replace(self.tmp, self.cache)
        meta = self.cache.with_suffix(".json")
        meta_tmp = meta.with_name(f"{meta.name}.{os.getpid()}.tmp")
        meta_tmp.write_text(json.dumps({"labels": labels, "info": info}), encoding="utf-8")
        os.replace(meta_tmp, meta)
        return DiskSamples(self.cache, self.sample, range(len(labels)))

    def __exit__(self, *exc) -> None:
        if self.cache is not None and not self.fh.closed:  # failed midway: no half cache
            self.fh.close()
            self.tmp.unlink(missing_ok=True)
