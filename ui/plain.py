"""User text (project names, descriptions, messages that quote a file or a column) shown as text,
never as HTML: Qt renders anything that looks like markup, and an <img src=...> would load a file."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def escape(text) -> str:
    """Text for a place that renders HTML (tooltips, message boxes, rich labels), shown as typed."""
    return html.escape(str(text), quote=False).replace("\n", "<br>")


def plain(label: QLabel) -> QLabel:
    """The label shows its text verbatim, whatever it holds."""
    label.setTextFormat(Qt.PlainText)
    return label


def plain_label(text: str = "") -> QLabel:
    return plain(QLabel(text))
