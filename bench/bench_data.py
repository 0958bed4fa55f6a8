"""Table loading, as ratios in one run (issue 11):

1. Loading + encoding a 200,000 x 22 CSV (20 numeric, 1 categorical, the target) with
   `load_data` against pandas `read_csv` + `get_dummies` + `torch.tensor` (budget: <= 1.5x).
2. A GUI timer's lateness while the Data tab loads that CSV in its loader thread
   (budget: p99 <= 16 ms), against the same timer on an idle window.
3. Decoding an image folder: one thread against the decoding pool.

    python bench/run.py bench_data        [--rows N] [--images N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def write_table(path: Path, rows: int) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(rows, 20)).round(5), columns=[f"f{i}" for i in range(20)])
    frame["colour"] = rng.choice(["red", "green", "blue", "amber", "teal"], rows)
    frame["label"] = rng.integers(0, 3, rows)
    frame.to_csv(path, index=False)


def baseline(path: Path):
    import pandas as pd
    import torch

    frame = pd.read_csv(path)
    y = torch.tensor(frame.pop("label").to_numpy())
    x = torch.tensor(pd.get_dummies(frame, dtype=np.float32).to_numpy(np.float32))
    return x, y


def ours(path: Path):
    from netbuilder.data import load_data

    return load_data({"kind": "csv", "path": path.name, "target": "label"}, path.parent,
                     "CrossEntropyLoss")


def best_of(fn, path: Path, n: int = 3) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return min(times)


def timer_lateness(path: Path | None, seconds_cap: float = 60.0) -> list[float]:
    """Lateness (ms) of a 5 ms QTimer while the Data tab loads `path` (None: an idle panel)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from netbuilder.templates import load_template
    from ui.document import Document
    from ui.training.data_panel import DataPanel

    app = QApplication.instance() or QApplication([])
    project = load_template("mlp")
    project.data = None
    doc = Document(project)
    panel = DataPanel(doc)
    panel.resize(1200, 450)
    panel.show()
    app.processEvents()
    lateness, clock, last = [], QElapsedTimer(), [0]
    clock.start()

    def tick():
        now = clock.elapsed()
        lateness.append(max(0, now - last[0] - 5))
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(tick)
    last[0] = clock.elapsed()
    timer.start()
    if path is not None:
        from ui.training.commands import set_section

        doc.path = str(path.parent / "p.json")
        set_section(doc, "data", {"kind": "csv", "path": path.name, "target": "label"})
        start = time.perf_counter()
        while (panel.bundle is None and not panel.error_text) or panel.loading:
            app.processEvents()
            if time.perf_counter() - start > seconds_cap:
                break
    else:
        start = time.perf_counter()
        while time.perf_counter() - start < 2.0:
            app.processEvents()
    timer.stop()
    panel.shutdown()
    panel.close()
    return lateness


def image_decode(root: Path, count: int) -> tuple[float, float]:
    """Seconds to read an image folder of `count` 96x96 PNGs (resized to 64x64) with one
    decoding thread and with the default pool."""
    from PIL import Image

    from netbuilder.data import images

    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / f"class{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    spec = {"path": root.name, "size": [64, 64]}
    default = images.DECODERS
    times = {}
    for workers in (1, default):
        images.DECODERS = workers
        images.read_images(spec, root.parent)  # file cache warm for both
        start = time.perf_counter()
        images.read_images(spec, root.parent)
        times[workers] = time.perf_counter() - start
    images.DECODERS = default
    return times[1], times[default]


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--images", type=int, default=2000, help="PNGs to decode (0: skip)")
    args = parser.parse_args()
    if args.images:
        from netbuilder.data.images import DECODERS

        with tempfile.TemporaryDirectory() as tmp:
            one, pool = image_decode(Path(tmp) / "folder", args.images)
        print(f"image folder, {args.images} PNGs 96x96 -> 64x64: 1 thread {one:.2f} s, "
              f"{DECODERS} threads {pool:.2f} s ({one / pool:.2f}x faster)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        write_table(path, args.rows)
        size = path.stat().st_size / 1e6
        ours(path)  # imports and caches out of the timing
        baseline(path)
        base, mine = best_of(baseline, path), best_of(ours, path)
        print(f"load+encode {args.rows:,} x 22 CSV ({size:.0f} MB): pandas read_csv+get_dummies+"
              f"torch.tensor {base:.2f} s, load_data {mine:.2f} s, ratio {mine / base:.2f}x "
              "(budget 1.5x)")
        idle = timer_lateness(None)
        busy = timer_lateness(path)
        print(f"GUI 5 ms timer lateness: idle p99 {p99(idle):.0f} ms (median "
              f"{statistics.median(idle or [0]):.0f}); while the Data tab loads the CSV p99 "
              f"{p99(busy):.0f} ms, max {max(busy or [0]):.0f} ms over {len(busy)} ticks "
              "(budget p99 16 ms)")


if __name__ == "__main__":
    main()
