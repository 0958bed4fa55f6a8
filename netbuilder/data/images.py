"""Image folders: one subfolder per class, decoded with Pillow in a thread pool, resized to one
size."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from .csv_read import no_dummy_thread
from .errors import DataError

GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F", "P")
DECODERS = min(8, os.cpu_count() or 1)  # threads decoding a folder
UNREADABLE = (OSError, ValueError, Image.DecompressionBombError)


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
    """Return (x [N,C,H,W] uint8 pixels, y class indices, class names, info)."""
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
    images, labels, skipped, sizes = [], [], [], Counter()
    with no_dummy_thread(), ThreadPoolExecutor(DECODERS) as pool:  # Pillow: without the GIL
        decoded = pool.map(lambda job: _decode(job[0], channels, size), jobs)
        for (file, label), result in zip(jobs, decoded):
            if result is None:
                skipped.append(str(file.relative_to(root)))
                continue
            pixels, found_size = result
            sizes[found_size] += 1
            images.append(pixels)
            labels.append(label)
    if not images:
        raise DataError(f"No readable images in {root} ({len(skipped)} files could not be "
                        "decoded). Use PNG, JPEG, BMP, GIF, TIFF or WebP files.", path=str(root))
    x = np.stack(images)
    x = x[:, None] if channels == 1 else x.transpose(0, 3, 1, 2)
    info = {"skipped_files": len(skipped), "skipped_examples": skipped[:10],
            "resized_from": {f"{h}x{w}": c for (h, w), c in sizes.items()},
            "size": list(size), "channels": channels}
    return np.ascontiguousarray(x), np.array(labels, dtype=np.int64), classes, info
