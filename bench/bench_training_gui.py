"""Training throughput with the GUI attached, and GUI latency while training.

(a) one epoch of the same model/data/batch three ways: a plain hand-written loop, the
    headless trainer (netbuilder.train.train), and the trainer in the GUI's QThread with the
    live dashboard redrawing; printed as ratios to the plain loop (target >= 0.95). The plain
    loop and the headless trainer run in a thread with all the cores, as the GUI's training
    thread does; measured alone, that is as fast as the main thread.
(b) while the GUI trains, a 5 ms QTimer's lateness: p50/p99 (target p99 <= 16 ms).
(c) the GUI epoch again with a live layer preview (ui/inspect) on a conv/dense node: weight
    copies handed over by the training thread twice a second, the preview computed on the inspect
    engine's thread and painted; its ratio to the plain GUI epoch of the same round (target
    >= 0.98), and the timer's lateness while previews update.

    QT_QPA_PLATFORM=offscreen python bench/bench_training_gui.py [--rounds N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch
from torch import nn

from netbuilder.data import DataBundle
from netbuilder.train import TrainSettings, train

SETTINGS = {"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 1e-3},
            "batch_size": 128, "epochs": 1, "metrics": ["accuracy"], "device": "cpu"}


def _project(shape, *layers):
    """The models as projects (node ids = module names), so that the previews can name a node;
    every mode trains the same compiled module."""
    from netbuilder.spec import Edge, Node, Project

    nodes = [Node("x", "Input", {"shape": list(shape)})]
    nodes += [Node(nid, t, p) for nid, t, p in layers] + [Node("y", "Output", {})]
    return Project(name="bench", nodes=nodes,
                   edges=[Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)])


MLP = _project((784,), ("fc1", "Linear", {"out_features": 256}), ("relu1", "ReLU", {}),
               ("fc2", "Linear", {"out_features": 128}), ("relu2", "ReLU", {}),
               ("fc3", "Linear", {"out_features": 10}))
CNN = _project((1, 28, 28), ("conv1", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
               ("relu1", "ReLU", {}), ("pool1", "MaxPool2d", {"kernel_size": 2}),
               ("conv2", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
               ("relu2", "ReLU", {}), ("pool2", "MaxPool2d", {"kernel_size": 2}),
               ("flatten", "Flatten", {}), ("fc", "Linear", {"out_features": 10}))


def mlp():
    from netbuilder.compiler import build_model
    return build_model(MLP)


def cnn():
    from netbuilder.compiler import build_model
    return build_model(CNN)


def bundle(shape, n):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, *shape, generator=g), torch.randint(0, 10, (n,), generator=g)
    xv, yv = x[:512], y[:512]
    empty = x[:0]
    return DataBundle(x, y, xv, yv, empty, y[:0], task="classification",
                      class_names=[str(i) for i in range(10)], num_classes=10,
                      input_shape=tuple(shape), target_shape=(), feature_names=None)


def plain_epoch(make, b) -> float:
    torch.manual_seed(0)
    model, bs = make(), SETTINGS["batch_size"]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = b.x_train, b.y_train
    start = time.perf_counter()
    perm = torch.randperm(len(x))
    total = torch.zeros(())
    for i in range(0, len(x), bs):
        idx = perm[i:i + bs]
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach()
    total.item()
    return time.perf_counter() - start


def headless_epoch(make, b) -> float:
    torch.manual_seed(0)
    return train(make(), b, SETTINGS).history[0]["epoch_time"]


copy_s = [0.0]  # the last GUI epoch's training-thread time spent copying weights


def gui_epoch(make, b, app, window, probe: bool = True):
    """The trainer in the GUI's runner/thread, dashboard shown; returns epoch time, lateness."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    import ui.training.worker as worker_mod

    def bench_run(project, base_dir, *, reporter=None, report_every=10, on_prepared=None, **_):
        # the GUI's real worker, thread and reporter; only the model/data source differs
        from netbuilder.session import Prepared

        torch.manual_seed(0)
        model, settings = make(), TrainSettings.from_dict(SETTINGS)
        if on_prepared is not None:  # the worker keeps the model for weight copies
            on_prepared(Prepared(MODELS_BY_MAKE[make], b, settings, model))
        return train(model, b, settings, reporter=reporter, report_every=report_every)

    real_run = worker_mod.run_training
    worker_mod.run_training = bench_run
    panel = window
    late: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - 5.0))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(5)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    panel.runner.thread_ended.connect(loop.quit)
    panel.runner.start(None, ".")
    last[0] = time.perf_counter()
    if probe:
        timer.start()
    loop.exec()
    timer.stop()
    panel.runner.thread_ended.disconnect(loop.quit)
    worker_mod.run_training = real_run
    copy_s[0] = panel.runner.last_copy_s
    return panel.runner.last_result.history[0]["epoch_time"], late, panel.dashboard.redraws


