"""Table loading, as ratios in one run (issue 11):

1. Loading + encoding a 200,000 x 22 CSV (20 numeric, 1 categorical, the target) with
   `load_data` against pandas `read_csv` + `get_dummies` + `torch.tensor` (budget: <= 1.5x).
2. A GUI timer's lateness while the Data tab loads that CSV in its loader thread
   (budget: p99 <= 16 ms), against the same timer on an idle window; each of --gui-rounds
   loads in a panel of its own, in the app's event loop (bench/gui_lateness.py).
3. Decoding an image folder: one thread against the decoding pool.
4. An image folder's memory and speed, each way in its own process (peak RSS, ru_maxrss):
   held as uint8 pixels (today's path), as float32 (the old path), and streamed from disk
   (a folder larger than the memory limit set for the run), with samples/s of one training
   epoch of a small CNN each way.

    python bench/run.py bench_data        [--rows N] [--images N] [--stream-images N]
    python bench/bench_data.py --rows-only [--rounds 7] [--no-gui]   # the CSV figures only
    python bench/bench_data.py --rows-only --rounds 1 --gui-rounds 5  # mostly the GUI timer
    python bench/bench_data.py --scaling [--wide-rows 1000 --wide-columns 10000]

5. `--scaling`: load_data at N and 2N rows (22 columns) and at M and 2M columns (a wide
   table), the time ratios printed (about 2 is linear in rows x columns, issue 11).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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


def write_wide(path: Path, rows: int, columns: int) -> None:
    """`columns` integer features (0-999) and a 3-class label, written in row blocks."""
    rng = np.random.default_rng(0)
    with open(path, "w") as fh:
        fh.write(",".join([f"f{i}" for i in range(columns)] + ["label"]) + "\n")
        for start in range(0, rows, 200):
            cells = rng.integers(0, 1000, (min(200, rows - start), columns + 1))
            cells[:, -1] %= 3
            fh.write("\n".join(",".join(map(str, r)) for r in cells.tolist()) + "\n")


def scaling(rows: int, wide_rows: int, wide_columns: int, rounds: int) -> None:
    """load_data's seconds at N and 2N rows, and at M and 2M columns; ratio ~2: linear."""
    cases = [("rows", f"{rows:,} x 22", f"{2 * rows:,} x 22",
              lambda p, k: write_table(p, rows * k)),
             ("columns", f"{wide_rows:,} x {wide_columns:,}", f"{wide_rows:,} x {2 * wide_columns:,}",
              lambda p, k: write_wide(p, wide_rows, wide_columns * k))]
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.csv"
        write_table(warm, 1000)
        ours(warm)  # imports out of the timing
        for what, small, large, write in cases:
            seconds = []
            for k in (1, 2):
                path = Path(tmp) / f"{what}{k}.csv"
                write(path, k)
                seconds.append(min(alternated((ours,), path, rounds)[0]))
                path.unlink()
            print(f"scaling in {what}: {small} {seconds[0]:.3f} s, {large} {seconds[1]:.3f} s: "
                  f"ratio {seconds[1] / seconds[0]:.2f} (2 = linear)")


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


def alternated(fns, path: Path, rounds: int) -> list[list[float]]:
    """Seconds of each of `fns` on `path`, run in turn (a, b, a, b, ...) so that a busy moment
    of the machine falls on both sides alike."""
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, times):
            start = time.perf_counter()
            fn(path)
            out.append(time.perf_counter() - start)
    return times


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (range {min(values):.3f}-{max(values):.3f})"


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


def write_folder(root: Path, count: int, size: int = 64) -> None:
    from PIL import Image

    rng = np.random.default_rng(1)
    for i in range(count):
        folder = root / f"class{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png", compress_level=1)


def image_epoch(root: Path, way: str) -> dict:
    """In this process: load the folder `way` ("uint8", "float32" or "disk"), train one epoch
    of a small CNN; seconds, samples/s, the bundle's bytes and the peak RSS."""
    import dataclasses

    import torch

    from netbuilder.data import load_data
    from netbuilder.runtime.loop import Loop
    from netbuilder.train.settings import TrainSettings

    torch.set_num_threads(1)
    spec = {"kind": "images", "path": root.name, **({"memory_limit_mb": 1} if way == "disk" else {})}
    start = time.perf_counter()
    b = load_data(spec, root.parent, "CrossEntropyLoss")
    loaded = time.perf_counter() - start
    if way == "float32":  # the old layout: every split divided by 255 up front
        b = dataclasses.replace(b, scale_inputs=None, **{
            f"x_{p}": b.model_inputs(getattr(b, f"x_{p}")) for p in ("train", "val", "test")})
    held = sum(x.numel() * x.element_size() for x in (b.x_train, b.x_val, b.x_test)
               if isinstance(x, torch.Tensor))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(),
                                torch.nn.Linear(128, 10))
    settings = TrainSettings.from_dict({"loss": "CrossEntropyLoss", "batch_size": 128, "epochs": 1})
    config = settings.runtime_config("classification")
    if b.scale_inputs:
        config["inputs"] = b.scale_inputs
    loop = Loop(model, config, "cpu")
    loop.seed()
    start = time.perf_counter()
    loop.train_pass(b.x_train, b.y_train)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # KiB; readers too
    return {"way": way, "load_s": loaded, "epoch_s": seconds,
            "samples_per_s": len(b.x_train) / seconds, "held_mb": held / 2**20,
            "peak_rss_mb": peak / 1024, "stored": b.info.get("stored")}


