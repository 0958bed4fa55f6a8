"""Canvas benchmarks: open 500 / 5,000 node projects, pan/zoom frames at 5,000, edit a 500-node graph.

Run: python bench/bench_canvas.py [--quick]   (offscreen; prints figures, never asserts)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10, help="pan and zoom steps timed at each zoom")
    parser.add_argument("--quick", action="store_true", help="4 steps at each zoom")
    args = parser.parse_args()
    if args.quick:
        args.steps = 4
    app = QApplication.instance() or QApplication([])
    from ui import theme
    from ui.main_window import MainWindow

    theme.apply(app, "dark")
    tmp = Path(tempfile.mkdtemp())
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    app.processEvents()
    results = {}
    for n in (500, 5000):
        path = tmp / f"gen{n}.json"
        save_project(generated(n), path)

        def open_and_draw(path=path):
            w.open_file(str(path))
            w.canvas.fit_all()
            w.canvas.viewport().repaint()
            app.processEvents()
        results[n] = timed(open_and_draw)
        print(f"open {n:>5} nodes (load + layout + analysis + scene + fitted draw): {results[n] * 1000:8.1f} ms")
    print(f"ratio 5000/500: {results[5000] / results[500]:.1f}x (10x more nodes)")

    # pan / zoom frames at 5,000 nodes: each step is a scroll or a zoom followed by a full repaint
    # of the viewport, at the fitted overview and at zooms where nodes are drawn as items
    view = w.canvas
    centre = view.net_scene.itemsBoundingRect().center()
    worst = 0.0
    for label, zoom in (("fitted", None), ("0.31x", 0.31), ("0.5x", 0.5), ("1x", 1.0)):
        view.fit_all()
        if zoom is not None:
            view.resetTransform()
            view.scale(zoom, zoom)
            view.centerOn(centre)
        view.viewport().repaint()
        pans, zooms = [], []
        for i in range(args.steps):
            bar = view.horizontalScrollBar()
            t = time.perf_counter()
            bar.setValue(bar.value() + (40 if i % 2 == 0 else -40))
            view.viewport().repaint()
            pans.append(time.perf_counter() - t)
            t = time.perf_counter()
            view.zoom_by(1.1 if i % 2 == 0 else 1 / 1.1)
            view.viewport().repaint()
            zooms.append(time.perf_counter() - t)
        pans.sort()
        zooms.sort()
        worst = max(worst, pans[-1], zooms[-1])
        print(f"5000 nodes at {label:>6} (zoom {view.zoom():.2f}): pan frame median {pans[len(pans) // 2] * 1000:5.1f} ms "
              f"max {pans[-1] * 1000:5.1f} ms, zoom frame median {zooms[len(zooms) // 2] * 1000:5.1f} ms "
              f"max {zooms[-1] * 1000:5.1f} ms")
    print(f"slowest pan/zoom frame at 5000 nodes: {worst * 1000:.1f} ms (target <= 50 ms)")

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
    doc.undo_stack.setClean()
    w.recovery.stop()
    w.close()


if __name__ == "__main__":
    main()
