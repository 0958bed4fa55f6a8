"""Hostile projects in the app: huge or NaN positions, rich-text and megabyte names. The app stays up,
no NaN or inf reaches Qt, and user text is shown as typed (an <img src=...> loads nothing)."""

from __future__ import annotations

import json
import math

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

from netbuilder.limits import POSITION
from netbuilder.spec import parse_project
from netbuilder.templates import template_path


def lenet_doc() -> dict:
    return json.loads(template_path("lenet5").read_text(encoding="utf-8"))


def hostile_file(tmp_path, **changes) -> str:
    doc = lenet_doc()
    doc.update(changes.pop("top", {}))
    for node_id, pos in changes.items():
        next(n for n in doc["graph"]["nodes"] if n["id"] == node_id)["pos"] = pos
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # json writes NaN and Infinity as such
    return str(path)


def finite_transform(view) -> bool:
    t = view.transform()
    return all(math.isfinite(v) for v in (t.m11(), t.m22(), t.dx(), t.dy())) and t.m11() > 0


def test_huge_and_nan_positions_open_and_the_view_stays_finite(make_window, tmp_path, qtbot):
    w = make_window()
    path = hostile_file(tmp_path, conv1=[1e308, -1e308], fc1=[float("nan"), float("inf")], fc2=[-1e12, 1e24])
    assert w.open_file(path)
    items = w.canvas.net_scene.nodes
    for item in items.values():
        p = item.pos()
        assert math.isfinite(p.x()) and math.isfinite(p.y()) and abs(p.x()) <= POSITION and abs(p.y()) <= POSITION
    assert w.canvas.sceneRect().contains(items["conv1"].sceneBoundingRect())
    assert finite_transform(w.canvas)
    qtbot.keyClick(w.canvas, Qt.Key_F)  # fit everything: spans ±POSITION
    assert finite_transform(w.canvas)
    vp = w.canvas.viewport()
    for delta in (120_000, -120_000, 2**31 - 1):  # a runaway wheel
        event = QWheelEvent(QPointF(50, 50), QPointF(vp.mapToGlobal(QPoint(50, 50))), QPoint(), QPoint(0, delta),
                            Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(vp, event)
        assert finite_transform(w.canvas)
    w.canvas.grab()  # paints the far-out overview and the minimap without a crash
    w.grab()


def test_positions_set_in_code_are_clamped_before_they_reach_qt(make_window):
    project = parse_project(lenet_doc())
    for i, node in enumerate(project.nodes):
        node.pos = (0.0, 130.0 * i)
    project.node("conv1").pos = (float("nan"), -1e308)  # what no file can hold any more, set by a script
    project.node("fc1").pos = (float("inf"), 1e300)
    w = make_window(project)
    w.canvas.fit_all()
    assert w.canvas.net_scene.nodes["conv1"].pos() == QPointF(0, -POSITION)
    assert w.canvas.net_scene.nodes["fc1"].pos() == QPointF(POSITION, POSITION)
    assert finite_transform(w.canvas)
    w.canvas.grab()


def test_rich_text_name_and_description_are_shown_as_typed(make_window, tmp_path, qtbot):
    picture = tmp_path / "secret.png"
    image = QImage(40, 40, QImage.Format_RGB32)
    image.fill(Qt.red)
    image.save(str(picture))
    name = f"<b>Bold</b> <img src='{picture}'>"
    description = f"<img src='{picture}' width=400 height=400> & <a href='x'>link</a>"
    w = make_window()
    assert w.open_file(hostile_file(tmp_path, top={"name": name, "description": description}))
    labels = {label.text(): label for label in w.inspector.findChildren(QLabel)}
    for text in (name, description):
        assert text in labels, sorted(labels)
        assert labels[text].textFormat() == Qt.PlainText  # so no <img> is loaded, no link is followed
    shown = labels[description]
    qtbot.waitUntil(lambda: shown.isVisible())
    assert shown.sizeHint().height() < 200  # the 400-pixel picture is not there
    w.inspector.grab().save("/tmp/hostile_inspector.png")


def test_a_problem_quoting_markup_is_escaped_in_its_tooltip(make_window, tmp_path):
    w = make_window()
    doc = lenet_doc()
    doc["graph"]["nodes"].append({"id": "odd", "type": "ReLU"})  # not connected: a problem names it
    doc["graph"]["edges"].append({"source": "fc3", "target": "odd"})
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    assert w.open_file(str(path))
    w.problems.set_external("data", [type("E", (), {"node": None, "nodes": (), "message": "column <b>x</b>"})()])
    tips = [w.problems.topLevelItem(i).toolTip(2) for i in range(w.problems.topLevelItemCount())]
    assert "column &lt;b&gt;x&lt;/b&gt;" in tips


def test_megabyte_names_are_refused_at_once_and_the_app_carries_on(make_window, tmp_path, dialogs):
    w = make_window()
    before = w.document.project.to_dict()
    assert not w.open_file(hostile_file(tmp_path, top={"name": "word " * 1_000_000}))
    kind, title, text = dialogs.shown[-1]
    assert title == "Cannot open project"
    assert kind == "warning" and "5,000,000 characters long; at most 200" in text
    assert w.document.project.to_dict() == before


def test_saving_a_name_that_utf8_cannot_hold_says_so(make_window, tmp_path, dialogs):
    w = make_window(parse_project(lenet_doc()))
    w.document.project.name = "LeNet \ud800"
    target = tmp_path / "out.json"
    assert not w._save_to(target)
    kind, title, text = dialogs.shown[-1]
    assert kind == "warning" and title == "Cannot save" and "lone surrogate" in text
    assert not target.exists()


def test_an_autosave_interrupted_by_a_crash_leaves_no_temporary_after_the_next_start(make_window):
    import subprocess
    import sys

    from ui.settings import recovery_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    recovery_dir().mkdir(parents=True, exist_ok=True)
    stale = recovery_dir() / f".autosave.json.{dead}.x1y2.tmp"
    stale.write_bytes(b"{" * 1000)
    w = make_window()
    assert not stale.exists()
    w.document.project.name = "bad \udfff"  # an autosave cannot hold it: no file, no exception
    w.document._restored = True  # unsaved work
    assert w.recovery.autosave() is False and not w.recovery.file.exists()
