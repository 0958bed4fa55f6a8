"""Spin boxes that let an out-of-range number be typed, so that the form can say why it is
refused and what is allowed, but never accept it. A plain QSpinBox silently drops what it does
not like: "-1" as a learning rate of at least 1e-6 became "1", epochs 0 were ignored."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE]-?\d+)?")


def _body(box, text: str) -> str:
    end = len(text) - len(box.suffix()) if box.suffix() else len(text)
    return text[len(box.prefix()):end].strip()


def _state(box, body: str, pattern: re.Pattern, parse) -> QValidator.State:
    if body and body == box.specialValueText():
        return QValidator.Acceptable
    if pattern.fullmatch(body):
        return QValidator.Acceptable if box.minimum() <= parse(body) <= box.maximum() else QValidator.Intermediate
    if body in ("", "-", ".", "-.") or pattern.fullmatch(body + "0"):  # on the way: "1e-" to "1e-3"
        return QValidator.Intermediate
    return QValidator.Invalid


class _Refusing:
    """What the two boxes share; PATTERN and PARSE say what a number is for each."""

    def validate(self, text, pos):
        return _state(self, _body(self, text), self.PATTERN, self.PARSE), text, pos

    def shown_value(self) -> str:
        """The text of the value the box holds (its "off" text at the minimum)."""
        special = self.specialValueText()
        return special if special and self.value() == self.minimum() else self.textFromValue(self.value())

    def _revert_if_refused(self) -> None:
        """Leaving a refused number puts the kept value back in view (Qt leaves the text)."""
        if _state(self, _body(self, self.text()), self.PATTERN, self.PARSE) != QValidator.Acceptable:
            self.lineEdit().setText(self.shown_value())
            self.reverted.emit()

    def focusOutEvent(self, event):
        self._revert_if_refused()
        super().focusOutEvent(event)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._revert_if_refused()
        super().keyPressEvent(event)

    def refusal(self, text: str) -> str:
        """Why `text` is not taken, with the allowed range ("" when it is taken or unfinished)."""
        body = _body(self, text)
        if not self.PATTERN.fullmatch(body) or _state(self, body, self.PATTERN, self.PARSE) == QValidator.Acceptable:
            return ""
        lo = f"{self.minimum():g}" + (f" ({self.specialValueText()})" if self.specialValueText() else "")
        return f"{body} is refused: allowed {lo} to {self.maximum():g}"


class RangeSpinBox(_Refusing, QSpinBox):
    PATTERN, PARSE = _INT, int
    reverted = Signal()  # left with a refused number: the box shows its kept value again


class RangeDoubleSpinBox(_Refusing, QDoubleSpinBox):
    PATTERN, PARSE = _FLOAT, float
    reverted = Signal()

    def valueFromText(self, text: str) -> float:
        body = _body(self, text)
        return float(body) if _FLOAT.fullmatch(body) else super().valueFromText(text)
