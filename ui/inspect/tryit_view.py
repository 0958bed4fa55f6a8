"""Try it yourself: draw on a pad (or drop an image file) for image models, fill a form for
tables; the model's prediction and its probabilities follow every stroke or edit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from netbuilder.inspect.inputs import (
    encode_row,
    feature_columns,
    image_file_sample,
    image_sample,
    original_units,
)

from . import jobs
from .failures_view import ExplainPanel, class_name

PAD = 224
MAX_BARS = 10


class DrawingPad(QWidget):
    """White ink on black, as the built-in digits are; a stroke is 1/10 of the pad wide."""

    drawn = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFixedSize(PAD, PAD)
        self.image = QImage(PAD, PAD, QImage.Format_Grayscale8)
        self.image.fill(0)
        self.last: QPointF | None = None
        self.setAcceptDrops(True)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip("Draw with the mouse; drop an image file here")

    def clear(self) -> None:
        self.image.fill(0)
        self.update()
        self.drawn.emit()

    def pixels(self) -> np.ndarray:
        """The pad as gray values [H, W] in [0, 1]."""
        ptr = self.image.constBits()
        arr = np.frombuffer(ptr, dtype=np.uint8).reshape(PAD, self.image.bytesPerLine())[:, :PAD]
        return arr.astype(np.float32) / 255.0

    def set_pixels(self, gray: np.ndarray) -> None:
        """Show `gray` [H, W] in [0, 1] on the pad (a dropped image)."""
        from PIL import Image

        img = Image.fromarray((np.clip(gray, 0, 1) * 255).astype(np.uint8)).resize((PAD, PAD))
        data = np.ascontiguousarray(np.asarray(img))
        self.image = QImage(data.data, PAD, PAD, PAD, QImage.Format_Grayscale8).copy()
        self.update()
        self.drawn.emit()

    def _stroke(self, to: QPointF) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), PAD / 10, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawLine(self.last or to, to)
        painter.end()
        self.last = to
        self.update()
        self.drawn.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.RightButton:
            self.clear()
            return
        self.last = None
        self._stroke(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._stroke(event.position())

    def mouseReleaseEvent(self, event) -> None:
        self.last = None

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        painter.setPen(QColor("#555"))
        painter.drawRect(0, 0, PAD - 1, PAD - 1)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.parent_view.load_file(urls[0].toLocalFile())
            event.acceptProposedAction()


class TryItView(QWidget):
    KIND = "tryit"
    live = True

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.sample = None  # the model input of the last prediction
        self.last = None  # its result
        self.pad = DrawingPad()
        self.pad.parent_view = self
        clear = QPushButton("Clear")
        open_file = QPushButton("Open Image…")
        explain = QPushButton("Explain")
        explain.setToolTip("Attribution map of this prediction")
        pad_box = QWidget()
        pv = QVBoxLayout(pad_box)
        pv.addWidget(QLabel("Draw a sample (right-click clears), or drop an image file:"))
        pv.addWidget(self.pad, 0, Qt.AlignHCenter)
        buttons = QHBoxLayout()
        for b in (clear, open_file, explain):
            buttons.addWidget(b)
        pv.addLayout(buttons)
        self.preview = QLabel()
        self.preview.setToolTip("What the Input gets: the drawing at the Input's size")
        pv.addWidget(self.preview, 0, Qt.AlignHCenter)
        pv.addStretch(1)
        self.form_box = QWidget()
        self.form = QFormLayout(self.form_box)
        self.fields: dict[str, QWidget] = {}
        form_scroll = QScrollArea()
        form_scroll.setWidget(self.form_box)
        form_scroll.setWidgetResizable(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(pad_box)
        self.stack.addWidget(form_scroll)
        self.stack.addWidget(self.message)
        # token models (an int64 Input into an Embedding) with no table plan: type the ids
        self.tokens = QLineEdit()
        self.tokens.setPlaceholderText("token ids, e.g. 1 2 2 5 1")
        self.tokens.setToolTip("Whole numbers separated by spaces or commas; shorter inputs "
                               "are padded with 0, longer ones cut to the Input's length")
        self.tokens.textChanged.connect(self._timer_start)
        self.tokens_note = QLabel()
        self.tokens_note.setWordWrap(True)
        token_box = QWidget()
        tv = QVBoxLayout(token_box)
        tv.addWidget(QLabel("Type a sequence of token ids:"))
        tv.addWidget(self.tokens)
        tv.addWidget(self.tokens_note)
        explain_tokens = QPushButton("Explain")
        explain_tokens.setToolTip("Each token's attribution (integrated gradients at the Embedding)")
        explain_tokens.clicked.connect(self._explain)
        tv.addWidget(explain_tokens, 0, Qt.AlignLeft)
        tv.addStretch(1)
        self.stack.addWidget(token_box)
        self.prediction = QLabel("—")
        self.prediction.setStyleSheet("font-size: 18px; font-weight: 600")
        self.bars_box = QVBoxLayout()
        self.bars: list[tuple[QLabel, QProgressBar]] = []
        self.explain = ExplainPanel(controller, kind="tryit-explain")
        right = QVBoxLayout()
        right.addWidget(self.prediction)
        right.addLayout(self.bars_box)
        right.addStretch(1)
        content = QWidget()
        layout = QHBoxLayout(content)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.stack, 2)
        layout.addLayout(right, 2)
        layout.addWidget(self.explain, 2)
        scroll = QScrollArea()  # the pad has a fixed size: the tab area must not need it
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._timer = QTimer(self)  # strokes come fast: predict at most ~30 times a second
        self._timer.setSingleShot(True)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self.predict)
        self.pad.drawn.connect(self._timer.start)
        clear.clicked.connect(self.pad.clear)
        open_file.clicked.connect(self._open_dialog)
        explain.clicked.connect(self._explain)
        controller.model_changed.connect(self._model_changed)
        controller.result.connect(self._result)
        controller.failed.connect(self._failed)
        self._form_for = None
        self._model_changed()

    # ----- which input -----------------------------------------------------------------------
    def input_shape(self):
        c = self.controller
        project = c.project or c.document.project
        inputs = [n for n in project.nodes if n.type == "Input"]
        return inputs[0].resolved().get("shape") if len(inputs) == 1 else None

    @Slot()
    def _model_changed(self) -> None:
        b = self.controller.bundle
        shape = self.input_shape()
        if shape is not None and len(shape) == 3:
            self.stack.setCurrentIndex(0)
        elif b is not None and b.feature_names and shape is not None and len(shape) == 1:
            self._build_form(b)
            self.stack.setCurrentIndex(1)
        elif b is not None and shape is not None and len(shape) == 1 and self._token_input():
            self.stack.setCurrentIndex(3)
        else:
            self.message.setText("Try it takes image inputs ([channels, height, width]), "
                                 "tables and token ids. This model's Input is "
                                 f"{list(shape) if shape else 'not set'}.")
            self.stack.setCurrentIndex(2)
        if self.isVisible():
            self._timer.start()

    def _build_form(self, bundle) -> None:
        if self._form_for is bundle:
            return
        self._form_for = bundle
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        start = original_units(bundle, bundle.x_train.float().mean(0))
        names = list(bundle.feature_names)
        for name, kind, levels in feature_columns(bundle):
            if levels:
                w = QComboBox()
                w.addItems([str(v) for v in levels])
                w.currentIndexChanged.connect(self._timer.start)
            elif kind == "numeric":
                w = QDoubleSpinBox()
                w.setRange(-1e9, 1e9)
                w.setDecimals(4)
                w.setValue(float(start[names.index(name)]) if name in names else 0.0)
                w.valueChanged.connect(self._timer.start)
            else:  # free text, encoded by its words
                w = QLineEdit()
                w.textChanged.connect(self._timer.start)
            self.fields[name] = w
            self.form.addRow(name, w)

    def _timer_start(self, *args) -> None:
        self._timer.start()

    def _token_input(self) -> bool:
        c = self.controller
        project = c.project or c.document.project
        inputs = [n for n in project.nodes if n.type == "Input"]
        return (len(inputs) == 1 and inputs[0].resolved().get("dtype") == "int64"
                and any(n.type == "Embedding" for n in project.nodes))

    def token_sample(self):
        """The typed ids as one input [T] (padded with 0 or cut), or None with a note."""
        import re

        import torch

        length = int(self.input_shape()[0])
        words = [w for w in re.split(r"[\s,;]+", self.tokens.text().strip()) if w]
        vocab = min((int(n.resolved().get("num_embeddings", 0)) for n in
                     (self.controller.project or self.controller.document.project).nodes
                     if n.type == "Embedding"), default=0)
        bad = [w for w in words if not w.isdigit() or (vocab and int(w) >= vocab)]
        if bad:
            self.tokens_note.setText(f"'{bad[0]}' is not a token id: the Embedding takes whole "
                                     f"numbers from 0 to {vocab - 1}.")
            return None
        ids = [int(w) for w in words][:length]
        self.tokens_note.setText(f"{len(ids)} of {length} tokens"
                                 + (", padded with 0" if len(ids) < length else "")
                                 + (f" ({len(words) - length} cut)" if len(words) > length else ""))
        return torch.tensor(ids + [0] * (length - len(ids)), dtype=torch.int64)

    def row(self) -> dict:
        return {name: (w.currentText() if isinstance(w, QComboBox) else
                       w.text() if isinstance(w, QLineEdit) else repr(w.value()))
                for name, w in self.fields.items()}

    def current_sample(self):
        shape = self.input_shape()
        if self.stack.currentIndex() == 0:
            return image_sample(self.pad.pixels(), shape)
        if self.stack.currentIndex() == 1:
            return encode_row(self.controller.bundle, self.row())
        if self.stack.currentIndex() == 3:
            return self.token_sample()
        return None

    # ----- predicting ------------------------------------------------------------------------
    @Slot()
    def predict(self) -> None:
        c = self.controller
        if c.project is None or c.bundle is None:
            self.prediction.setText("The prediction needs a valid graph and loaded data.")
            return
        if c.per_network:
            self.prediction.setText("Try it predicts with a one-network model; this project trains several "
                                    "together (see the Samples tab).")
            return
        sample = self.current_sample()
        if sample is None:
            return
        self.sample = sample
        if sample.ndim == 3:
            from .pictures import gray, pixmap, unit
            self.preview.setPixmap(pixmap(gray(unit(sample.numpy().mean(axis=0))), 64, 64))
        c.compute(self.KIND, jobs.predict, sample, c.bundle.task, c.loss)

    def load_file(self, path: str) -> None:
        shape = self.input_shape()
        try:
            sample = image_file_sample(path, shape)
        except Exception as err:  # noqa: BLE001 - an unreadable file is a message, not a crash
            self.prediction.setText(getattr(err, "message", str(err)))
            return
        self.pad.set_pixels(sample.numpy().mean(axis=0))

    @Slot()
    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)")
        if path:
            self.load_file(path)

    @Slot()
    def _explain(self) -> None:
        if self.sample is not None:
            self.explain.explain(self.sample, "Why this prediction")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()

    @Slot(str, object)
    def _result(self, kind, value) -> None:
        if kind != self.KIND:
            return
        self.last = value
        b = self.controller.bundle
        probs = value["probs"]
        if probs is None:
            out = value["output"][None]
            if b is not None and b.task == "regression":
                out = b.original_units(out)  # a standardised target: in its own units
            out = out.reshape(-1)
            self.prediction.setText("Prediction: " + ", ".join(f"{v:.4g}" for v in out[:8]))
            self._set_bars([])
            return
        top = int(probs.argmax())
        self.prediction.setText(f"Prediction: {class_name(b, top)}  ({float(probs[top]):.0%})")
        order = probs.argsort(descending=True)[:MAX_BARS].tolist()
        self._set_bars([(class_name(b, i), float(probs[i])) for i in order])

    def _set_bars(self, rows: list[tuple[str, float]]) -> None:
        while len(self.bars) < len(rows):
            label, bar = QLabel(), QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(False)
            bar.setFixedHeight(12)
            line = QHBoxLayout()
            line.addWidget(label)
            line.addWidget(bar, 1)
            self.bars_box.addLayout(line)
            self.bars.append((label, bar))
        for i, (label, bar) in enumerate(self.bars):
            visible = i < len(rows)
            label.setVisible(visible)
            bar.setVisible(visible)
            if visible:
                name, p = rows[i]
                label.setText(f"{name:>8}  {p:6.1%}")
                bar.setValue(int(p * 1000))

    @Slot(str, str)
    def _failed(self, kind, message) -> None:
        if kind == self.KIND:
            self.prediction.setText(f"Prediction failed: {message}")
