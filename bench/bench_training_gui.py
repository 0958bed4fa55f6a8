"""Training throughput with the GUI attached, and GUI latency while training.

(a) one epoch of the same model/data/batch several ways: a plain hand-written loop
    (bench_trainer.PlainLoop), the headless trainer (netbuilder.train.train), and the trainer
    in the GUI's QThread with the live dashboard redrawing; as ratios to the plain loop
    (target >= 0.97). The plain loop and the headless trainer run in a thread with all the
    cores, as the GUI's training thread does. This machine's speed drifts by tens of percent
    within seconds, so the modes run in ABBA order round by round and each figure is the
    median of the rounds' ratios, with their range. "lockstep" runs one plain step (own model)
    before each of the GUI trainer's batches, in its thread, with the GUI live: both see the
    same moments of the machine (but the plain steps then bear the GUI's cost too: lockstep
    measures the trainer, not the GUI; --gui-only measures the GUI).
    With --gui-epochs N (N > 1) the GUI runs last N epochs, and its first epoch (which also
    bears the GUI's work at the start of a run) and its later ones are compared with the plain
    epoch apart. "GUI thread CPU" is the GUI thread's own CPU time (time.thread_time) over the
    run's epochs: on 2 cores the training thread loses more than that, since each time the
    GUI thread runs Python the two threads hand the GIL over.
(b) while the GUI trains, a 5 ms QTimer's lateness: p50/p99 (target p99 <= 16 ms), measured
    in epochs of their own (the probe wakes the GUI thread 200 times a second).
(c) the GUI epoch again with a live layer preview (ui/inspect) on a conv/dense node: weight
    copies handed over by the training thread twice a second, the preview computed on the
    inspect engine's thread and painted. Its cost, three ways (target <= 2%): the ratio to the
    GUI epoch without previews (interleaved on/off epochs, median and range); the training
    thread's own preview time (weight copies) per epoch; and the preview's whole work
    (copies, engine, painting) as a share of the machine's CPU time. Then the timer's lateness
    while previews update.

(d) --gui-only: GUI runs of --gui-epochs epochs, each between two plain runs of as many
    epochs (P G P H P G P G P H ... P), each GUI run's ratio of the two plain runs' mean time
    to its own (the target's figure: the trainer with the GUI against the plain loop); a GUI
    run is timed from the Train button's click to the plots' last paint after the run, less
    the trainer's own time outside its epochs (setup, final evaluation: from the headless
    runs), so the clear, the first and the final paints are in it. Every other round a
    headless trainer run (H) the same way, to tell the GUI's share from the trainer's; the GUI
    thread's CPU and paint time; each headless run's whole wall against the GUI run's of its
    round (nothing taken off either). Median, bootstrap 95% interval of the median, quartiles and
    range. Short enough for 10-12 rounds in a quiet window.
After each GUI run the GUI finishes what the run's end left it (its last paint, a deferred
relayout) before the next mode starts, which it would otherwise slow.

    QT_QPA_PLATFORM=offscreen python bench/bench_training_gui.py [--rounds N] [--model mlp|cnn]
        [--gui-epochs N] [--gui-only]
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

from bench.bench_trainer import Lockstep, PlainLoop
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
    return PlainLoop(make, b.x_train, b.y_train, SETTINGS["batch_size"]).epoch()


def plain_run(make, b, epochs: int) -> list[float]:
    """The plain loop over `epochs` epochs of one model (as a GUI run of that many epochs);
    each epoch's time."""
    loop, times = PlainLoop(make, b.x_train, b.y_train, SETTINGS["batch_size"]), []
    for _ in range(epochs):
        loop.perm, loop.at, loop.seconds = None, 0, 0.0
        times.append(loop.epoch())
    return times


def headless_epoch(make, b) -> float:
    torch.manual_seed(0)
    return train(make(), b, SETTINGS).history[0]["epoch_time"]


copy_s = [0.0]  # the last GUI epoch's training-thread time spent copying weights
at_end = {}  # the GUI thread's CPU time and paint total when the last GUI run's thread ended


def drain(app, ms: int = 300, graphics=None) -> float:
    """Let the GUI finish what a run's end left it (the last refresh's paint, a deferred
    relayout): otherwise it lands in the next mode's epoch, which did not cause it. Returns
    when the plots' last paint in that time was seen done (perf_counter; within 5 ms after
    it), or when this was called if none came."""
    from PySide6.QtCore import QEventLoop, QTimer

    seen = [time.perf_counter(), graphics.paint_total_s if graphics is not None else 0.0]

    def check():
        if graphics is not None and graphics.paint_total_s != seen[1]:
            seen[:] = [time.perf_counter(), graphics.paint_total_s]

    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(5)
    poll.timeout.connect(check)
    poll.start()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    poll.stop()
    return seen[0]


