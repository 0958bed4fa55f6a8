"""How much listener work one edit costs in the window: the slots each kind of edit runs.

Run: python -m bench.bench_listeners [--nodes N]   (offscreen; prints figures, never asserts)

Opens a generated graph with every listening view built (the Code tab shown), then makes one
edit of each kind through the undo stack and counts, with cProfile, the calls of the views'
refresh slots and of the analysis. A single node move should touch the moved node only."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NETBUILDER_CONFIG_DIR", tempfile.mkdtemp(prefix="nb-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_canvas import generated

# (file suffix, function name): the work a listener does, by who does it
WATCHED = [
    ("shapes.py", "analyze"),
    ("canvas/scene.py", "sync"),
    ("canvas/scene.py", "rebuild"),
    ("canvas/node_item.py", "set_content"),
    ("inspector.py", "refresh"),
    ("inspector.py", "_build"),
    ("problems.py", "refresh"),
    ("code_view.py", "set_project"),
    ("canvas/minimap.py", "invalidate"),
    ("canvas/network_tabs.py", "_label"),
    ("main_window.py", "_update_status"),
    ("main_window.py", "_update_title"),
    ("data_panel.py", "_document_changed"),
    ("settings_form.py", "load"),
    ("inspect/controller.py", "start"),
]


def counts(stats: pstats.Stats) -> dict[str, int]:
    out = {}
    for (path, _, name), (_, ncalls, *_rest) in stats.stats.items():
        for suffix, wanted in WATCHED:
            if name == wanted and path.replace("\\", "/").endswith(suffix):
                key = f"{suffix.rsplit('/', 1)[-1][:-3]}.{name}"
                out[key] = out.get(key, 0) + ncalls
    return out


def measured(app, fn) -> tuple[dict[str, int], float]:
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    fn()
    app.processEvents()
    prof.disable()
    elapsed = time.perf_counter() - t
    return counts(pstats.Stats(prof)), elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=500)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from ui import commands
    from ui.main_window import MainWindow

    w = MainWindow()
    w.show()
    path = Path(tempfile.mkdtemp()) / "g.json"
    from netbuilder.spec import save_project

    save_project(generated(args.nodes), path)
    w.open_file(str(path))
    w.bottom_tab("Code")  # the code view is built: it listens too
    w.training.data_panel  # noqa: B018 - the tabs that listen to the document exist
    app.processEvents()
    doc = w.document
    node = doc.project.nodes[len(doc.project.nodes) // 2]
    doc.set_selection([node.id])
    app.processEvents()
    linear = next(n for n in doc.project.nodes if n.type == "Linear")
    edits = {
        "move one node": lambda: doc.push(commands.MoveNodes(doc, {node.id: (node.pos, (node.pos[0] + 40,
                                                                                      node.pos[1]))})),
        "undo the move": doc.undo_stack.undo,
        "set one param": lambda: doc.push(commands.SetParam(doc, linear.id, "out_features", 32)),
        "select a node": lambda: doc.set_selection([linear.id]),
    }
    print(f"{args.nodes} nodes; calls per edit (cProfile), and the edit's wall time with the profiler on")
    for name, fn in edits.items():
        calls, elapsed = measured(app, fn)
        total = sum(v for k, v in calls.items() if k not in ("node_item.set_content", "shapes.analyze"))
        detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        print(f"{name:>14}: {total:3d} listener calls, {elapsed * 1000:7.1f} ms  [{detail}]")
    doc.undo_stack.setClean()
    w.recovery.stop()
    w.close()


if __name__ == "__main__":
    main()
