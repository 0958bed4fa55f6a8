"""The Data tab on an image folder: a row of thumbnails per class with its counts, and what
loading did to the files (sizes found, resized, skipped)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QLineEdit
from test_data_images import make_folder

from netbuilder.templates import load_template
from ui.document import Document
from ui.training.class_thumbnails import ICON
from ui.training.data_panel import DataPanel


def test_an_image_folder_shows_each_class_its_count_and_what_was_resized_or_skipped(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))  # Cancel
    make_folder(tmp_path / "imgs", per_class=12)
    (tmp_path / "imgs" / "bee" / "broken.png").write_text("not an image")
    project = load_template("lenet5")
    project.data = {"kind": "csv", "path": "none.csv", "split": {"val": 0.3, "seed": 1}}  # the user switches to the folder below
    doc = Document(project)
    doc.path = str(tmp_path / "p.json")
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(1300, 520)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: bool(panel.error_text) and not panel.loading, timeout=20000)
    panel.source.setCurrentIndex(panel.source.findData("images"))  # the folder dialog: Cancel
    path = panel.path
    assert isinstance(path, QLineEdit) and path.text() == ""
    qtbot.keyClicks(path, "imgs")
    qtbot.keyClick(path, Qt.Key_Return)
    qtbot.waitUntil(lambda: panel.bundle is not None and not panel.loading, timeout=20000)
    b = panel.bundle
    assert doc.project.data == {"kind": "images", "path": "imgs", "split": {"val": 0.3, "seed": 1}}
    assert panel.preview.currentWidget() is panel.thumbs and panel.thumbs.isVisible()
    headings = [label.text() for label, _ in panel.thumbs.rows]
    counts = b.info["class_balance"]
    assert len(headings) == 3
    for name, heading, (_, strip) in zip(["ant", "bee", "cat"], headings, panel.thumbs.rows):
        train, val = counts["train"][name], counts["val"][name]
        assert train and val and train + val == 12
        assert heading == f"{name} · 12 images ({train} train, {val} val)", heading
        assert strip.count() == train  # the row shows that class's training images
        shown = strip.item(0).icon().pixmap(ICON, ICON).toImage()
        first = b.x_train[(b.y_train == ["ant", "bee", "cat"].index(name)).nonzero()[0, 0]]
        centre = shown.pixelColor(shown.width() // 2, shown.height() // 2)
        # the thumbnail is that class's own first image, in its own colours (no stretching)
        assert np.isclose([centre.red(), centre.green(), centre.blue()],
                          first[:, first.shape[1] // 2, first.shape[2] // 2].tolist(), atol=1).all()
    note = panel.thumbs.note.text()
    assert "Sizes found: 9×7 (27), 12×9 (9)." in note, note
    assert "9 resized to 9×7, read as RGB, kept as bytes" in note, note
    assert "1 file skipped (not a readable image): bee/broken.png." in note, note
    assert panel.fix_button.text() == "Set x.shape to [3, 9, 7]"
    QTest.mouseClick(panel.fix_button, Qt.LeftButton)
    # the model sees float32: the bytes are scaled per batch
    qtbot.waitUntil(lambda: "reaches the Input as [3, 9, 7] float32" in panel.shape_label.text())
    qtbot.waitUntil(lambda: not panel.loading and not panel._reload_timer.isActive())
    panel.grab().save(str(tmp_path / "panel.png"))
