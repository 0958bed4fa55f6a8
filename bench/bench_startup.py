"""Start-up benchmarks: whole processes, each against a baseline timed in the same run.

- the app's window, drawn and fitted, against a bare PySide6 window plus `import torch`
  (target: <= 1.6x), and with a 5,000-node project instead of LeNet-5 (target: <= +1 s);
- `netbuilder validate` against `import torch` (target: <= 1.3x);
- `templates`, `new` and `--help`, which import no torch at all.

The machine is shared: every variant runs in turn, round after round (interleaved), and the
figures are medians, so a burst of load from elsewhere hits all of them alike.

Run: python bench/bench_startup.py [--rounds N] [--only PARTS] [--baseline REV]
(offscreen; prints figures, never asserts). --baseline REV also times the app windows of that git
revision (a temporary worktree), in the same interleaved rounds, so that old and new code meet the
same load: the machine drifts by a second within minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A child exits (os._exit, no teardown) once the first paint of its window's central widget has
# been drawn (a 0-ms timer posted as it starts fires after it): for the app, the first one after
# the canvas was fitted to the graph, a drawn, usable window. It prints the wall clock at which
# that paint began, the moment an earlier version of this bench exited at: both are reported.
_EXIT_WHEN_DRAWN = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class _ExitWhenDrawn(QObject):
    ready = {ready}
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint and self.ready:
            win = obj.window() if obj.isWidgetType() else None
            central = win.centralWidget() if isinstance(win, QMainWindow) else None
            canvas = getattr(win, "canvas", None)  # the app's canvas may sit inside network tabs
            drawn = (central, getattr(central, "viewport", lambda: None)(),
                     canvas.viewport() if canvas is not None else None)
            if central is not None and obj in drawn:
                self.ready = False
                print(f"paint-begins {{time.time()!r}}", flush=True)
                QTimer.singleShot(0, lambda: os._exit(0))
        return False

app = QApplication(sys.argv[:1])
_filter = _ExitWhenDrawn()
app.installEventFilter(_filter)
"""

BARE_WINDOW = _EXIT_WHEN_DRAWN.format(ready=True) + """
import torch
from PySide6.QtWidgets import QLabel
w = QMainWindow()
w.setCentralWidget(QLabel("hello"))
w.resize(1600, 1000)
w.show()
app.exec()
"""

APP_WINDOW = _EXIT_WHEN_DRAWN.format(ready=False) + """
from ui.canvas.view import NetView
_fit = NetView.fit_all
def _fit_then_ready(self, *a, **k):
    _fit(self, *a, **k)
    _ExitWhenDrawn.ready = True
NetView.fit_all = _fit_then_ready
from ui.app import main
main(sys.argv[1])
"""


def _variants(tmp: Path) -> dict[str, list[str]]:
    """name -> command (run with cwd and PYTHONPATH at ROOT unless _TREES names another tree)."""
    from bench_canvas import generated

    from netbuilder.spec import save_project
    from netbuilder.templates import template_path

    lenet = str(template_path("lenet5"))
    big = tmp / "gen5000.json"
    save_project(generated(5000), big)
    py = [sys.executable]
    cli = py + ["-m", "netbuilder.cli"]
    return {
        "import torch": py + ["-c", "import torch"],
        "bare window + torch": py + ["-c", BARE_WINDOW],
        "app window, LeNet-5": py + ["-c", APP_WINDOW, lenet],
        "app window, 5,000 nodes": py + ["-c", APP_WINDOW, str(big)],
        "validate LeNet-5": cli + ["validate", lenet],
        "templates": cli + ["templates"],
        "new": cli + ["new", "--template", "mlp", "-o", str(tmp / "new.json"), "--force"],
        "--help": cli + ["--help"],
        "python alone": py + ["-c", "pass"],
    }


_TREES: dict[str, Path] = {}  # variant name -> the source tree it runs (a --baseline worktree)


