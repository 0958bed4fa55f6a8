"""The window appears without building (or importing) what is not on screen (ui/lazy.py): plots,
the inspect and experiment views are built when their tab is first shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

HEAVY = ("pyqtgraph", "networkx", "optuna", "captum", "pandas", "pyarrow", "torchmetrics", "onnx",
         "torch._dynamo", "sqlalchemy", "scipy")

WINDOW_SHOWN = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from netbuilder.templates import load_template
from ui.main_window import MainWindow
w = MainWindow(load_template("lenet5"))
w.show()
for _ in range(3):
    app.processEvents()
w.canvas.fit_all()
app.processEvents()
built = [w.bottom_tabs.tabText(i) for i in range(w.bottom_tabs.count())
         if w.bottom_tabs.is_built(w.bottom_tabs.tabText(i))]
print(json.dumps({"heavy": [m for m in %r if m in sys.modules], "built": built}))
w.training.shutdown()
"""


def test_the_shown_window_imports_nothing_heavy(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NETBUILDER_CONFIG_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", WINDOW_SHOWN % (HEAVY,)], capture_output=True,
                          text=True, check=True, env=env, timeout=240,
                          cwd=Path(__file__).resolve().parents[2])
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["heavy"] == []
    assert found["built"] == ["Problems", "Training", "Data"]  # what is on screen, or always needed


def _tab(w, title):
    bar = w.bottom_tabs.tabBar()
    index = w.bottom_tabs.index_of_title(title)
    QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, bar.tabRect(index).center())


def test_a_tab_is_built_when_first_chosen_and_keeps_its_place(make_window, qtbot):
    w = make_window()
    tabs = w.bottom_tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert not tabs.is_built("Evaluation") and not w.training.dashboard_slot.is_built
    _tab(w, "Training")
    assert w.training.dashboard_slot.is_built  # the plots, drawn once the tab shows
    _tab(w, "Evaluation")
    assert tabs.currentWidget() is w.training.evaluation and tabs.is_built("Evaluation")
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles
    assert w.training.evaluation.isVisible()
    # a tab asked for by code (a menu action) is built without being shown
    assert not tabs.is_built("Runs")
    runs = w.experiments.runs
    assert tabs.is_built("Runs") and tabs.currentWidget() is w.training.evaluation
    w.experiments.actions["runs"].trigger()
    assert w.experiments.current_panel() is runs


def test_the_evaluation_tab_built_late_shows_what_happened_before(make_window):
    w = make_window()
    panel = w.training
    assert panel._evaluation is None
    panel._clear_plots()  # a run starts...
    panel._evaluation_epoch(1, {"val_accuracy": 0.75, "val_loss": 0.5})  # ...and reports an epoch
    ev = panel.evaluation  # the tab is built only now
    assert ev.cards["accuracy"].text().count("0.7500") == 1
    assert ev.status.text().startswith("Epoch 1:")