MODELS = {"mlp": ("MLP 784-256-128-10", mlp, (784,), 1), "cnn": ("small CNN 1x28x28", cnn,
                                                                  (1, 28, 28), 6)}
MODELS_BY_MAKE = {mlp: MLP, cnn: CNN}
PREVIEW_NODE = {"mlp": "fc1", "cnn": "conv1"}


def preview_window(panel):
    """The inspect controller over the panel, and a layer preview window (hidden until shown)."""
    from ui.inspect.controller import InspectController
    from ui.inspect.preview_view import LayerPreview

    controller = InspectController(panel.document, panel)
    view = LayerPreview(controller)
    controller.add_view(view)
    view.resize(360, 520)
    return controller, view


def set_previews(app, controller, view, node: str | None) -> None:
    if node is None:
        view.hide()
    else:
        view.show()
        controller.document.set_selection([node])
    app.processEvents()
    controller._update_wanted()  # now, not at the controller's next half-second check


def in_worker_thread(fn):
    """Run fn in a fresh thread with all the cores, as the GUI's training thread has them
    (the main thread stays at one torch thread: see ui/training/threads.py)."""
    from ui.training.threads import use_cores_in_this_thread

    out = []

    def run():
        use_cores_in_this_thread()
        out.append(fn())

    t = threading.Thread(target=run)
    t.start()
    t.join()
    return out[0]


