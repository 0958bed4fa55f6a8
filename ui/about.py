"""Help > About: what NetBuilder is, and its versions in a form a bug report can quote."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from netbuilder.about import report


def version_report() -> str:
    return report({"Qt": f"{qVersion()} (PySide6 {pyside_version})"})


class AboutDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("About NetBuilder")
        self.resize(560, 320)
        intro = QLabel("<b>NetBuilder</b><br>Design neural networks on a canvas, train them on your data, "
                       "export PyTorch code.<br><br>For a bug report, copy these lines:")
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(version_report())
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.copy_button = QPushButton("Copy to Clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText("Copied")