def gui_epoch(make, b, app, window, probe: bool = True, lockstep: bool = False,
              click: bool = False):
    """The trainer in the GUI's runner/thread, dashboard shown; returns epoch time, lateness,
    redraws, and with lockstep the ratio of the plain steps' speed to the trainer's. With
    click, the run starts as the Train button starts it (TrainingPanel.start: the project
    copied, the plots cleared, the runner started), and at_end["wall"] is the time from the
    click to the end of the plots' last paint after the thread ended."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    import ui.training.worker as worker_mod

    clock = [None]

    def bench_run(project, base_dir, *, reporter=None, report_every=10, on_prepared=None, **_):
        # the GUI's real worker, thread and reporter; only the model/data source differs
        from netbuilder.session import Prepared

        torch.manual_seed(0)
        model, settings = make(), TrainSettings.from_dict(SETTINGS)
        if on_prepared is not None:  # the worker keeps the model for weight copies
            on_prepared(Prepared(MODELS_BY_MAKE[make], b, settings, model))
        if lockstep:
            clock[0] = Lockstep(reporter, PlainLoop(make, b.x_train, b.y_train, SETTINGS["batch_size"]))
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
    clicked = time.perf_counter()
    if click:
        panel.train_button.click()  # the real path; run_training is the bench's (above)
    else:
        panel._clear_for_run()  # as TrainingPanel.start does: the last run's plots go
        panel.runner.start(None, ".")
    last[0] = time.perf_counter()
    if probe:
        timer.start()
    loop.exec()
    at_end.update(cpu=time.thread_time(), paint=panel.dashboard.graphics.paint_total_s)
    timer.stop()
    panel.runner.thread_ended.disconnect(loop.quit)
    painted = drain(app, graphics=panel.dashboard.graphics)
    # the GUI thread's CPU and paint time up to the last paint (the final refresh's)
    at_end.update(wall=painted - clicked, cpu_painted=time.thread_time(),
                  paint_painted=panel.dashboard.graphics.paint_total_s)
    worker_mod.run_training = real_run
    copy_s[0] = panel.runner.last_copy_s
    epoch_s = panel.runner.last_result.history[0]["epoch_time"]
    return epoch_s, late, panel.dashboard.redraws, clock[0].ratio if lockstep else None


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


def _median_range(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def measure(model: str, n: int, rounds: int, gui_epochs: int = 1) -> dict:
    """All modes in one process, interleaved round by round in ABBA order: on a shared machine
    the speed drifts by tens of percent over seconds, and only epochs measured close together
    compare."""
    from ui.training.threads import reserve_cores_for_training

    reserve_cores_for_training()  # first thing, as TrainingPanel does
    _, make, shape, div = MODELS[model]
    b = bundle(shape, n // div)
    in_worker_thread(lambda: plain_epoch(make, bundle(shape, 2048)))  # warm-up
    in_worker_thread(lambda: headless_epoch(make, bundle(shape, 2048)))
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
    gui_epoch(make, bundle(shape, 2048), app, panel, probe=False)  # warm-up: the GUI's first run
    times: dict[str, list[float]] = {"plain": [], "headless": [], "gui": [], "previews": []}
    later, gui_cpu = [], []  # the GUI runs' later epochs (--gui-epochs > 1); GUI-thread CPU share
    lockstep, redraws, preview_rate, preview_cpu, preview_own = [], [], [], [], []

    def plain():
        times["plain"].append(in_worker_thread(lambda: plain_epoch(make, b)))

    def headless():
        times["headless"].append(in_worker_thread(lambda: headless_epoch(make, b)))

    def gui():
        panel.dashboard.redraws = 0
        SETTINGS["epochs"] = gui_epochs
        cpu = time.thread_time()
        try:
            epoch_s, _, drawn, _ = gui_epoch(make, b, app, panel, probe=False)
        finally:
            SETTINGS["epochs"] = 1
        epochs = [h["epoch_time"] for h in panel.runner.last_result.history]
        gui_cpu.append((at_end["cpu"] - cpu) / sum(epochs))
        times["gui"].append(epoch_s)
        if len(epochs) > 1:
            later.append(statistics.mean(epochs[1:]))
        redraws.append(drawn / sum(epochs))

    def with_previews():
        set_previews(app, controller, view, PREVIEW_NODE[model])
        previews.clear()
        engine_cpu, paint = controller.engine.cpu_s, view.paint_s
        epoch_s, _, _, _ = gui_epoch(make, b, app, panel, probe=False)
        times["previews"].append(epoch_s)
        preview_rate.append(len(previews) / epoch_s)
        preview_own.append(copy_s[0] / epoch_s)  # the training thread's own preview work
        # the preview's whole work, as a share of the machine's CPU time during the epoch
        work = controller.engine.cpu_s - engine_cpu + view.paint_s - paint + copy_s[0]
        preview_cpu.append(work / (epoch_s * (os.cpu_count() or 1)))
        set_previews(app, controller, view, None)

    def gui_lockstep():
        lockstep.append(gui_epoch(make, b, app, panel, probe=False, lockstep=True)[3])

    order = [plain, headless, gui, with_previews, gui_lockstep]
    for i in range(rounds):
        for mode in (order if i % 2 == 0 else order[::-1]):
            mode()
    # latency, pooled over epochs of their own: one epoch alone gives too few ticks for a p99
    late = sorted(t for _ in range(max(2, rounds // 2)) for t in gui_epoch(make, b, app, panel)[1])
    set_previews(app, controller, view, PREVIEW_NODE[model])
    late_previews = sorted(t for _ in range(max(2, rounds // 2))
                           for t in gui_epoch(make, b, app, panel)[1])
    controller.shutdown()
    panel.shutdown()
    paired = {k: _median_range([p / t for p, t in zip(times["plain"], times[k])])
              for k in ("headless", "gui", "previews")}  # each round's ratio: epochs close in time
    paired["lockstep"] = _median_range(lockstep)
    if later:
        paired["gui_later"] = _median_range([p / t for p, t in zip(times["plain"], later)])
    paired["previews_vs_gui"] = _median_range([g / p for g, p in zip(times["gui"], times["previews"])])

    def pct(values, q):
        return values[max(0, int(len(values) * q) - 1)]

    return {**{k: min(v) for k, v in times.items()}, "paired": paired,
            "redraws_per_s": statistics.median(redraws), "gui_cpu": _median_range(gui_cpu),
            "previews_per_s": statistics.median(preview_rate),
            "preview_cpu_share": statistics.median(preview_cpu),
            "preview_own_share": _median_range(preview_own),
            "p50": statistics.median(late), "p99": pct(late, .99), "max": late[-1],
            "ticks": len(late), "p50_previews": statistics.median(late_previews),
            "p99_previews": pct(late_previews, .99), "max_previews": late_previews[-1]}


def _spread(values: list[float], seed: int = 0) -> dict:
    """Median, quartiles, range, and a bootstrap 95% interval of the median: with the
    machine's noise at several percent, a 1-2% question needs to say how sure its median is."""
    import random

    rng = random.Random(seed)
    q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(2000))
    return {**_median_range(values), "q1": q[0], "q3": q[2],
            "ci": (medians[int(0.025 * len(medians))], medians[int(0.975 * len(medians)) - 1])}


