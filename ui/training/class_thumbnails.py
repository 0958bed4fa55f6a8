"""An image data set at a glance, in the Data tab: one row of thumbnails per class with its
count per split, and what loading did to the files (the sizes found, how many were resized to
the network's size, which were skipped as unreadable)."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..pictures import qimage

PER_CLASS = 12  # thumbnails in a class's row
ICON = 48  # pixels


class ClassThumbnails(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        inner = QWidget()
        self.rows_layout = QVBoxLayout(inner)
        self.rows_layout.setContentsMargins(6, 6, 6, 6)
        self.note = QLabel()
        self.note.setObjectName("dim")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.PlainText)  # file names are shown as they are
        self.rows_layout.addWidget(self.note)
        self.rows_layout.addStretch(1)
        self.setWidget(inner)
        self.rows: list[tuple[QLabel, QListWidget]] = []  # (class heading, its thumbnails)

    def count(self) -> int:
        """Thumbnails shown, over every class."""
        return sum(strip.count() for _, strip in self.rows)

    def clear(self) -> None:
        for heading, strip in self.rows:
            for w in (heading, strip):
                self.rows_layout.removeWidget(w)
                w.deleteLater()
        self.rows = []
        self.note.clear()

    def show_bundle(self, bundle) -> None:
        self.clear()
        self.note.setText(load_note(bundle.info, bundle.input_shape))
        x, y = bundle.x_train, bundle.y_train
        if bundle.class_names and y.ndim == 1 and not y.dtype.is_floating_point:
            totals = class_totals(bundle.info.get("class_balance") or {}, bundle.class_names)
            for label, name in enumerate(bundle.class_names):
                picked = (y == label).nonzero().reshape(-1)[:PER_CLASS]
                self._add_row(f"{name} · {totals[name]}", x[picked])
        else:  # no classes (a reconstruction): the first samples
            self._add_row(f"first {min(len(x), PER_CLASS)} training samples", x[:PER_CLASS])

    def _add_row(self, heading: str, images: torch.Tensor) -> None:
        label = QLabel(heading)
        label.setTextFormat(Qt.PlainText)
        strip = QListWidget()
        strip.setViewMode(QListWidget.IconMode)
        strip.setFlow(QListView.LeftToRight)
        strip.setWrapping(False)
        strip.setIconSize(QSize(ICON, ICON))
        strip.setSpacing(2)
        strip.setFixedHeight(ICON + 26)
        strip.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        for img in to_uint8(images):
            if img.ndim != 3:  # not [C, H, W]: nothing to draw
                continue
            strip.addItem(QListWidgetItem(QIcon(pixmap(img)), ""))
        index = self.rows_layout.count() - 1  # above the stretch
        self.rows_layout.insertWidget(index, label)
        self.rows_layout.insertWidget(index + 1, strip)
        self.rows.append((label, strip))


def class_totals(balance: dict, names: list[str]) -> dict[str, str]:
    """'12 images (8 train, 3 val, 1 test)' per class, from the splits' class counts."""
    out = {}
    for name in names:
        parts = [(split, (counts or {}).get(name, 0)) for split, counts in balance.items()]
        total = sum(n for _, n in parts)
        detail = ", ".join(f"{n:,} {split}" for split, n in parts if n)
        out[name] = f"{total:,} image{'s' * (total != 1)}" + (f" ({detail})" if detail else "")
    return out


def load_note(info: dict, input_shape) -> str:
    """What loading a folder did to its files, in a sentence or three."""
    shape = "×".join(str(s) for s in input_shape[1:])
    channels = "gray" if input_shape and input_shape[0] == 1 else "RGB"
    if info.get("kind") != "images":
        return f"{shape} pixels, {channels}."
    found = info.get("resized_from") or {}
    target = "x".join(str(s) for s in info.get("size", input_shape[1:]))
    sizes = ", ".join(f"{size.replace('x', '×')} ({n:,})" for size, n in
                      sorted(found.items(), key=lambda item: -item[1]))
    resized = sum(n for size, n in found.items() if size != target)
    text = f"Sizes found: {sizes}. "
    text += (f"{resized:,} resized to {shape}" if resized else f"None resized: all are {shape}")
    text += f", read as {channels}"
    if info.get("stored") == "uint8":
        text += ", kept as bytes (scaled to [0, 1] per batch)"
    elif info.get("stored") == "disk":
        text += (", larger than the memory limit: decoded once into a cache file and read from "
                 "disk a batch at a time")
    text += "."
    skipped = info.get("skipped_files", 0)
    if skipped:
        examples = info.get("skipped_examples") or []
        more = f" and {skipped - len(examples)} more" if skipped > len(examples) else ""
        text += (f" {skipped} file{'s' * (skipped != 1)} skipped (not a readable image): "
                 f"{', '.join(examples)}{more}.")
    return text


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """[N, C, H, W] as bytes to draw: stored pixels as they are, float samples stretched over
    the shown ones' range (built-in sets may be normalized)."""
    if x.dtype == torch.uint8:
        return x.numpy()
    x = x.float()
    if not len(x):
        return np.zeros((0, *x.shape[1:]), dtype=np.uint8)
    lo, hi = float(x.min()), float(x.max())
    return ((x - lo) / (hi - lo if hi > lo else 1.0) * 255).clamp(0, 255).byte().numpy()


def pixmap(img: np.ndarray) -> QPixmap:
    """[C, H, W] uint8 -> an ICON px pixmap (gray for 1 channel, RGB for 3)."""
    return QPixmap.fromImage(qimage(img.transpose(1, 2, 0))).scaled(ICON, ICON, Qt.KeepAspectRatio,
                                                                    Qt.FastTransformation)