def measure(model: str, n: int, rounds: int) -> dict:
    """All modes in one process, interleaved round by round: on a shared machine the speed
    drifts by tens of percent over seconds, and only epochs measured close together compare."""
    from ui.training.threads import reserve_cores_for_training

    reserve_cores_for_training()  # first thing, as TrainingPanel does
    _, make, shape, div = MODELS[model]
    b = bundle(shape, n // div)
    in_worker_thread(lambda: plain_epoch(make, bundle(shape, 2048)))  # warm-up
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from netbuilder.templates import load_template
    from ui import theme
    from ui.document import Document
    from ui.training.panel import TrainingPanel

    app = QApplication.instance() or QApplication([])
    theme.apply(app, "dark")
    panel = TrainingPanel(Document(load_template("mlp")))
    panel.resize(1200, 420)
    panel.show()
    for _ in range(3):  # paint it once, as the app has before anyone presses Train
        app.processEvents()
    data = panel.data_panel  # and let the Data tab finish its first load: not during round 1
    while data.loading or data._reload_timer.isActive():
        app.processEvents(QEventLoop.WaitForMoreEvents)
    controller, view = preview_window(panel)
    previews: list = []
    controller.result.connect(lambda kind, value: kind == "preview" and previews.append(kind))
    times: dict[str, list[float]] = {"plain": [], "headless": [], "gui": [], "previews": []}
    redraws, preview_rate, preview_cpu = [], [], []
    for _ in range(rounds):
        times["plain"].append(in_worker_thread(lambda: plain_epoch(make, b)))
        times["headless"].append(in_worker_thread(lambda: headless_epoch(make, b)))
        panel.dashboard.redraws = 0
        epoch_s, _, drawn = gui_epoch(make, b, app, panel, probe=False)
        times["gui"].append(epoch_s)
        redraws.append(drawn / epoch_s)
        set_previews(app, controller, view, PREVIEW_NODE[model])
        previews.clear()
        engine_cpu, paint = controller.engine.cpu_s, view.paint_s
        epoch_s, _, _ = gui_epoch(make, b, app, panel, probe=False)
        times["previews"].append(epoch_s)
        preview_rate.append(len(previews) / epoch_s)
        # the preview's own work, as a share of the machine's CPU time during the epoch
        work = controller.engine.cpu_s - engine_cpu + view.paint_s - paint + copy_s[0]
        preview_cpu.append(work / (epoch_s * (os.cpu_count() or 1)))
        set_previews(app, controller, view, None)
    # latency, pooled over the rounds: one epoch alone gives too few ticks for a p99
    late = sorted(t for _ in range(rounds) for t in gui_epoch(make, b, app, panel)[1])
    set_previews(app, controller, view, PREVIEW_NODE[model])
    late_previews = sorted(t for _ in range(rounds) for t in gui_epoch(make, b, app, panel)[1])
    controller.shutdown()
    panel.shutdown()
    paired = {k: statistics.median(p / t for p, t in zip(times["plain"], times[k]))
              for k in ("headless", "gui", "previews")}  # each round's ratio: epochs close in time
    paired["previews_vs_gui"] = statistics.median(g / p for g, p in zip(times["gui"],
                                                                        times["previews"]))

    def pct(values, q):
        return values[max(0, int(len(values) * q) - 1)]

    return {**{k: min(v) for k, v in times.items()}, "paired": paired,
            "redraws_per_s": statistics.median(redraws),
            "previews_per_s": statistics.median(preview_rate),
            "preview_cpu_share": statistics.median(preview_cpu),
            "p50": statistics.median(late), "p99": pct(late, .99), "max": late[-1],
            "ticks": len(late), "p50_previews": statistics.median(late_previews),
            "p99_previews": pct(late_previews, .99), "max_previews": late_previews[-1]}


def main() -> int:
    import json
    import subprocess

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=60000, help="MLP samples (CNN: n / 6)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of plain/headless/GUI")
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model:
        print(json.dumps(measure(args.model, args.n, args.rounds)))
        return 0
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cores "
          f"{os.cpu_count()}; one process per model, {args.rounds} rounds of plain / headless / "
          "GUI epochs")
    for model, (name, _, _, div) in MODELS.items():
        cmd = [sys.executable, __file__, "--model", model, "--n", str(args.n), "--rounds",
               str(args.rounds)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name}: {args.n // div} samples, batch {SETTINGS['batch_size']}")
        print(f"  plain loop  {r['plain']:6.3f} s/epoch")
        for mode, label in (("headless", "headless   "), ("gui", "GUI thread ")):
            print(f"  {label} {r[mode]:6.3f} s/epoch   ratio {r['plain'] / r[mode]:.3f} (best "
                  f"epochs), {r['paired'][mode]:.3f} (median of the rounds' ratios)")
        print(f"  the dashboard redrew {r['redraws_per_s']:.1f} times/s")
        print(f"  GUI 5 ms timer lateness while training: p50 {r['p50']:.2f} ms, p99 "
              f"{r['p99']:.2f} ms, max {r['max']:.2f} ms over {r['ticks']} ticks")
        print(f"  with a live layer preview ({r['previews_per_s']:.1f} updates/s): "
              f"{r['previews']:6.3f} s/epoch, {r['paired']['previews_vs_gui']:.3f} of the GUI "
              f"epoch's speed (median of the rounds' ratios); the preview's own work (weight copies, "
              f"engine, painting) {r['preview_cpu_share']:.2%} of the machine's CPU time; timer "
              f"lateness p50 "
              f"{r['p50_previews']:.2f} ms, p99 {r['p99_previews']:.2f} ms, max "
              f"{r['max_previews']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
