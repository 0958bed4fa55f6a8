"""An Input that leaves its shape to the data (CONTRACT.md): the canvas, the inspector and the
problems list use the loaded data's shape, and say it is the data's; before the data is loaded
they say so rather than check the graph against a made-up 1x28x28."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.spec import Edge, Node, Project

from .helpers import click_node
from .test_data_panel_fixes import pick_item, wait_loaded

NOT_LOADED = ("Input 'x' takes its shape from the data, which is not loaded: load the data "
              "(Data tab) or set the shape.")
PENGUINS = Path(__file__).parent.parent / "data" / "penguins.csv"


def mlp_without_input_shape(path: str) -> Project:
    nodes = [Node("x", "Input", {}, (0.0, 0.0)),
             Node("fc1", "Linear", {"out_features": 8}, (0.0, 130.0)),
             Node("act", "ReLU", {}, (0.0, 260.0)),
             Node("fc2", "Linear", {"out_features": 3}, (0.0, 390.0)),
             Node("out", "Output", {}, (0.0, 520.0))]
    edges = [Edge(a.id, b.id) for a, b in itertools.pairwise(nodes)]
    return Project(name="Penguins", nodes=nodes, edges=edges,
                   data={"kind": "csv", "path": path},  # no target yet: nothing loads
                   training={"loss": "CrossEntropyLoss"})


def test_the_canvas_takes_the_input_shape_from_the_csv_loaded_on_the_data_tab(
        qtbot, make_window, tmp_path):
    shutil.copy(PENGUINS, tmp_path / "penguins.csv")
    w = make_window(mlp_without_input_shape("penguins.csv"), str(tmp_path / "p.json"))
    panel = w.training.data_panel
    bar = w.bottom_tabs.tabBar()  # the user opens the Data tab
    QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier,
                     bar.tabRect(w.bottom_tabs.indexOf(panel)).center())
    assert w.bottom_tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: "data.target is missing" in panel.shape_label.text(), timeout=20_000)
    wait_loaded(qtbot, panel)
    doc, x = w.document, w.canvas.net_scene.nodes["x"]

    # not loaded: the Input says its shape is the data's, and nothing below it is checked
    # against the layer's default 1x28x28
    assert x.summary == "shape from data"
    messages = [p.message for p in doc.problems.graph]
    assert messages == [NOT_LOADED]
    assert "fc1" not in doc.analysis.tensors and "1×28×28" not in x.summary

    pick_item(qtbot, panel.target, "species")  # the user picks the target: the table loads
    qtbot.waitUntil(lambda: doc.data_shape == (9,), timeout=20_000)
    wait_loaded(qtbot, panel)
    assert x.summary == "shape 9 from data"
    assert doc.analysis.inferred["fc1"]["in_features"] == 9
    assert len(doc.problems) == 0 and w.problems.count == 0
    assert panel.shape_label.text().startswith("✓ Each sample reaches the Input as [9]")
    assert "shape" not in doc.project.node("x").params  # the project still leaves it to the data

    click_node(w.canvas, "x")  # the inspector: the field stays empty and says the data's shape
    qtbot.waitUntil(lambda: "shape" in w.inspector.fields)
    field = w.inspector.fields["shape"]
    assert field.text() == "" and field.placeholderText() == "9 from the data"
    # the layer preview runs the model as training builds it: in_features 9
    qtbot.waitUntil(lambda: w.inspect.controller.project is not None)
    assert w.inspect.controller.project.node("x").params["shape"] == [9]

    # another column left out: the data's shape follows, and so does the canvas
    pick_item(qtbot, panel.columns.role_combo("island"), "ignored")
    qtbot.waitUntil(lambda: doc.data_shape == (6,), timeout=20_000)
    assert x.summary == "shape 6 from data" and doc.analysis.inferred["fc1"]["in_features"] == 6
    assert field.placeholderText() == "6 from the data"
