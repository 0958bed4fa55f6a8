"""The training settings form: every field edits the project's `training` section.

Its rows come from the settings' one declaration (netbuilder/training_fields.py): each setting
with a `label` gets a widget of its kind, with the declared choices, range, "off" text and
help, so a new setting appears here without touching this file. What is the form's own is how
some rows work together: the metric checkboxes of the loss's task, the early-stopping monitor,
and the two knobs of the chosen schedule.

The form never keeps its own copy of the settings: it reads `document.project.training` when
the document changes and writes a whole new section (validated by TrainSettings) on each edit."""

from __future__ import annotations

import copy

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from netbuilder import training_fields as F
from netbuilder.data import DataError
from netbuilder.data.targets import task_for_loss
from netbuilder.metrics import default_metrics, metric_names
from netbuilder.runtime.build import SCHEDULE_DEFAULTS
from netbuilder.session import loss_name
from netbuilder.train import TrainError, TrainSettings

from ..errors import error_text
from ..plain import plain
from ..spinboxes import RangeDoubleSpinBox, RangeSpinBox
from .commands import set_section
from .launch import processes_box

OPTIMIZERS, LOSSES = F.OPTIMIZERS, F.LOSSES
SCHEDULES = ("none", *F.SCHEDULES)
# each schedule's two knobs: (argument, row label, default shown as "auto") for the epochs one,
# (argument, row label, default) for the factor one; None where it has no such knob
SCHEDULE_KNOBS = {
    "StepLR": (("step_size", "Step every (epochs)", "auto: a third of the epochs"),
               ("gamma", "LR multiplied by", 0.1)),
    "CosineAnnealingLR": (("T_max", "Cosine over (epochs)", "auto: all epochs"), None),
    "ExponentialLR": (None, ("gamma", "LR multiplied by (per epoch)",
                             SCHEDULE_DEFAULTS["ExponentialLR"](0)["gamma"])),  # the runtime's
    "ReduceLROnPlateau": (("patience", "Reduce after (epochs)", "auto: 10"),
                          ("factor", "LR multiplied by", 0.1)),
}
KNOB_ROWS = {"sched_epochs": "Schedule epochs", "sched_factor": "Schedule factor"}  # after the schedule's row
MOMENTUM_OPTIMIZERS = F.MOMENTUM_OPTIMIZERS
METRIC_LABELS = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall",
                 "f1": "F1", "auroc": "ROC AUC", "mse": "MSE", "rmse": "RMSE", "mae": "MAE",
                 "r2": "R²"}
PLAIN_KINDS = ("int", "float", "bool", "choice")


def task_of_loss(loss: str) -> str:
    """The task as far as the form can tell before data is loaded: the loss decides (the
    core's rule). Binary counts as classification here: the same metrics are offered."""
    try:
        task = task_for_loss(loss)
    except DataError:  # an unknown loss: TrainSettings reports it, the form offers defaults
        return "classification"
    return "regression" if task == "regression" else "classification"


def _double(lo, hi, decimals, step, special="") -> RangeDoubleSpinBox:
    box = RangeDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    if special:
        box.setSpecialValueText(special)  # shown at the minimum: "off"
    box.setKeyboardTracking(False)  # one edit per committed value, not per keystroke
    return box


def _int(lo, hi, special="") -> RangeSpinBox:
    box = RangeSpinBox()
    box.setRange(lo, hi)
    if special:
        box.setSpecialValueText(special)
    box.setKeyboardTracking(False)
    return box


def _combo(items) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    return box


def widget_for(s: F.Setting) -> QWidget:
    """The widget a declared setting gets: its kind, choices, range and "off" text."""
    if s.kind == "int":
        return _int(*s.box_range(), s.off)
    if s.kind == "float":
        box = _double(*s.box_range(), s.decimals, s.step, s.off)
        if s.decimals > 3:
            box.setStepType(QDoubleSpinBox.AdaptiveDecimalStepType)
        return box
    if s.kind == "bool":
        return QCheckBox(s.label)
    return _combo(SCHEDULES if s.name == "schedule" else s.choices)  # choice, typed; monitor: filled on load


def form_rows() -> list[tuple[str, str, F.Setting | None]]:
    """(field key, row label, declaration) in the form's order: each declared setting with a
    label (an object's labelled fields after it), and the schedule's knobs after the schedule."""
    rows = []
    for s in F.SETTINGS:
        if s.label and s.kind != "section":
            rows.append((s.name, s.label, s))
        rows += [(f.name, f.label, f) for f in s.fields if f.label]
        if s.name == "schedule":
            rows += [(key, label, None) for key, label in KNOB_ROWS.items()]
    return rows


