"""Canvas benchmarks: open 500 / 5,000 node projects, pan/zoom frames at 5,000, edit a 500-node graph.

Run: python bench/bench_canvas.py [--quick] [--rounds R] [--steps N] [--baseline REV]
(offscreen; prints figures, never asserts)

A pan or zoom frame is a scroll by 40 px or a zoom step (in by 1.1x, out by 1.09x: each at a new
scale) followed by a repaint of the whole viewport (what a wheel zoom costs; a drag pan repaints
only the strip scrolled in). Frames are timed at several zooms, in rounds that visit the zooms in
alternating order, and reported as median, p99 and the slowest; the first frame at each zoom (a
jump there, as Fit makes) is counted too. Before the frames the app idles IDLE_S after the open's
first paint (the user looks at the fitted graph first), its event latency meanwhile reported.
Garbage collections during timed frames are reported, as the app freezes its imports out of the
collector at start (ui/app.py) and so does this bench. --baseline REV times the frames of
that revision (a temporary git worktree) in alternating child processes with the current code.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))
# the tree whose code is timed: this one, or a baseline checkout (--baseline runs this file there)
sys.path.insert(0, os.environ.get("NETBUILDER_BENCH_TREE") or str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from netbuilder.spec import Edge, Node, Project, save_project


def generated(n: int, positions: bool = False) -> Project:
    """A residual MLP: Input, then blocks Linear → ReLU → Add(skip), ending in an Output."""
    p = Project(name=f"gen{n}")
    p.nodes.append(Node("x", "Input", {"shape": (64,)}))
    prev = "x"
    while len(p.nodes) < n - 1:
        fc, act, add = p.new_id("Linear"), None, None
        p.nodes.append(Node(fc, "Linear", {"out_features": 64}))
        p.edges.append(Edge(prev, fc))
        act = f"relu{len(p.nodes)}"
        p.nodes.append(Node(act, "ReLU"))
        p.edges.append(Edge(fc, act))
        add = f"add{len(p.nodes)}"
        p.nodes.append(Node(add, "Add"))
        p.edges += [Edge(act, add), Edge(prev, add)]
        prev = add
    p.nodes.append(Node("y", "Output"))
    p.edges.append(Edge(prev, "y"))
    return p


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


ZOOMS = (("fitted", None), ("0.31x", 0.31), ("0.4x", 0.4), ("0.5x", 0.5), ("0.7x", 0.7), ("1x", 1.0),
         ("2x", 2.0))


class GcWatch:
    """Time spent in garbage collections while a frame is timed."""

    def __init__(self):
        self.spent, self.gen2, self._t = 0.0, 0, 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase, info):
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.spent += time.perf_counter() - self._t
            self.gen2 += info["generation"] == 2

    def take(self) -> tuple[float, int]:
        out = (self.spent, self.gen2)
        self.spent, self.gen2 = 0.0, 0
        return out


def frame_rounds(app, view, rounds: int, steps: int) -> list[dict]:
    """Time pan and zoom frames at each zoom, `rounds` times, the zooms in alternating order."""
    scene = view.net_scene
    centre = getattr(scene, "graph_rect", scene.itemsBoundingRect)().center()  # older trees lack graph_rect
    watch = GcWatch()
    out = []

    def frame(label, kind, step, move):
        watch.take()
        t = time.perf_counter()
        move()
        view.viewport().repaint()
        ms = (time.perf_counter() - t) * 1000
        gc_s, gen2 = watch.take()
        out.append({"zoom": label, "kind": kind, "round": r, "step": step, "ms": ms, "gc_ms": gc_s * 1000,
                    "gen2": gen2})

    def jump(zoom):
        view.fit_all()
        if zoom is not None:
            view.resetTransform()
            view.scale(zoom, zoom)
            view.centerOn(centre)

    for r in range(rounds):
        order = ZOOMS if r % 2 == 0 else ZOOMS[::-1]
        for label, zoom in order:
            frame(label, "jump", 0, lambda zoom=zoom: jump(zoom))
            for i in range(steps):
                bar = view.horizontalScrollBar()
                frame(label, "pan", i, lambda i=i, bar=bar: bar.setValue(bar.value() + (40 if i % 2 == 0 else -40)))
                # in by 1.1, out by 1.09: each zoom frame is at a scale not drawn before, as in a
                # wheel zoom, so that nothing kept per scale (glyphs, node frames) is reused
                frame(label, "zoom", i, lambda i=i: view.zoom_by(1.1 if i % 2 == 0 else 1 / 1.09))
            app.processEvents()
    gc.callbacks.remove(watch._cb)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def summary(frames: list[dict], kind=None, zoom=None) -> str:
    ms = [f["ms"] for f in frames if (kind is None or f["kind"] == kind) and (zoom is None or f["zoom"] == zoom)]
    if not ms:
        return ""
    return f"median {statistics.median(ms):5.1f}  p99 {p99(ms):5.1f}  max {max(ms):5.1f} ms (n={len(ms)})"


def report(frames: list[dict], title: str) -> None:
    print(f"-- pan/zoom frames at 5000 nodes, {title}")
    for label, _ in ZOOMS:
        at = [f for f in frames if f["zoom"] == label]
        jumps = [f["ms"] for f in at if f["kind"] == "jump"]
        print(f"  {label:>6}: pan {summary(at, 'pan')} | zoom {summary(at, 'zoom')} | "
              f"jump max {max(jumps):5.1f} ms")
    moves = [f for f in frames if f["kind"] != "jump"]
    worst = max(frames, key=lambda f: f["ms"])
    print(f"  all pan and zoom frames: {summary(moves)}")
    print(f"  slowest frame, jumps included: {worst['ms']:.1f} ms ({worst['kind']} at {worst['zoom']}, "
          f"round {worst['round'] + 1}, step {worst['step']}) (target <= 50 ms)")
    collected = [f for f in frames if f["gc_ms"] > 0]
    if collected:
        g = max(collected, key=lambda f: f["gc_ms"])
        print(f"  garbage collections in {len(collected)} of {len(frames)} frames, longest {g['gc_ms']:.1f} ms "
              f"(in a {g['ms']:.1f} ms frame); full collections: {sum(f['gen2'] for f in frames)}")
    else:
        print(f"  no garbage collection during the {len(frames)} frames")


def open_generated(w, app, n: int, folder: Path) -> None:
    path = folder / f"gen{n}.json"
    save_project(generated(n), path)
    w.open_file(str(path))
    w.canvas.fit_all()
    w.canvas.viewport().repaint()
    app.processEvents()


def make_window(app):
    from ui import theme
    from ui.main_window import MainWindow

    theme.apply(app, "dark")
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    app.processEvents()
    return w


def close_window(w) -> None:
    w.document.undo_stack.setClean()
    w.recovery.stop()
    w.close()


IDLE_S = 1.5  # the app idle after the first paint, before the first gesture (a user looks first)
TICK_MS = 5


def idle_after_open(app, view) -> dict:
    """Run the app's event loop for IDLE_S after the open's first paint, as the user looks at the
    fitted graph, with a precise 5 ms timer on the GUI thread: its lateness is how long an event
    waited behind the work done there meanwhile (the view's idle-time preparation, where the tree
    has one). Returns the lateness p99 and max, and when that preparation finished."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    clock, late, last, prepared = QElapsedTimer(), [], [0], []
    clock.start()

    def tick():
        now = clock.elapsed()
        late.append(max(0, now - last[0] - TICK_MS))
        last[0] = now

    preparer = getattr(view, "preparer", None)  # older trees have none
    if preparer is not None:
        preparer.finished.connect(lambda: prepared.append(clock.elapsed()))
    timer = QTimer(interval=TICK_MS, timerType=Qt.PreciseTimer)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(IDLE_S * 1000), loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    return {"late_p99": p99(late), "late_max": max(late), "ticks": len(late),
            "prepared_ms": prepared[-1] if prepared else None,
            "steps": preparer.steps if preparer is not None else None}