def measure_gui_only(model: str, n: int, rounds: int, epochs: int) -> dict:
    """Only what the GUI costs the training: plain runs and GUI runs of the same `epochs`
    epochs each, P G P H P G P G P H ... P (H: the headless trainer, every other round), each
    GUI or headless run against the mean of the plain runs just before and after it.

    A GUI run is timed as the user sees it: from the Train button's click (the project
    copied, the plots cleared, the model built, the run started) to the end of the plots' last
    paint after the training thread ended. The trainer's own work outside its epochs (setup,
    the final evaluation with its details), measured in the headless runs (median), is taken
    off: what is left is the GUI run's epochs plus everything the GUI adds, its clear, its
    first paints and its final paint included. The GUI runs' epochs alone are reported too."""
    from ui.training.threads import reserve_cores_for_training

    reserve_cores_for_training()
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
    panel = TrainingPanel(Document(load_template("mlp")), runs_root=os.devnull)
    panel.resize(1200, 420)
    panel.show()
    for _ in range(3):
        app.processEvents()
    data = panel.data_panel
    while data.loading or data._reload_timer.isActive():
        app.processEvents(QEventLoop.WaitForMoreEvents)
    SETTINGS["epochs"] = epochs
    try:  # warm-up: the GUI's first run (the plots' first data), as long as the measured ones
        gui_epoch(make, bundle(shape, 2048), app, panel, probe=False, click=True)
    finally:
        SETTINGS["epochs"] = 1
    graphics = panel.dashboard.graphics
    cpu_share, paint_share, redraws = [], [], []

    def plain():
        return {"epochs": in_worker_thread(lambda: plain_run(make, b, epochs))}

    def gui():
        panel.dashboard.redraws = 0
        SETTINGS["epochs"] = epochs
        cpu, painted = time.thread_time(), graphics.paint_total_s
        try:
            gui_epoch(make, b, app, panel, probe=False, click=True)
        finally:
            SETTINGS["epochs"] = 1
        times = [h["epoch_time"] for h in panel.runner.last_result.history]
        cpu_share.append((at_end["cpu_painted"] - cpu) / at_end["wall"])
        paint_share.append((at_end["paint_painted"] - painted) / at_end["wall"])
        redraws.append(panel.dashboard.redraws / at_end["wall"])
        return {"epochs": times, "wall": at_end["wall"]}

    def headless():  # the trainer alone (no GUI, no reporter): what is the GUI's share
        def run():
            start = time.perf_counter()
            result = train(make(), b, SETTINGS)
            return [h["epoch_time"] for h in result.history], time.perf_counter() - start

        SETTINGS["epochs"] = epochs
        try:
            times, wall = in_worker_thread(run)
        finally:
            SETTINGS["epochs"] = 1
        return {"epochs": times, "wall": wall}

    runs = [("plain", plain())]
    for i in range(rounds):
        runs += [("gui", gui()), ("plain", plain())]
        if i % 2 == 1:
            runs += [("headless", headless()), ("plain", plain())]
    panel.shutdown()
    # the trainer's own time outside its epochs (setup, final evaluation), without a GUI
    outside = statistics.median(r["wall"] - sum(r["epochs"])
                                for mode, r in runs if mode == "headless")
    whole, epochs_only, later, alone, gui_outside = [], [], [], [], []
    for k in range(1, len(runs), 2):
        (_, before), (mode, r), (_, after) = runs[k - 1], runs[k], runs[k + 1]
        plain_s = (sum(before["epochs"]) + sum(after["epochs"])) / 2
        if mode == "headless":
            alone.append(plain_s / sum(r["epochs"]))
            continue
        whole.append(plain_s / (r["wall"] - outside))
        epochs_only.append(plain_s / sum(r["epochs"]))
        gui_outside.append(r["wall"] - outside - sum(r["epochs"]))
        if epochs > 1:
            later.append((sum(before["epochs"][1:]) + sum(after["epochs"][1:])) / 2
                         / sum(r["epochs"][1:]))
    # the whole GUI run (click to last paint, nothing taken off) against the whole headless
    # run of the same round (the trainer's setup and final evaluation in both): the GUI's
    # share without the subtraction of the trainer's time outside its epochs
    vs_headless = [runs[k][1]["wall"] / runs[k - 2][1]["wall"] for k in range(len(runs))
                   if runs[k][0] == "headless" and runs[k - 2][0] == "gui"]
    plains = [sum(r["epochs"]) for mode, r in runs if mode == "plain"]
    guis = [r["wall"] - outside for mode, r in runs if mode == "gui"]
    out = {"gui": _spread(whole), "gui_epochs": _spread(epochs_only), "headless": _spread(alone),
           "best": min(plains) / min(guis), "plain_s": statistics.median(plains),
           "trainer_outside_s": outside, "gui_outside_s": _spread(gui_outside),
           "gui_cpu": _spread(cpu_share), "paint": _spread(paint_share),
           "redraws_per_s": statistics.median(redraws), "vs_headless": _spread(vs_headless)}
    if later:
        out["gui_later"] = _spread(later)
    return out