# the top-level settings the form edits as plain values (batch_size, seed, device...)
PLAIN_ROWS = [s.name for s in F.SETTINGS if s.label and s.kind in PLAIN_KINDS]
LABELS = {key: label for key, label, _ in form_rows()}
FIELD_LABELS = {label: key for key, label in LABELS.items() if key != "metrics"}
FLASH_MS = 2500  # how long a field that Undo or Redo changed stays marked


class SettingsForm(QWidget):
    edited = Signal(str)  # the field that changed

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._loading = False
        f = self.fields = {}
        for key, _label, s in form_rows():
            if s is None:  # the schedule's knobs: their range and text follow the chosen schedule
                f[key] = _int(0, 100000, "auto") if key == "sched_epochs" else _double(0.001, 0.999, 3, 0.05)
            elif s.kind != "metrics":
                f[key] = widget_for(s)
                f[key].setToolTip(s.help)
        # one checkbox per metric the loss's task has: only those are shown at a time
        self.metric_boxes = {name: QCheckBox(METRIC_LABELS[name]) for name in METRIC_LABELS}
        metrics_box = QWidget()
        grid = QGridLayout(metrics_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for names in (metric_names("classification"), metric_names("regression")):
            for i, name in enumerate(names):
                grid.addWidget(self.metric_boxes[name], i // 2, i % 2)
        self.form = form = QFormLayout(self)
        form.setContentsMargins(8, 8, 8, 8)
        form.setVerticalSpacing(6)
        form.setSizeConstraint(QFormLayout.SetMinimumSize)  # the scroll area it sits in scrolls, never squeezes
        self.rows: dict[str, QWidget] = {}  # field -> its row's widget (the field + its message)
        self.refusals: dict[str, QLabel] = {}  # number fields: why a typed value is refused
        for key, label, s in form_rows():
            if key == "metrics":
                form.addRow(label, metrics_box)
                self.rows["metrics"] = metrics_box
            else:  # a check box carries its own label
                form.addRow("" if isinstance(f[key], QCheckBox) else label, self._row(key))
        self.processes = processes_box()  # data-parallel: shown only with two GPUs or more
        if self.processes is not None:
            form.addRow("Processes (GPUs)", self.processes)
        self.error = plain(QLabel())
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        for key, w in f.items():
            signal = (w.currentTextChanged if isinstance(w, QComboBox) else
                      w.toggled if isinstance(w, QCheckBox) else w.valueChanged)
            signal.connect(self._on_edit)
            w.setProperty("field", key)
        for box in self.metric_boxes.values():
            box.toggled.connect(self._on_edit)
            box.setProperty("field", "metrics")
        document.analyzed.connect(self.load)  # every edit but a move
        if hasattr(document, "replayed"):
            document.replayed.connect(self._replayed)
        self._flashed: QWidget | None = None
        self._flash_timer = QTimer(self, singleShot=True, interval=FLASH_MS)
        self._flash_timer.timeout.connect(lambda: self._flash(None))
        self.load()

    def _row(self, key: str) -> QWidget:
        """The field, and under a number field the line that says why a typed value is refused."""
        widget = self.fields[key]
        if not isinstance(widget, (RangeSpinBox, RangeDoubleSpinBox)):
            self.rows[key] = widget
            return widget
        row = QWidget()
        lay = QVBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        message = plain(QLabel())
        message.setObjectName("error")
        message.setWordWrap(True)
        message.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)  # as wide as the field, never wider
        message.hide()
        lay.addWidget(message)
        widget.lineEdit().textEdited.connect(lambda text, k=key: self._typed(k, text))
        widget.valueChanged.connect(lambda _v, k=key: self._show_refusal(k, ""))  # a value was taken
        self.rows[key], self.refusals[key] = row, message
        return row

    def label_of(self, key: str) -> str:
        """The field's name as its row shows it (a schedule renames its knobs)."""
        label = self.form.labelForField(self.rows[key]) if key in self.rows else None
        return (label.text() if label is not None else "") or LABELS.get(key, key)

    def _typed(self, key: str, text: str) -> None:
        """As the user types: an out-of-range number is named with the allowed range at once,
        and the value that stays (the box goes back to it when left)."""
        box = self.fields[key]
        reason = box.refusal(text)
        for other, message in self.refusals.items():  # an older refusal is stale once the user moves on
            if other != key and message.isVisible():
                self._show_refusal(other, "")
        self._show_refusal(key, f"{reason}; kept {box.shown_value()}." if reason else "")

    def _show_refusal(self, key: str, text: str) -> None:
        message, box = self.refusals[key], self.fields[key]
        message.setText(text)
        message.setVisible(bool(text))
        # the form sits in a scroll area that would squeeze a wrapped line to one
        message.setMinimumHeight(message.heightForWidth(box.width()) if text else 0)
        box.setProperty("invalid", bool(text))
        box.style().unpolish(box)
        box.style().polish(box)

    @Slot(str, str, bool)
    def _replayed(self, section: str, field: str, undone: bool) -> None:
        """Undo or Redo changed a training field: mark it and scroll it into view."""
        if section == "training" and field in self.rows:
            self._flash(self.rows[field])

    def _flash(self, row: QWidget | None) -> None:
        for w in {self._flashed, row} - {None}:
            w.setProperty("replayed", w is row)
            for child in (w, *w.findChildren(QWidget)):
                child.setProperty("replayed", w is row)
                child.style().unpolish(child)
                child.style().polish(child)
        self._flashed = row
        if row is not None:
            scroll = self.parentWidget().parentWidget() if self.parentWidget() else None
            if hasattr(scroll, "ensureWidgetVisible"):
                scroll.ensureWidgetVisible(row)
            self._flash_timer.start()

    # ----- document -> widgets -----------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        t = self.document.project.training or {}
        try:
            s = TrainSettings.from_dict(t)
        except TrainError as err:
            self.error.setText(error_text(err))
            return
        self._loading = True
        try:
            f = self.fields
            f["optimizer"].setCurrentText(s.optimizer)
            for arg in F.BY_NAME["optimizer"].fields:  # lr, momentum, nesterov
                self._show_value(arg.name, s.optimizer_args.get(arg.name, arg.default))
            f["loss"].setCurrentText(s.loss)
            for key in PLAIN_ROWS:
                self._show_value(key, s.values[key])
            f["schedule"].setCurrentText((s.schedule or {}).get("type", "none"))
            epochs_knob, factor_knob = SCHEDULE_KNOBS.get(f["schedule"].currentText(), (None, None))
            if epochs_knob:
                f["sched_epochs"].setValue(int((s.schedule or {}).get(epochs_knob[0], 0)))
            if factor_knob:
                f["sched_factor"].setValue((s.schedule or {}).get(factor_knob[0], factor_knob[2]))
            f["patience"].setValue((s.early_stopping or {}).get("patience", 0))
            task = task_of_loss(s.loss)
            chosen = set(s.metrics_for(task))
            for name, box in self.metric_boxes.items():
                box.setVisible(name in metric_names(task))
                box.setChecked(name in chosen)
            monitors = ["val_loss", "train_loss"] + [f"val_{m}" for m in metric_names(task)]
            f["monitor"].clear()
            f["monitor"].addItems(monitors)
            f["monitor"].setCurrentText((s.early_stopping or {}).get("monitor", "val_loss"))
            self._enable()
            self.error.clear()
        finally:
            self._loading = False

    def _show_value(self, key: str, value) -> None:
        box = self.fields[key]
        if isinstance(box, QComboBox):
            box.setCurrentText(value)
        elif isinstance(box, QCheckBox):
            box.setChecked(bool(value))
        else:  # unset (None) shows as the box's minimum, its "off" text
            box.setValue(box.minimum() if value is None else value)

    def _value(self, key: str):
        """The value the field's box says; None for a setting that is unset at its "off" minimum."""
        box, s = self.fields[key], F.BY_NAME[key]
        if isinstance(box, QComboBox):
            return box.currentText()
        if isinstance(box, QCheckBox):
            return box.isChecked()
        if s.default is None and s.off and box.value() == box.minimum():
            return None
        return box.value()

    def _enable(self) -> None:
        opt = self.fields["optimizer"].currentText()
        self.fields["momentum"].setEnabled(opt in MOMENTUM_OPTIMIZERS)
        self.fields["nesterov"].setEnabled(opt == "SGD")
        self.fields["monitor"].setEnabled(self.fields["patience"].value() > 0)
        knobs = SCHEDULE_KNOBS.get(self.fields["schedule"].currentText(), (None, None))
        for key, knob in zip(("sched_epochs", "sched_factor"), knobs):
            field, row = self.fields[key], self.rows[key]
            self.form.setRowVisible(row, knob is not None)
            if knob is not None:  # the row says what this schedule calls it
                self.form.labelForField(row).setText(knob[1])
                if key == "sched_epochs":
                    field.setSpecialValueText(knob[2])

    # ----- widgets -> document -----------------------------------------------------------------
    def section(self) -> dict:
        """The training section the widgets describe, keeping fields the form does not show."""
        f = self.fields
        t = copy.deepcopy(self.document.project.training or {})
        old_opt = t.get("optimizer") if isinstance(t.get("optimizer"), dict) else {}
        opt = f["optimizer"].currentText()
        args = {k: v for k, v in old_opt.items()
                if k not in ("type", "lr", "momentum", "nesterov")} if \
            old_opt.get("type") == opt else {}
        optimizer = {"type": opt, "lr": f["lr"].value(), **args}
        if opt in MOMENTUM_OPTIMIZERS and f["momentum"].value():
            optimizer["momentum"] = f["momentum"].value()
        if opt == "SGD" and f["nesterov"].isChecked():
            optimizer["nesterov"] = True
            optimizer.setdefault("momentum", 0.9)  # torch refuses nesterov without momentum
        t["optimizer"] = optimizer
        old_loss = t.get("loss")
        if not (isinstance(old_loss, dict) and old_loss.get("type") == f["loss"].currentText()):
            t["loss"] = f["loss"].currentText()
        for key in PLAIN_ROWS:  # written where the section has it or it differs from the default
            value = self._value(key)
            if key in t or value != F.BY_NAME[key].default:
                t[key] = value
        schedule = f["schedule"].currentText()
        old_sched = t.get("schedule") if isinstance(t.get("schedule"), dict) else {}
        t["schedule"] = (None if schedule == "none" else old_sched
                         if old_sched.get("type") == schedule else {"type": schedule})
        if t["schedule"] and old_sched.get("type") == schedule:  # a new type starts from its defaults
            t["schedule"] = self._schedule_knobs(dict(t["schedule"]))
        patience = f["patience"].value()
        monitor = f["monitor"].currentText() or "val_loss"
        if monitor.removeprefix("val_") not in ("loss", "train_loss",
                                                *metric_names(task_of_loss(loss_name(t)))):
            monitor = "val_loss"  # the loss changed task: its metric no longer exists
        early = {**(t.get("early_stopping") or {}), "patience": patience}
        if monitor != "val_loss" or "monitor" in early:
            early["monitor"] = monitor
        t["early_stopping"] = early if patience else None
        t["metrics"] = self._metrics(t)
        return {k: v for k, v in t.items() if v is not None}

    def _schedule_knobs(self, schedule: dict) -> dict:
        """The knob values into the schedule's arguments (0 epochs: the argument's default)."""
        epochs_knob, factor_knob = SCHEDULE_KNOBS.get(schedule["type"], (None, None))
        if epochs_knob:
            n = self.fields["sched_epochs"].value()
            if n:
                schedule[epochs_knob[0]] = n
            else:
                schedule.pop(epochs_knob[0], None)
        if factor_knob:
            value = round(self.fields["sched_factor"].value(), 6)
            if value != factor_knob[2] or factor_knob[0] in schedule:
                schedule[factor_knob[0]] = value
        return schedule

    def _metrics(self, t: dict) -> list | None:
        """The checked metrics of the loss's task; unset while they are still the default."""
        task = task_of_loss(loss_name(t))
        checked = [n for n in metric_names(task) if self.metric_boxes[n].isChecked()]
        if t.get("metrics") is None and checked == default_metrics(task):
            return None
        if task_of_loss(loss_name(self.document.project.training)) != task:
            return None  # the loss changed task: the other task's choice means nothing here
        return checked

    @Slot()
    def _on_edit(self, *_) -> None:
        if self._loading:
            return
        self._enable()
        field = self.sender().property("field") if self.sender() else ""
        section = self.section()
        try:
            TrainSettings.from_dict(section)
        except TrainError as err:
            self.error.setText(error_text(err))
            return
        self.error.clear()
        set_section(self.document, "training", section, field or "")
        self.edited.emit(field or "")