def _time(cmd: list[str], env: dict, root: Path = ROOT) -> tuple[float, float]:
    """Seconds to the end of the process and, for a window, to the moment its first paint began."""
    env = dict(env, PYTHONPATH=str(root))
    wall, start = time.time(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=300)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    began = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("paint-begins ")]
    return elapsed, (float(began[0]) - wall if began else elapsed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated parts of variant names to run "
                        "(e.g. 'torch,LeNet,validate'); the ratios of those run are printed")
    parser.add_argument("--baseline", metavar="REV", help="also time the app windows of this git revision, "
                        "interleaved with the current code's")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nb-bench-startup-"))
    base = None
    try:
        if args.baseline:
            base = tmp / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.baseline],
                           check=True, capture_output=True)
        _run(args, tmp, base)
    finally:
        if base is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False,
                           capture_output=True)


def _run(args, tmp: Path, base: Path | None) -> None:
    # Bytecode is cached (in tmp), as an installed app's is: a PYTHONDONTWRITEBYTECODE left set
    # would time compiling the app's sources at every start instead of starting it.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NETBUILDER_CONFIG_DIR=str(tmp / "config"),
               PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    variants = _variants(tmp)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        variants = {k: v for k, v in variants.items() if any(w in k for w in wanted)}
    if base is not None:  # the baseline's windows, each right after the current code's
        for name in [k for k in variants if k.startswith("app window")]:
            old = f"{name} @{args.baseline}"
            variants = {k2: v2 for k, v in variants.items()
                        for k2, v2 in ([(k, v), (old, v)] if k == name else [(k, v)])}
            _TREES[old] = base
    times: dict[str, list[float]] = {name: [] for name in variants}
    began: dict[str, list[float]] = {name: [] for name in variants}
    for name, cmd in variants.items():  # one warm-up round: the file and bytecode caches
        _time(cmd, env, _TREES.get(name, ROOT))
    for r in range(args.rounds):
        order = list(variants.items())
        if r % 2:  # old and new take turns at going first
            order = _swapped_pairs(order, f" @{args.baseline}")
        for name, cmd in order:
            done, first = _time(cmd, env, _TREES.get(name, ROOT))
            times[name].append(done)
            began[name].append(first)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"whole processes, median of {args.rounds} interleaved rounds (min-max); windows: to their "
          "first paint drawn [to when it began]:")
    for name, t in times.items():
        b = began[name]
        painted = f"  [{statistics.median(b):.2f} s ({min(b):.2f}-{max(b):.2f})]" if b != t else ""
        print(f"  {name:<34} {med[name]:6.2f} s  ({min(t):.2f}-{max(t):.2f}){painted}")

    def ratio(a: str, b: str, target: str) -> None:
        if a in med and b in med:
            print(f"  {a} / {b}: {med[a] / med[b]:.2f}x (target {target})")

    print("ratios:")
    ratio("app window, LeNet-5", "bare window + torch", "<= 1.6x")
    ratio("validate LeNet-5", "import torch", "<= 1.3x")
    for tail in ("", f" @{args.baseline}") if base is not None else ("",):
        big, small = "app window, 5,000 nodes" + tail, "app window, LeNet-5" + tail
        if big in med and small in med:
            # per round too: the two windows of a round ran seconds apart, under the same load
            adds = [b - s for b, s in zip(times[big], times[small])]
            print(f"  5,000 nodes add{tail}: {med[big] - med[small]:+.2f} s to the first paint drawn "
                  f"(target <= +1 s; per round {min(adds):+.2f}..{max(adds):+.2f}); "
                  f"{statistics.median(began[big]) - statistics.median(began[small]):+.2f} s to when it began")
    for name in ("templates", "new", "--help"):
        if name in med and "python alone" in med and "import torch" in med:
            print(f"  {name}: {med[name] - med['python alone']:+.2f} s over bare Python "
                  f"(import torch: {med['import torch'] - med['python alone']:+.2f} s)")


def _swapped_pairs(order: list, tag: str) -> list:
    """Each variant and its baseline (named with `tag` appended) in the other order."""
    out, i = list(order), 0
    while i < len(out) - 1:
        if out[i + 1][0] == out[i][0] + tag:
            out[i], out[i + 1] = out[i + 1], out[i]
            i += 2
        else:
            i += 1
    return out


if __name__ == "__main__":
    main()
