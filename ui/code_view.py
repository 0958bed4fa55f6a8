"""Code view: the generated model.py, syntax-highlighted, updated (debounced) as the graph changes,
with the selected node's lines highlighted and a Copy button."""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QRegularExpression, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTextEdit, QVBoxLayout, QWidget

from netbuilder.compiler import model_source
from netbuilder.errors import ProjectError
from netbuilder.shapes import Analysis, analyze
from netbuilder.spec import Project

from .plain import plain

DEBOUNCE_MS = 150


def _fmt(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, numbers, strings, comments, `self`, decorators; triple-quoted docstrings."""

    def __init__(self, document):
        super().__init__(document)
        kw = "|".join(keyword.kwlist)
        self.rules = [
            (QRegularExpression(rf"\b(?:{kw})\b"), _fmt("#c678dd", bold=True)),
            (QRegularExpression(r"\b(?:self|super|True|False|None)\b"), _fmt("#e5c07b")),
            (QRegularExpression(r"\b(?:nn|torch)\b"), _fmt("#56b6c2")),
            (QRegularExpression(r"\b[A-Z][A-Za-z0-9_]*(?=\()"), _fmt("#61afef")),
            (QRegularExpression(r"\b[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?\b"), _fmt("#d19a66")),
            (QRegularExpression(r'"[^"\n]*"|\'[^\'\n]*\''), _fmt("#98c379")),
            (QRegularExpression(r"#[^\n]*"), _fmt("#7f848e", italic=True)),
        ]
        self.doc_format = _fmt("#7f9f7f", italic=True)

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self.rules:
            it = pattern.globalMatch(text)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)
        # docstrings: state 1 = inside a triple-quoted string
        start = 0 if self.previousBlockState() == 1 else text.find('"""')
        self.setCurrentBlockState(0)
        while start >= 0:
            skip = 0 if self.previousBlockState() == 1 and start == 0 else 3
            end = text.find('"""', start + skip)
            if end < 0:
                self.setFormat(start, len(text) - start, self.doc_format)
                self.setCurrentBlockState(1)
                return
            self.setFormat(start, end + 3 - start, self.doc_format)
            start = text.find('"""', end + 3)


class CodeView(QWidget):
    """`set_project(project, analysis)` re-renders after DEBOUNCE_MS of quiet; `highlight_node(id)`
    marks the lines of one node (its layer in __init__ and its line(s) in forward)."""

    sourceChanged = Signal(str)  # the new source ('' while the graph is invalid)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("codeView")
        self.editor = QPlainTextEdit(readOnly=True)
        self.editor.setObjectName("codeEditor")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10))
        self.editor.setFont(font)
        self.highlighter = PythonHighlighter(self.editor.document())
        self.status = plain(QLabel("No model yet."))
        self.status.setWordWrap(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the model code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self._project: Project | None = None
        self._analysis: Analysis | None = None
        self._selected: str | None = None
        self.source = ""

    # --- API --------------------------------------------------------------------------------------
    def set_project(self, project: Project | None, analysis: Analysis | None = None) -> None:
        """Schedule a re-render (restarting the debounce timer); a snapshot of the project is kept."""
        self._project = project.copy() if project is not None else None
        self._analysis = analysis if project is not None else None
        self._timer.start()

    def highlight_node(self, node_id: str | None) -> None:
        self._selected = node_id
        self._apply_highlight(scroll=True)

    def text(self) -> str:
        return self.editor.toPlainText()

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def pending(self) -> bool:
        return self._timer.isActive()

    # --- rendering ----------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        self._timer.stop()
        project, analysis = self._project, self._analysis
        if project is None:
            self._show_message("No model yet.")
            return
        try:
            analysis = analysis or analyze(project)
            if analysis.errors:
                self._show_errors(analysis.errors)
                return
            source = model_source(project, analysis)
        except ProjectError as exc:
            self._show_errors(getattr(exc, "errors", [exc]))
            return
        self.copy_button.setEnabled(True)
        network = f" — {project.active}" if project.networks else ""
        self.status.setText(f"model.py — {project.name}{network}")
        switched = project.active != getattr(self, "_shown_network", None)
        self._shown_network = project.active
        if source != self.source:
            bar = self.editor.verticalScrollBar()
            position = bar.value()
            self.editor.setPlainText(source)
            bar.setValue(position)
            self.source = source
            self.sourceChanged.emit(source)
        if switched and project.networks:  # the network's class at the top
            first = self.class_lines()[0]
            self.editor.verticalScrollBar().setValue(first)
        self._apply_highlight(scroll=False)

    def _show_errors(self, errors) -> None:
        lines = ["# The graph has problems, so there is no code to show yet:", "#"]
        for e in errors:
            where = f"[{e.node}] " if getattr(e, "node", None) else ""
            lines.append(f"# - {where}{e.message}")
        self._show_message("\n".join(lines) + "\n", f"{len(errors)} problem{'s' * (len(errors) > 1)} to fix")

    def _show_message(self, text: str, status: str | None = None) -> None:
        self.source = ""
        self.copy_button.setEnabled(False)
        self.status.setText(status or text.strip())
        self.editor.setPlainText(text if status else "")
        self.editor.setExtraSelections([])
        self.sourceChanged.emit("")

    def node_lines(self, node_id: str) -> list[int]:
        """0-based line numbers that belong to the node: `self.<id> = ...` and `<id> = ...` lines."""
        if not self.source or not node_id:
            return []
        ident = re.escape(node_id)
        pattern = re.compile(rf"^\s*(?:self\.{ident}\s*=|{ident}(?:\s*,\s*_)?\s*=)")
        lines = self.source.split("\n")
        hits = []
        first, last = self.class_lines()
        for i, line in enumerate(lines):
            if not first <= i < last:
                continue
            if pattern.match(line):
                hits.append(i)
                # a statement wrapped over several lines: take its continuation too
                depth, j = line.count("(") - line.count(")"), i
                while depth > 0 and j + 1 < len(lines):
                    j += 1
                    hits.append(j)
                    depth += lines[j].count("(") - lines[j].count(")")
        return hits

    def class_lines(self) -> tuple[int, int]:
        """The lines [first, last) of the edited network's class (the whole source with one network)."""
        lines = self.source.split("\n")
        project = self._project
        if not project or not project.networks:
            return 0, len(lines)
        from netbuilder.networks import class_name

        starts = [i for i, line in enumerate(lines) if line.startswith("class ")]
        mine = next((i for i in starts if line_is_class(lines[i], class_name(project.active))), 0)
        return mine, next((i for i in starts if i > mine), len(lines))

    def _apply_highlight(self, scroll: bool) -> None:
        selections = []
        lines = self.node_lines(self._selected) if self._selected else []
        color = QColor(self.palette().highlight().color())
        color.setAlpha(70)
        doc = self.editor.document()
        for number in lines:
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(color)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(doc.findBlockByNumber(number))
            selections.append(sel)
        self.editor.setExtraSelections(selections)
        if scroll and lines:
            cursor = QTextCursor(doc.findBlockByNumber(lines[-1]))
            self.editor.setTextCursor(cursor)
            self.editor.centerCursor()
            self.editor.setTextCursor(QTextCursor(doc.findBlockByNumber(lines[0])))
            self.editor.ensureCursorVisible()


def line_is_class(line: str, name: str) -> bool:
    return line.startswith(f"class {name}(")
