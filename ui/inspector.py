"""The inspector: a form generated from the selected layer's declaration, validated as you type.

Every accepted change is one SetParam undo step; a value out of range is refused with the range shown.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from netbuilder.app.problems import GRAPH
from netbuilder.layers.params import Param

from . import theme
from .commands import SetFrozen, SetParam
from .document import Document
from .param_counts import human
from .plain import plain_label
from .spinboxes import RangeSpinBox

INT_LIMIT = 2**31 - 1


def parse_text(param: Param, text: str):
    """What the user typed, as the value the param's coerce() understands (raises ValueError)."""
    text = text.strip()
    if not text:
        return None
    if param.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"must be a number ({param.describe()})") from None
    if param.kind in ("int", "size", "shape"):
        parts = [p for p in re.split(r"[\s,x×\[\]()]+", text) if p]
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise ValueError(f"must be whole numbers ({param.describe()})") from None
        if param.kind == "shape" or len(values) > 1:
            return values
        return values[0] if values else None
    return text


def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Inspector(QScrollArea):
    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.node_id: str | None = None
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self._updating = False
        self._count = 0  # layers selected, as the page shows it
        self.problem_count = lambda: len(document.problems)  # the graph's and the data's
        document.selection_changed.connect(self._selection)
        document.analyzed.connect(self.refresh)  # shapes, inferred args and counts (not on a move)
        document.problems_changed.connect(lambda source: source != GRAPH and self.refresh())
        document.loaded.connect(self._reset)
        self._build()

    # --- building ------------------------------------------------------------------------------
    @Slot()
    def _reset(self) -> None:
        self.node_id = None
        self._build()

    @Slot(list)
    def _selection(self, ids: list) -> None:
        new = ids[0] if len(ids) == 1 else None
        if new != self.node_id or len(ids) != self._count:  # "5 layers selected" goes with them
            self.node_id = new
            self._build(len(ids))

    def _build(self, count: int = 0) -> None:
        self._count = count
        self.fields, self.messages = {}, {}
        self.frozen_box = None
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(14, 12, 14, 12)
        lay.setSpacing(8)
        lay.setSizeConstraint(QVBoxLayout.SetMinimumSize)  # a short dock scrolls the form, never squeezes it
        self.setWidget(body)
        if self.node_id is None or not self.doc.project.has_node(self.node_id):
            self.node_id = None
            self._project_page(lay, count)
            return
        node = self.doc.project.node(self.node_id)
        t = theme.current()
        head = QLabel(f"<span style='color:{theme.category_color(node.layer.category).name()}'>■</span> "
                      f"{node.type}")
        head.setObjectName("heading")
        lay.addWidget(head)
        sub = QLabel(f"<code>{node.id}</code> · {node.layer.category}")
        sub.setObjectName("dim")
        lay.addWidget(sub)
        doc = QLabel(node.layer.doc)
        doc.setWordWrap(True)
        doc.setObjectName("dim")
        lay.addWidget(doc)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignLeft)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(4)
        resolved = node.resolved()
        for p in node.layer.params:
            widget = self._field(p, resolved[p.name])
            widget.setToolTip(f"{p.doc}<br><i>{p.describe()}</i>")
            label = QLabel(p.name)
            label.setToolTip(p.doc)
            msg = QLabel("")
            msg.setObjectName("error")
            msg.setWordWrap(True)
            msg.hide()
            col = QVBoxLayout()
            col.setSpacing(2)
            col.addWidget(widget)
            col.addWidget(msg)
            form.addRow(label, col)
            self.fields[p.name], self.messages[p.name] = widget, msg
        lay.addLayout(form)
        if node.layer.has_module:
            self.frozen_box = QCheckBox("Frozen (its weights are not trained)")
            self.frozen_box.setChecked(node.frozen)
            self.frozen_box.setToolTip("Keep this layer's weights as they are, e.g. loaded from a pretrained "
                                       "model; a frozen BatchNorm also keeps its running statistics.")
            self.frozen_box.toggled.connect(self._set_frozen)
            lay.addWidget(self.frozen_box)
        self.derived = QLabel()
        self.derived.setWordWrap(True)
        self.derived.setTextFormat(Qt.RichText)
        self.derived.setStyleSheet(f"background: {t.base}; border: 1px solid {t.border}; border-radius: 4px;"
                                   " padding: 8px;")
        lay.addWidget(self.derived)
        self.problems = plain_label()
        self.problems.setWordWrap(True)
        self.problems.setObjectName("error")
        lay.addWidget(self.problems)
        lay.addStretch(1)
        self._update_derived()

    def _show_data_shape(self) -> None:
        """An Input that leaves its shape to the data: the field stays empty (typing a shape
        sets one) and says what the data gives."""
        from_data = self.doc.analysis.from_data
        field = self.fields.get("shape")
        if self.node_id not in from_data or not isinstance(field, QLineEdit) or field.hasFocus():
            return
        shape = from_data[self.node_id]
        field.setText("")
        field.setPlaceholderText(f"{format_value(shape)} from the data" if shape
                                 else "from the data (not loaded)")

    def _project_page(self, lay, count: int) -> None:
        p = self.doc.project
        head = plain_label(p.name if count < 2 else f"{count} layers selected")
        head.setObjectName("heading")
        head.setWordWrap(True)
        lay.addWidget(head)
        if count < 2 and p.description:
            d = plain_label(p.description)
            d.setWordWrap(True)
            d.setObjectName("dim")
            lay.addWidget(d)
        self.derived = QLabel()
        self.derived.setWordWrap(True)
        lay.addWidget(self.derived)
        hint = QLabel("Select a layer to edit its parameters.\nDrag layers from the palette, or press Tab "
                      "on the canvas to add one.")
        hint.setObjectName("dim")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addStretch(1)
        self.problems = None
        self._update_derived()

    def _field(self, p: Param, value) -> QWidget:
        if p.kind == "bool":
            w = QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(lambda checked, name=p.name: self._commit(name, checked))
        elif p.kind == "choice":
            w = QComboBox()
            w.addItems([str(c) for c in p.choices])
            w.setCurrentIndex(list(p.choices).index(value) if value in p.choices else 0)
            w.activated.connect(lambda i, name=p.name, ch=p.choices: self._commit(name, ch[i]))
        elif p.kind == "int" and not p.optional:
            w = RangeSpinBox()
            w.setRange(int(max(p.min, -INT_LIMIT)) if p.min is not None else -INT_LIMIT,
                       int(min(p.max, INT_LIMIT)) if p.max is not None else INT_LIMIT)
            w.setValue(int(value))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, name=p.name: self._commit(name, v))
            w.lineEdit().textEdited.connect(lambda text, name=p.name: self._check(name, text))
            # left with a refused number, the box shows its kept value again: the complaint goes
            w.reverted.connect(lambda name=p.name: self._show(name, ""))
        else:
            w = QLineEdit(format_value(value))
            w.setPlaceholderText("unset" if p.optional else format_value(p.default))
            w.textEdited.connect(lambda text, name=p.name: self._check(name, text))
            w.editingFinished.connect(lambda name=p.name: self._commit_text(name))
        return w

    # --- validation and commits ----------------------------------------------------------------
    def _param(self, name: str) -> Param:
        return self.doc.project.node(self.node_id).layer.param(name)

    def _validate(self, name: str, text: str):
        p = self._param(name)
        value = parse_text(p, text)
        if value is None and not p.optional:
            return None  # empty: back to the default
        return p.coerce(value)

    def _show(self, name: str, message: str) -> None:
        msg, widget = self.messages[name], self.fields[name]
        msg.setText(message)
        msg.setVisible(bool(message))
        target = widget.lineEdit() if isinstance(widget, QSpinBox) else widget
        for w in {widget, target}:
            w.setProperty("invalid", bool(message))
            w.style().unpolish(w)
            w.style().polish(w)

    @Slot()
    def _check(self, name: str, text: str) -> bool:
        try:
            self._validate(name, text)
        except ValueError as exc:
            self._show(name, f"{name} {exc}")
            return False
        self._show(name, "")
        return True

    def _commit_text(self, name: str) -> None:
        if self._updating or self.node_id is None or name not in self.fields:
            return
        text = self.fields[name].text()
        if not self._check(name, text):
            return
        self._commit(name, self._validate(name, text))

    def _commit(self, name: str, value) -> None:
        if self._updating or self.node_id is None:
            return
        node = self.doc.project.node(self.node_id)
        p = node.layer.param(name)
        try:
            canonical = p.coerce(value) if (value is not None or p.optional) else p.default
        except ValueError as exc:
            self._show(name, f"{name} {exc}")
            return
        self._show(name, "")
        if canonical == node.resolved()[name] and (value is not None or name not in node.params):
            return
        self.doc.push(SetParam(self.doc, self.node_id, name, value))

    @Slot(bool)
    def _set_frozen(self, frozen: bool) -> None:
        if not self._updating and self.node_id is not None and self.doc.project.node(self.node_id).frozen != frozen:
            self.doc.push(SetFrozen(self.doc, {self.node_id: frozen}))

    # --- refresh -------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        if self.node_id is not None and not self.doc.project.has_node(self.node_id):
            self.node_id = None
            self._build()
            return
        if self.node_id is not None:
            self._updating = True
            try:
                resolved = self.doc.project.node(self.node_id).resolved()
                for name, w in self.fields.items():
                    v = resolved[name]
                    w.blockSignals(True)
                    if isinstance(w, QCheckBox):
                        w.setChecked(bool(v))
                    elif isinstance(w, QComboBox):
                        w.setCurrentText(str(v))
                    elif isinstance(w, QSpinBox):
                        w.setValue(int(v))
                    elif not w.hasFocus():
                        w.setText(format_value(v))
                    w.blockSignals(False)
                if self.frozen_box is not None:
                    self.frozen_box.setChecked(self.doc.project.node(self.node_id).frozen)
            finally:
                self._updating = False
        self._update_derived()

    def _update_derived(self) -> None:
        t = theme.current()
        doc = self.doc
        if self.node_id is None:
            n = self.problem_count()
            state = (f"<span style='color:{t.ok}'>✔ valid</span>" if not n else
                     f"<span style='color:{t.error}'>⚠ {n} problem{'s' * (n > 1)}</span>")
            self.derived.setText(f"{len(doc.project.nodes)} layers · {len(doc.project.edges)} edges<br>"
                                 f"{doc.total_params:,} parameters<br>{state}")
            return
        node_id = self.node_id
        self._show_data_shape()
        rows = []
        tensor = doc.analysis.tensors.get(node_id)
        rows.append(f"<tr><td style='color:{t.dim_text}'>output&nbsp;</td><td><code>{tensor if tensor else '?'}"
                    f"</code></td></tr>")
        for k, v in doc.analysis.inferred.get(node_id, {}).items():
            rows.append(f"<tr><td style='color:{t.dim_text}'>{k}&nbsp;</td><td>{format_value(v)} "
                        f"<span style='color:{t.dim_text}'>(inferred)</span></td></tr>")
        count = doc.params.get(node_id)
        rows.append(f"<tr><td style='color:{t.dim_text}'>params&nbsp;</td><td>"
                    f"{'?' if count is None else f'{count:,}'} ({human(count)})</td></tr>")
        self.derived.setText("<table>" + "".join(rows) + "</table>")
        errs = doc.analysis.errors_by_node().get(node_id, [])
        if self.problems is not None:
            self.problems.setText("\n".join(f"⚠ {e}" for e in errs))
            self.problems.setVisible(bool(errs))
