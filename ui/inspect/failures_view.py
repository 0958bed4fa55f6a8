"""Where it fails: the misclassified samples of the validation split (or a confusion-matrix
cell's samples, clicked in the Evaluation tab), the largest errors of a regressor; a sample
clicked is explained with an attribution map (saliency, integrated gradients, occlusion)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from netbuilder.inspect import METHODS, cell_samples, nearest_confusions
from netbuilder.inspect.inputs import original_units, table_baseline

from . import jobs
from .pictures import gray, heat_over, picture_label, pixmap, unit

THUMB = 56
NEAREST = 12  # a chosen pair's cell with fewer samples is topped up with the nearest ones
METHOD_LABELS = {"integrated_gradients": "Integrated gradients", "saliency": "Saliency",
                 "occlusion": "Occlusion"}


def class_name(bundle, i: int) -> str:
    return bundle.class_names[i] if bundle.class_names and i < len(bundle.class_names) else str(i)


def is_image(sample) -> bool:
    return sample.ndim == 3 and sample.dtype.is_floating_point


class ExplainPanel(QWidget):
    """One sample and its attribution map (image) or per-column attributions (table)."""

    def __init__(self, controller, kind: str = "explain", parent=None):
        super().__init__(parent)
        self.controller, self.KIND = controller, kind
        self.sample = None
        self.target = None
        self.method = QComboBox()
        for m in METHODS:
            self.method.addItem(METHOD_LABELS[m], m)
        self.title = QLabel("Click a sample to explain the model's decision.")
        self.title.setWordWrap(True)
        self.picture = picture_label(100)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("Method"))
        row.addWidget(self.method, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.text)
        layout.addStretch(0)  # a table's text stays at the top when the picture is hidden
        self.method.currentIndexChanged.connect(self._run)
        controller.result.connect(self._result)
        controller.failed.connect(self._failed)

    def explain(self, sample, title: str, target=None) -> None:
        self.sample, self.target = sample, target
        self.title.setText(title)
        self._run()

    @Slot()
    def _run(self, *args) -> None:
        c = self.controller
        if self.sample is None or c.project is None:
            return
        table = self.sample.ndim == 1 and self.sample.dtype.is_floating_point
        baseline = table_baseline(c.bundle) if table and c.bundle is not None else None
        self.text.setText("Explaining…")
        c.compute(self.KIND, jobs.explain, c.project, self.sample, self.target,
                  self.method.currentData(), baseline)

    @Slot(str, object)
    def _result(self, kind, a) -> None:
        if kind != self.KIND or self.sample is None:
            return
        c, s = self.controller, self.sample
        b = c.bundle
        what = class_name(b, a.target) if b is not None and b.task != "regression" else "the output"
        self.picture.setVisible(is_image(s))  # a table's attributions are text: give it the room
        if is_image(s):
            heat = a.values.sum(axis=0)
            rgb = heat_over(s.numpy().mean(axis=0), heat)
            both = np.concatenate([gray(unit(s.numpy().mean(axis=0))), np.zeros((rgb.shape[0], 2, 3), np.uint8), rgb], 1)
            self.picture.setPixmap(pixmap(both, self.picture.width(), self.picture.height()))
            self.text.setText(f"{METHOD_LABELS[a.method]} for <b>{what}</b> (score "
                              f"{a.output:.3g}). Red pixels push the score up, blue down.")
        elif s.ndim == 1 and s.dtype.is_floating_point and b is not None and b.feature_names:
            from netbuilder.inspect.attribution import table_rows

            rows = table_rows(a, original_units(b, s), original_units(b, table_baseline(b)),
                              list(b.feature_names))
            lines = "".join(f"<tr><td>{r['column']}</td><td align=right>{r['value']:.4g}</td>"
                            f"<td align=right>{r['baseline']:.4g}</td>"
                            f"<td align=right style='color:{'#e5534b' if r['attribution'] > 0 else '#4c9cff'}'>"
                            f"{r['attribution']:+.3g}</td></tr>" for r in rows)
            self.picture.clear()
            self.text.setText(f"{METHOD_LABELS[a.method]} for <b>{what}</b>, compared with the "
                              "average training row:<table cellspacing=6><tr><th>column</th>"
                              f"<th>value</th><th>average</th><th>effect</th></tr>{lines}</table>")
        else:
            values = a.values.reshape(-1)
            self.picture.clear()
            self.text.setText(f"{METHOD_LABELS[a.method]} for <b>{what}</b>: "
                              + ", ".join(f"{v:+.2g}" for v in values[:64]))

    @Slot(str, str)
    def _failed(self, kind, message) -> None:
        if kind == self.KIND:
            self.text.setText(f"Could not explain: {message}")


class FailuresView(QWidget):
    KIND = "failures"
    cell_shown = Signal(int, int)
    live = False  # computed when shown and after a run, not every snapshot

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.data = None  # the latest jobs.failures result
        self.cell: tuple[int, int] | None = None
        self.status = QLabel("Train a model to see where it fails.")
        self.status.setWordWrap(True)
        self.clear_cell = QPushButton("Show all mistakes")
        self.clear_cell.hide()
        # any (true, predicted) pair, also one whose confusion-matrix cell is too small to click
        self.pair_true, self.pair_predicted = QComboBox(), QComboBox()
        self.pair_true.setToolTip("The true class of the samples to show")
        self.pair_predicted.setToolTip("Shown: the true class's samples predicted as this one, "
                                       "then those the model found most like it")
        for combo in (self.pair_true, self.pair_predicted):
            combo.activated.connect(self._pair_chosen)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.IconMode)
        self.gallery.setIconSize(QSize(THUMB, THUMB))
        self.gallery.setResizeMode(QListWidget.Adjust)
        self.gallery.setMovement(QListWidget.Static)
        self.gallery.setSpacing(4)
        self.gallery.setUniformItemSizes(True)
        self.explain = ExplainPanel(controller)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(QLabel("True"))
        top.addWidget(self.pair_true)
        top.addWidget(QLabel("as"))
        top.addWidget(self.pair_predicted)
        top.addWidget(self.clear_cell)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(top)
        lv.addWidget(self.gallery, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.explain)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(split)
        self.gallery.currentItemChanged.connect(self._picked)
        self.clear_cell.clicked.connect(lambda: self.show_cell(None))
        controller.result.connect(self._result)
        controller.model_changed.connect(self._model_changed)
        self._stale = True

    @Slot()
    def _model_changed(self) -> None:
        self._stale = True
        if self.isVisible() and not self.controller.runner.busy:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        c = self.controller
        if c.project is None or c.bundle is None or c.per_network:  # no targets to score one network by
            return
        self._stale = False
        c.compute(self.KIND, jobs.failures, c.bundle, c.loss)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def show_cell(self, cell: tuple[int, int] | None) -> None:
        """Only the samples of one confusion-matrix cell (true, predicted); None: every mistake."""
        self.cell = cell
        self._fill()

    @Slot(str, object)
    def _result(self, kind, data) -> None:
        if kind == self.KIND:
            self.data = data
            self._fill()

    def shown_items(self) -> list[dict]:
        d = self.data
        if d is None:
            return []
        if self.cell is None or d["probs"] is None:
            return d["items"]
        t, p = self.cell
        conf = d["probs"].max(dim=1).values
        items = [{"index": i, "true": t, "predicted": p, "confidence": float(conf[i])}
                 for i in cell_samples(d["probs"], d["y"], t, p)]
        if t != p and len(items) < NEAREST:  # and the t's the model found most like a p
            inside = {it["index"] for it in items}
            items += [{**it, "near": True} for it in
                      nearest_confusions(d["probs"], d["y"], t, p, NEAREST + len(items))
                      if it["index"] not in inside][:NEAREST - len(items)]
        return items

    @Slot()
    def _pair_chosen(self, *args) -> None:
        t, p = self.pair_true.currentIndex(), self.pair_predicted.currentIndex()
        if t >= 0 and p >= 0:
            self.show_cell((t, p))

    def _sync_pair(self) -> None:
        b = self.controller.bundle
        names = ([class_name(b, i) for i in range(b.num_classes or 2)]
                 if b is not None and b.task != "regression" else [])
        for combo in (self.pair_true, self.pair_predicted):
            if [combo.itemText(i) for i in range(combo.count())] != names:
                combo.clear()
                combo.addItems(names)
            combo.setVisible(bool(names))
        if self.cell is not None:
            self.pair_true.setCurrentIndex(self.cell[0])
            self.pair_predicted.setCurrentIndex(self.cell[1])

    def _fill(self) -> None:
        d, b = self.data, self.controller.bundle
        self.gallery.clear()
        self._sync_pair()
        if d is None or b is None:
            return
        items = self.shown_items()
        regression = d["probs"] is None
        for item in items[:400]:
            sample = d["x"][item["index"]]
            if regression:
                text = (f"#{item['index']} err {item['error']:.3g}")
            elif item.get("near"):
                text = (f"{class_name(b, item['true'])}→{class_name(b, item['predicted'])} "
                        f"p({class_name(b, self.cell[1])}) {item['p_other']:.0%}")
            else:
                text = (f"{class_name(b, item['true'])}→{class_name(b, item['predicted'])} "
                        f"{item['confidence']:.0%}")
            w = QListWidgetItem(text)
            w.setData(Qt.UserRole, item)
            if is_image(sample):
                w.setIcon(QIcon(pixmap(gray(unit(sample.numpy().mean(axis=0))), THUMB, THUMB)))
            w.setToolTip(f"{d['split']} sample {item['index']}")
            self.gallery.addItem(w)
        n = len(d["x"])
        if regression:
            self.status.setText(f"The {len(items)} largest errors of {n} {d['split']} samples, "
                                "largest first.")
        elif self.cell is None:
            self.status.setText(f"{len(items)} of {n} {d['split']} samples are misclassified "
                                "(most confident mistakes first). Click one to explain it.")
        else:
            t, p = self.cell
            what = "correct" if t == p else "misclassified"
            near = sum(1 for it in items if it.get("near"))
            tn, pn = class_name(b, t), class_name(b, p)
            inside = len(items) - near
            self.status.setText(f"{inside} {d['split']} sample{'s' * (inside != 1)} of class {tn} "
                                f"predicted as {pn} ({what})." + (
                                    f" Then the {near} {tn}s the model found most like a {pn} "
                                    f"(highest p({pn})), whatever they were predicted as."
                                    if near else ""))
        self.clear_cell.setVisible(self.cell is not None)

    @Slot(object, object)
    def _picked(self, current, previous=None) -> None:
        if current is None or self.data is None:
            return
        item = current.data(Qt.UserRole)
        b = self.controller.bundle
        sample = self.data["x"][item["index"]]
        if "confidence" in item:
            title = (f"{self.data['split']} sample {item['index']}: true "
                     f"<b>{class_name(b, item['true'])}</b>, predicted "
                     f"<b>{class_name(b, item['predicted'])}</b> ({item['confidence']:.0%})")
            target = item["predicted"]
            if item.get("near"):  # why it looks like the pair's other class
                target = self.cell[1]
                title += (f"; explaining <b>{class_name(b, target)}</b> "
                          f"(p {item['p_other']:.0%})")
            self.explain.explain(sample, title, target)
        else:
            self.explain.explain(sample, f"{self.data['split']} sample {item['index']}: error "
                                 f"{item['error']:.3g}")