def idle_report(idles: list[dict]) -> str:
    late = ", ".join(f"{i['late_p99']:.0f}/{i['late_max']:.0f}" for i in idles)
    out = f"  idle {IDLE_S} s after the open, {TICK_MS} ms timer lateness p99/max per process: {late} ms"
    done = [i for i in idles if i["steps"] is not None]
    if done:
        when = ", ".join(f"{i['prepared_ms']} ms in {i['steps']} steps" if i["prepared_ms"] is not None
                         else f"not finished ({i['steps']} steps)" for i in done)
        out += f"\n  prepared in idle time (face texts; edge curves and the minimap where the tree does them): {when}"
    return out


def frames_child(rounds: int, steps: int) -> None:
    """--frames-only: open the 5,000-node project, idle, time the frames, print them as JSON lines."""
    app = QApplication.instance() or QApplication([])
    gc.freeze()  # as the app does once its libraries are imported (ui/app.py)
    w = make_window(app)
    open_generated(w, app, 5000, Path(tempfile.mkdtemp()))
    idle = idle_after_open(app, w.canvas)
    frames = frame_rounds(app, w.canvas, rounds, steps)
    close_window(w)
    print("IDLE " + json.dumps(idle))
    print("FRAMES " + json.dumps(frames))


def against_baseline(rev: str, rounds: int, steps: int) -> None:
    """The frames of this code and of `rev`, each in its own process, the two alternating."""
    here = Path(__file__).resolve().parent.parent
    base = Path(tempfile.mkdtemp(prefix="nb-bench-base-")) / "tree"
    subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", str(base), rev], check=True,
                   capture_output=True)
    try:
        frames = {"current": [], rev: []}
        idles = {"current": [], rev: []}
        for r in range(rounds):
            sides = (("current", here), (rev, base)) if r % 2 == 0 else ((rev, base), ("current", here))
            for name, root in sides:
                # the current bench drives both trees: the same frames, only the canvas code differs
                env = {**os.environ, "NETBUILDER_BENCH_TREE": str(root)}
                done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--frames-only",
                                       "--rounds", "1", "--steps", str(steps)], cwd=root, env=env,
                                      capture_output=True, text=True, check=True)
                line = next(x for x in done.stdout.splitlines() if x.startswith("FRAMES "))
                idles[name] += [json.loads(x[len("IDLE "):]) for x in done.stdout.splitlines()
                                if x.startswith("IDLE ")]
                for f in json.loads(line[len("FRAMES "):]):
                    f["round"] = r
                    frames[name].append(f)
        for name, fs in frames.items():
            report(fs, f"{name} ({rounds} processes, alternating)")
            print(idle_report(idles[name]))
    finally:
        subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(base)], check=False,
                       capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all zooms (alternating order)")
    parser.add_argument("--steps", type=int, default=20, help="pan and zoom steps timed at each zoom per round")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 8 steps")
    parser.add_argument("--baseline", metavar="REV", help="also time the frames of this git revision, alternating")
    parser.add_argument("--frames-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.steps = 2, 8
    if args.frames_only:
        frames_child(args.rounds, args.steps)
        return
    if args.baseline:
        against_baseline(args.baseline, max(args.rounds, 2), args.steps)
        return
    app = QApplication.instance() or QApplication([])
    gc.freeze()  # as the app does once its libraries are imported (ui/app.py)
    w = make_window(app)
    tmp = Path(tempfile.mkdtemp())
    results = {}
    for n in (500, 5000):
        results[n] = timed(lambda n=n: open_generated(w, app, n, tmp))
        print(f"open {n:>5} nodes (load + layout + analysis + scene + fitted draw): {results[n] * 1000:8.1f} ms")
    print(f"ratio 5000/500: {results[5000] / results[500]:.1f}x (10x more nodes)")

    view = w.canvas
    idle = idle_after_open(app, view)
    report(frame_rounds(app, view, args.rounds, args.steps), f"{args.rounds} rounds of {args.steps} steps")
    print(idle_report([idle]))

    # edits on 500 nodes
    w.open_file(str(tmp / "gen500.json"))
    app.processEvents()
    doc = w.document
    def add_node():
        view.add_node("ReLU", QPointF(3000, 0), connect_from="x")
        view.viewport().repaint()
    t_add = timed(add_node, 5)
    from netbuilder.app.connect import plan_connection
    from ui.commands import Connect
    relu = doc.project.nodes[-1].id
    def add_edge():
        edge, replaced, _ = plan_connection(doc.project, "x", relu, 0)
        doc.push(Connect(doc, Edge("fc1", relu), doc.project.incoming(relu)[0]))
        view.viewport().repaint()
        del edge, replaced
    t_edge = timed(add_edge, 1)
    def undo():
        doc.undo_stack.undo()
        view.viewport().repaint()
    t_undo = timed(undo, 3)
    print(f"500 nodes edit + reanalysis + labels + redraw: add node {t_add * 1000:.1f} ms, "
          f"add edge {t_edge * 1000:.1f} ms, undo {t_undo * 1000:.1f} ms")
    close_window(w)


if __name__ == "__main__":
    main()
