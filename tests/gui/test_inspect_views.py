"""The inspect views driven by real mouse events: click conv1 and see its six maps (live while
training), draw on the pad and get `predict`'s answer, open a confusion-matrix cell's samples
and explain one, the decision map of the moons."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from netbuilder.inspect import forward, misclassified, nearest_confusions, node_outputs, probabilities
from netbuilder.inspect.inputs import image_sample
from netbuilder.templates import load_template
from ui.inspect import jobs

from .helpers import click_node

TIMEOUT = 60_000


def _lenet(n=160, epochs=3):
    project = load_template("lenet5")
    project.data = {**project.data, "n": n}
    project.training = {**project.training, "epochs": epochs, "batch_size": 32}
    return project


def _window(make_window, qtbot, project, tmp_path):
    w = make_window(project)
    w.training.runs_root = tmp_path / "runs"
    qtbot.waitUntil(lambda: w.inspect.controller.bundle is not None, timeout=TIMEOUT)
    w.canvas.fit_all()
    return w


def _engine_model(w):
    return w.inspect.controller.engine._model  # the engine is idle once a result is in


def test_click_conv1_shows_its_six_maps_live_while_training(qtbot, make_window, tmp_path):
    w = _window(make_window, qtbot, _lenet(), tmp_path)
    v = w.inspect.preview
    click_node(w.canvas, "conv1")
    qtbot.waitUntil(lambda: v.last is not None and v.last.node == "conv1", timeout=TIMEOUT)
    assert v.last.kind == "feature_maps" and v.last.maps.shape == (6, 28, 28)
    c = w.inspect.controller
    x = jobs.preview_batch(c.bundle, v.sample.value())
    expected = node_outputs(_engine_model(w), c.project, x, ["conv1"])["conv1"][0]
    assert np.array_equal(v.last.maps, expected.numpy())  # the preview is the hooked output
    assert not v.picture.pixmap().isNull()
    # hovering an edge shows its tensor's statistics
    edge = next(e for e in w.canvas.net_scene.edges.values() if e.edge.source == "conv1")
    assert edge.toolTip().startswith("conv1 → [6, 28, 28]") and "mean" in edge.toolTip()

    w.training.runner.weights_interval_s = 0.0  # every report: a short run still shows several
    seen = []
    v.controller.result.connect(lambda kind, value: kind == "preview" and value[0] is not None
                                and seen.append((value[2], value[0].maps.copy())))
    with qtbot.waitSignal(w.training.runner.thread_ended, timeout=TIMEOUT):
        qtbot.mouseClick(w.training.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: seen and seen[-1][0].startswith("trained"), timeout=TIMEOUT)
    live = [(text, maps) for text, maps in seen if text.startswith("training: step")]
    assert len({text for text, _ in live}) >= 2, [text for text, _ in seen]
    assert not np.array_equal(live[0][1], live[-1][1])  # the maps changed as it learned

    # an Input the data does not fit: the preview says it failed and keeps no earlier picture
    click_node(w.canvas, "x")
    field = w.inspector.fields["shape"]
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "1, 28, 28")
    QTest.keyClick(field, Qt.Key_Return)
    qtbot.waitUntil(lambda: v.stats.text().startswith("Preview failed"), timeout=TIMEOUT)
    assert v.last is None and v.picture.pixmap().isNull()
    assert "Input 'x' expects [1, 28, 28] but the data gives [1, 32, 32]" in v.stats.text()  # not torch's
    # a result that arrives after its model is gone (the graph broke meanwhile) is dropped
    c.project = None
    v._result(v.KIND, (None, {}, "late"))
    assert v.source.text() != "late"


def _draw_stroke(pad, points):
    QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, QPoint(*points[0]))
    for p in points[1:]:
        QTest.mouseMove(pad, QPoint(*p))
    QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, QPoint(*points[-1]))


def test_drawing_pad_prediction_equals_predict_on_the_same_pixels(qtbot, make_window, tmp_path):
    w = _window(make_window, qtbot, _lenet(), tmp_path)
    view = w.inspect.tryit
    w.bottom_tabs.setCurrentWidget(view)
    pad = view.pad
    _draw_stroke(pad, [(110, 30), (112, 80), (113, 130), (112, 190)])  # a "1"
    qtbot.waitUntil(lambda: view.last is not None and view.sample is not None
                    and view.sample.sum() > 0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not w.inspect.controller.running, timeout=TIMEOUT)
    sample = image_sample(pad.pixels(), [1, 32, 32])
    assert torch.equal(view.sample, sample)
    expected = probabilities(forward(_engine_model(w), sample[None]), "classification")[0]
    assert torch.allclose(view.last["probs"], expected, atol=1e-6)
    top = int(expected.argmax())
    assert view.prediction.text().startswith(f"Prediction: {top}")


def _choose(combo, index: int) -> None:
    """Pick an item of a closed combo box with the keyboard, as a user tabbing through does."""
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key_Home)
    for _ in range(index):
        QTest.keyClick(combo, Qt.Key_Down)


def test_confusion_cell_click_opens_its_samples_and_explains_one(qtbot, make_window, tmp_path):
    w = _window(make_window, qtbot, _lenet(), tmp_path)
    c, failures = w.inspect.controller, w.inspect.failures
    w.bottom_tabs.setCurrentWidget(failures)
    qtbot.waitUntil(lambda: failures.data is not None, timeout=TIMEOUT)
    _, x, y = jobs.eval_split(c.bundle)
    probs = probabilities(forward(_engine_model(w), x), "classification")
    wrong = misclassified(probs, y)
    assert [it.data(Qt.UserRole)["index"] for it in
            (failures.gallery.item(i) for i in range(failures.gallery.count()))] == \
        [m["index"] for m in wrong][:400]  # exactly the misclassified samples

    # the Evaluation tab's confusion matrix, clicked with the mouse on cell (true t, predicted p)
    t, p = wrong[0]["true"], wrong[0]["predicted"]
    ev = w.training.evaluation
    w.bottom_tabs.setCurrentWidget(ev)
    cm = torch.zeros(10, 10)
    for yi, pi in zip(y.tolist(), probs.argmax(1).tolist()):
        cm[yi, pi] += 1
    ev.set_task("classification")
    ev._draw_confusion(cm.tolist(), [str(i) for i in range(10)])
    qtbot.waitUntil(lambda: ev.cm_plot.isVisible())
    QTest.qWait(0)
    scene_pt = ev.cm_plot.vb.mapViewToScene(QPointF(p + 0.5, t + 0.5))
    view_pt = ev.graphics.mapFromScene(scene_pt)
    QTest.mouseClick(ev.graphics.viewport(), Qt.LeftButton, Qt.NoModifier, view_pt)
    qtbot.waitUntil(lambda: w.bottom_tabs.currentWidget() is failures, timeout=5000)
    assert failures.cell == (t, p)
    shown = [failures.gallery.item(i).data(Qt.UserRole) for i in range(failures.gallery.count())]
    assert shown and all(s["true"] == t and s["predicted"] == p for s in shown)
    assert len(shown) == int(cm[t, p])

    # a pair whose cell is empty, chosen with the keyboard: the nearest samples fill in
    empty = next((a, b) for a in range(10) for b in range(10) if a != b and cm[a, b] == 0)
    for combo, v in ((failures.pair_true, empty[0]), (failures.pair_predicted, empty[1])):
        _choose(combo, v)
    assert failures.cell == empty
    near = [failures.gallery.item(i).data(Qt.UserRole) for i in range(failures.gallery.count())]
    expected = nearest_confusions(probs, y, *empty, k=12)
    assert [n["index"] for n in near] == [e["index"] for e in expected]
    assert all(n.get("near") and n["true"] == empty[0] for n in near)
    assert "most like" in failures.status.text()
    for combo, v in ((failures.pair_true, t), (failures.pair_predicted, p)):  # back to (t, p)
        _choose(combo, v)
    assert failures.cell == (t, p)

    item = failures.gallery.item(0)
    rect = failures.gallery.visualItemRect(item)
    QTest.mouseClick(failures.gallery.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    panel = failures.explain
    qtbot.waitUntil(lambda: "Red pixels" in panel.text.text(), timeout=TIMEOUT)
    assert not panel.picture.pixmap().isNull()


def test_decision_map_of_the_moons(qtbot, make_window, tmp_path):
    w = _window(make_window, qtbot, load_template("mlp"), tmp_path)
    view = w.inspect.boundary
    w.bottom_tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.grid is not None, timeout=TIMEOUT)
    g = view.grid
    assert g.classes.shape == (72, 72) and set(np.unique(g.classes)) <= {0, 1}
    assert len(view.points.data) == min(600, len(w.inspect.controller.bundle.x_train))


def test_try_it_takes_typed_token_ids_for_an_embedding_model(qtbot, make_window, tmp_path):
    project = load_template("transformer")
    project.data = {**project.data, "n": 200}
    w = _window(make_window, qtbot, project, tmp_path)
    view = w.inspect.tryit
    w.bottom_tabs.setCurrentWidget(view)
    assert view.stack.currentIndex() == 3  # the token-ids field, not the pad or a form
    view.tokens.setFocus()
    QTest.keyClicks(view.tokens, "1 1 2 1 5")
    expected_ids = torch.tensor([1, 1, 2, 1, 5] + [0] * 11)
    qtbot.waitUntil(lambda: view.last is not None and view.sample is not None
                    and torch.equal(view.sample, expected_ids), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not w.inspect.controller.running, timeout=TIMEOUT)
    expected = probabilities(forward(_engine_model(w), expected_ids[None]), "classification")[0]
    assert torch.allclose(view.last["probs"], expected, atol=1e-6)
    assert "5 of 16 tokens, padded with 0" in view.tokens_note.text()
    explain = next(b for b in view.stack.widget(3).findChildren(QPushButton) if b.text() == "Explain")
    QTest.mouseClick(explain, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.explain.text.text().startswith("Integrated gradients"),
                    timeout=TIMEOUT)
    QTest.keyClicks(view.tokens, " 99")  # not in the vocabulary of 20: said, not predicted
    qtbot.waitUntil(lambda: "'99' is not a token id" in view.tokens_note.text(), timeout=5000)
    view.grab().save(str(tmp_path / "tryit_tokens.png"))