def image_ways(count: int) -> list[dict]:
    """image_epoch for each way, each in a fresh process (so that peak RSS is its own)."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "folder"
        write_folder(root, count)
        env = {**os.environ, "NETBUILDER_CACHE_DIR": str(Path(tmp) / "cache")}
        for way in ("uint8", "float32", "disk", "disk"):  # disk twice: decoding, then its cache
            out = subprocess.run([sys.executable, __file__, "--child", way, str(root)], env=env,
                                 capture_output=True, text=True, check=True).stdout
            results.append(json.loads(out.splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000, help="CSV rows (0: skip)")
    parser.add_argument("--images", type=int, default=2000, help="PNGs to decode (0: skip)")
    parser.add_argument("--stream-images", type=int, default=20000,
                        help="64x64 RGB PNGs for the memory and streaming figures (0: skip)")
    parser.add_argument("--rows-only", action="store_true", help="only the CSV figures")
    parser.add_argument("--rounds", type=int, default=7, help="alternated rounds of each side")
    parser.add_argument("--no-gui", action="store_true", help="skip the GUI timer figure")
    parser.add_argument("--gui-rounds", type=int, default=5,
                        help="loads timed in the GUI, each with a panel of its own")
    parser.add_argument("--scaling", action="store_true",
                        help="only load_data at N and 2N rows and at M and 2M columns")
    parser.add_argument("--wide-rows", type=int, default=1000, help="rows of the wide table")
    parser.add_argument("--wide-columns", type=int, default=10000,
                        help="columns M of the wide table (also timed at 2M)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scaling:
        scaling(args.rows // 2, args.wide_rows, args.wide_columns, min(args.rounds, 2))
        return
    if args.child:
        print(json.dumps(image_epoch(Path(args.child[1]), args.child[0])))
        return
    if args.stream_images and not args.rows_only:
        ways = image_ways(args.stream_images)
        base = ways[0]
        print(f"image folder, {args.stream_images:,} PNGs 64x64 RGB, one epoch of a small CNN, "
              "each way in its own process (the disk way with a 1 MB memory limit):")
        for w in ways:
            print(f"  {w['way']:8s} held {w['held_mb']:7.1f} MB, peak RSS {w['peak_rss_mb']:7.1f} MB, "
                  f"load {w['load_s']:5.2f} s, epoch {w['epoch_s']:5.2f} s = "
                  f"{w['samples_per_s']:7.0f} samples/s ({w['samples_per_s'] / base['samples_per_s']:.2f}x uint8)")
    if args.images and not args.rows_only:
        from netbuilder.data.images import DECODERS

        with tempfile.TemporaryDirectory() as tmp:
            one, pool = image_decode(Path(tmp) / "folder", args.images)
        print(f"image folder, {args.images} PNGs 96x96 -> 64x64: 1 thread {one:.2f} s, "
              f"{DECODERS} threads {pool:.2f} s ({one / pool:.2f}x faster)")
    if not args.rows:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        write_table(path, args.rows)
        size = path.stat().st_size / 1e6
        ours(path)  # imports and caches out of the timing
        baseline(path)
        base, mine = alternated((baseline, ours), path, args.rounds)
        ratios = [m / b for m, b in zip(mine, base)]
        print(f"load+encode {args.rows:,} x 22 CSV ({size:.0f} MB), {args.rounds} alternated rounds:\n"
              f"  pandas read_csv+get_dummies+torch.tensor {spread(base)}\n"
              f"  load_data                                {spread(mine)}\n"
              f"  ratio per round: median {statistics.median(ratios):.2f}x (range "
              f"{min(ratios):.2f}-{max(ratios):.2f}); ratio of medians "
              f"{statistics.median(mine) / statistics.median(base):.2f}x (budget 1.5x)")
        if args.no_gui:
            return
        import gui_lateness  # bench/ is on sys.path: this script's own folder

        gui_lateness.report(path, args.gui_rounds)

if __name__ == "__main__":
    main()
