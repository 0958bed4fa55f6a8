"""The training settings form: every field edits the project's `training` section.

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

from netbuilder.data import DataError
from netbuilder.data.targets import task_for_loss
from netbuilder.metrics import default_metrics, metric_names
from netbuilder.runtime.build import SCHEDULE_DEFAULTS
from netbuilder.session import loss_name
from netbuilder.train import TrainError, TrainSettings
from netbuilder.train.settings import AMP

from ..plain import plain
from ..spinboxes import RangeDoubleSpinBox, RangeSpinBox
from .commands import set_section
from .launch import processes_box

OPTIMIZERS = ("Adam", "AdamW", "SGD", "RMSprop", "Adagrad")
LOSSES = ("CrossEntropyLoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "HuberLoss", "NLLLoss")
SCHEDULES = ("none", "StepLR", "CosineAnnealingLR", "ExponentialLR", "ReduceLROnPlateau")
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
DEVICES = ("auto", "cpu", "cuda", "mps")
MOMENTUM_OPTIMIZERS = ("SGD", "RMSprop")
METRIC_LABELS = {"accuracy": "Accuracy", "precision": "Precision", "recall": "Recall",
                 "f1": "F1", "auroc": "ROC AUC", "mse": "MSE", "rmse": "RMSE", "mae": "MAE",
                 "r2": "R²"}


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


FIELD_LABELS = {"Optimizer": "optimizer", "Learning rate": "lr", "Momentum": "momentum",
                "Nesterov": "nesterov", "Loss": "loss", "Batch size": "batch_size", "Epochs": "epochs",
                "LR schedule": "schedule", "Schedule epochs": "sched_epochs",
                "Schedule factor": "sched_factor", "L1": "l1", "L2": "l2",
                "Early stop patience": "patience", "Early stop on": "monitor",
                "Gradient clip": "grad_clip", "Seed": "seed", "Device": "device",
                "Mixed precision": "mixed_precision"}
LABELS = {key: label for label, key in FIELD_LABELS.items()} | {"metrics": "Metrics"}
FLASH_MS = 2500  # how long a field that Undo or Redo changed stays marked


class SettingsForm(QWidget):
    edited = Signal(str)  # the field that changed

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self._loading = False
        f = self.fields = {
            "optimizer": _combo(OPTIMIZERS), "lr": _double(1e-6, 10.0, 6, 1e-4),
            "momentum": _double(0.0, 0.999, 3, 0.05), "nesterov": QCheckBox("Nesterov"),
            "loss": _combo(LOSSES), "batch_size": _int(1, 65536), "epochs": _int(1, 100000),
            "schedule": _combo(SCHEDULES), "sched_epochs": _int(0, 100000, "auto"),
            "sched_factor": _double(0.001, 0.999, 3, 0.05), "l1": _double(0.0, 1.0, 6, 1e-5, "off"),
            "l2": _double(0.0, 1.0, 6, 1e-4, "off"),
            "patience": _int(0, 1000, "off"), "grad_clip": _double(0.0, 1e4, 3, 0.5, "off"),
            "seed": _int(0, 2**31 - 1), "device": _combo(DEVICES), "mixed_precision": _combo(AMP),
            "monitor": QComboBox(),
        }
        # one checkbox per metric the loss's task has: only those are shown at a time
        self.metric_boxes = {name: QCheckBox(METRIC_LABELS[name]) for name in METRIC_LABELS}
        metrics_box = QWidget()
        grid = QGridLayout(metrics_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for names in (metric_names("classification"), metric_names("regression")):
            for i, name in enumerate(names):
                grid.addWidget(self.metric_boxes[name], i // 2, i % 2)
        f["lr"].setStepType(QDoubleSpinBox.AdaptiveDecimalStepType)
        tips = {"lr": "Learning rate", "l1": "L1 penalty on weights (sparsity)",
                "l2": "L2 penalty (weight decay)", "patience":
                "Early stopping: stop after this many epochs without a better val_loss",
                "grad_clip": "Clip the global gradient norm to this value",
                "momentum": "SGD / RMSprop momentum",
                "monitor": "What early stopping watches; the best checkpoint follows it too",
                "mixed_precision": "Mixed precision on CUDA (bf16 or fp16 autocast); other devices "
                       "train in float32"}
        for key, tip in tips.items():
            f[key].setToolTip(tip)
        self.form = form = QFormLayout(self)
        form.setContentsMargins(8, 8, 8, 8)
        form.setVerticalSpacing(6)
        form.setSizeConstraint(QFormLayout.SetMinimumSize)  # the scroll area it sits in scrolls, never squeezes
        self.rows: dict[str, QWidget] = {}  # field -> its row's widget (the field + its message)
        self.refusals: dict[str, QLabel] = {}  # number fields: why a typed value is refused
        for label, key in FIELD_LABELS.items():
            form.addRow(label if key != "nesterov" else "", self._row(key))
            if key == "epochs":
                form.addRow("Metrics", metrics_box)
                self.rows["metrics"] = metrics_box
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
            self.error.setText(err.message)
            return
        self._loading = True
        try:
            f = self.fields
            f["optimizer"].setCurrentText(s.optimizer)
            f["lr"].setValue(s.optimizer_args.get("lr", 1e-3))
            f["momentum"].setValue(s.optimizer_args.get("momentum", 0.0))
            f["nesterov"].setChecked(bool(s.optimizer_args.get("nesterov", False)))
            f["loss"].setCurrentText(s.loss)
            f["batch_size"].setValue(s.batch_size)
            f["epochs"].setValue(s.epochs)
            f["schedule"].setCurrentText((s.schedule or {}).get("type", "none"))
            epochs_knob, factor_knob = SCHEDULE_KNOBS.get(f["schedule"].currentText(), (None, None))
            if epochs_knob:
                f["sched_epochs"].setValue(int((s.schedule or {}).get(epochs_knob[0], 0)))
            if factor_knob:
                f["sched_factor"].setValue((s.schedule or {}).get(factor_knob[0], factor_knob[2]))
            f["l1"].setValue(s.l1)
            f["l2"].setValue(s.l2)
            f["patience"].setValue((s.early_stopping or {}).get("patience", 0))
            f["grad_clip"].setValue(s.grad_clip or 0.0)
            f["seed"].setValue(s.seed)
            f["device"].setCurrentText(s.device)
            f["mixed_precision"].setCurrentText(s.mixed_precision)
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
        t["batch_size"], t["epochs"] = f["batch_size"].value(), f["epochs"].value()
        schedule = f["schedule"].currentText()
        old_sched = t.get("schedule") if isinstance(t.get("schedule"), dict) else {}
        t["schedule"] = (None if schedule == "none" else old_sched
                         if old_sched.get("type") == schedule else {"type": schedule})
        if t["schedule"] and old_sched.get("type") == schedule:  # a new type starts from its defaults
            t["schedule"] = self._schedule_knobs(dict(t["schedule"]))
        t["l1"], t["l2"] = f["l1"].value(), f["l2"].value()
        patience = f["patience"].value()
        monitor = f["monitor"].currentText() or "val_loss"
        if monitor.removeprefix("val_") not in ("loss", "train_loss",
                                                *metric_names(task_of_loss(loss_name(t)))):
            monitor = "val_loss"  # the loss changed task: its metric no longer exists
        early = {**(t.get("early_stopping") or {}), "patience": patience}
        if monitor != "val_loss" or "monitor" in early:
            early["monitor"] = monitor
        t["early_stopping"] = early if patience else None
        t["grad_clip"] = f["grad_clip"].value() or None
        t["seed"], t["device"] = f["seed"].value(), f["device"].currentText()
        if f["mixed_precision"].currentText() != "none" or "mixed_precision" in t:
            t["mixed_precision"] = f["mixed_precision"].currentText()
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
            self.error.setText(err.message)
            return
        self.error.clear()
        set_section(self.document, "training", section, field or "")
        self.edited.emit(field or "")