def _fmt(r: dict) -> str:
    return f"{r['median']:.3f} (range {r['min']:.3f}-{r['max']:.3f}, {r['n']} rounds)"


def main() -> int:
    import json
    import subprocess

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000, help="MLP samples (CNN: n / 6)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of the interleaved modes")
    parser.add_argument("--model", choices=sorted(MODELS), help="one model only (default: both)")
    parser.add_argument("--gui-epochs", type=int, default=1, help="epochs per GUI run (the first apart)")
    parser.add_argument("--gui-only", action="store_true",
                        help="only plain runs against GUI runs of --gui-epochs epochs (ABBA)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fn = measure_gui_only if args.gui_only else measure
        print(json.dumps(fn(args.model, args.n, args.rounds, args.gui_epochs)))
        return 0
    if args.gui_only:
        return _gui_only(args)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cores "
          f"{os.cpu_count()}; one process per model, {args.rounds} ABBA rounds of plain / headless / "
          "GUI / GUI with previews / GUI lockstep epochs")
    for model in ([args.model] if args.model else list(MODELS)):
        name, _, _, div = MODELS[model]
        cmd = [sys.executable, __file__, "--child", "--model", model, "--n", str(args.n), "--rounds",
               str(args.rounds), "--gui-epochs", str(args.gui_epochs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name}: {args.n // div} samples, batch {SETTINGS['batch_size']}")
        print(f"  plain loop  {r['plain']:6.3f} s/epoch (best)")
        for mode, label in (("headless", "headless   "), ("gui", "GUI thread ")):
            print(f"  {label} {r[mode]:6.3f} s/epoch (best); throughput / plain: {_fmt(r['paired'][mode])}")
        if "gui_later" in r["paired"]:
            print(f"  GUI thread, epochs 2-{args.gui_epochs} of each run: throughput / plain: "
                  f"{_fmt(r['paired']['gui_later'])}")
        print(f"  GUI thread CPU during the GUI runs: {_fmt(r['gui_cpu'])} of their epochs' time")
        print(f"  GUI thread, lockstep with plain steps in the same thread: {_fmt(r['paired']['lockstep'])}")
        print(f"  the dashboard redrew {r['redraws_per_s']:.1f} times/s")
        print(f"  GUI 5 ms timer lateness while training: p50 {r['p50']:.2f} ms, p99 "
              f"{r['p99']:.2f} ms, max {r['max']:.2f} ms over {r['ticks']} ticks")
        print(f"  with a live layer preview ({r['previews_per_s']:.1f} updates/s): "
              f"{r['previews']:6.3f} s/epoch (best); speed / the GUI epoch without previews: "
              f"{_fmt(r['paired']['previews_vs_gui'])}")
        print(f"    the training thread's own preview work (weight copies): "
              f"{_fmt(r['preview_own_share'])} of the epoch")
        print(f"    the preview's whole work (copies, engine, painting): {r['preview_cpu_share']:.2%} of the "
              f"machine's CPU time")
        print(f"    timer lateness while previews update: p50 {r['p50_previews']:.2f} ms, p99 "
              f"{r['p99_previews']:.2f} ms, max {r['max_previews']:.2f} ms over the epochs' ticks")
    return 0


def _spread_fmt(r: dict, digits: int = 3) -> str:
    f = f"{{:.{digits}f}}".format
    return (f"{f(r['median'])} (95% CI of the median {f(r['ci'][0])}-{f(r['ci'][1])}, "
            f"quartiles {f(r['q1'])}-{f(r['q3'])}, range {f(r['min'])}-{f(r['max'])}, {r['n']} runs)")


def _gui_only(args) -> int:
    import json
    import subprocess

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cores {os.cpu_count()}; "
          f"{args.rounds} GUI runs of {args.gui_epochs} epochs, each between two plain runs")
    for model in ([args.model] if args.model else list(MODELS)):
        name, _, _, div = MODELS[model]
        cmd = [sys.executable, __file__, "--child", "--gui-only", "--model", model, "--n",
               str(args.n), "--rounds", str(args.rounds), "--gui-epochs", str(args.gui_epochs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name}: {args.n // div} samples, batch {SETTINGS['batch_size']}; plain run "
              f"{r['plain_s']:.2f} s (median)")
        print(f"  GUI run, Train click to last paint, / plain run: {_spread_fmt(r['gui'])}")
        print(f"    best GUI run / best plain run: {r['best']:.3f}")
        print(f"  the GUI runs' epochs alone / plain run: {_spread_fmt(r['gui_epochs'])}")
        if "gui_later" in r:
            print(f"    epochs 2-{args.gui_epochs}: {_spread_fmt(r['gui_later'])}")
        print(f"  headless run / GUI run of the same round, whole walls (setup and final "
              f"evaluation in both): {_spread_fmt(r['vs_headless'])}")
        print(f"  (the headless trainer's epochs / plain run in the same rounds: "
              f"{_spread_fmt(r['headless'])})")
        print(f"  GUI run time outside its epochs, beyond the trainer's own "
              f"{r['trainer_outside_s'] * 1000:.0f} ms: {_spread_fmt(r['gui_outside_s'])} s")
        print(f"  GUI thread CPU: {_spread_fmt(r['gui_cpu'])} of the run; painting the plots "
              f"{_spread_fmt(r['paint'])}; {r['redraws_per_s']:.1f} redraws/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
