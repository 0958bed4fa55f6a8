"""Colours, fonts and the application style sheet for the dark (default) and light themes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

CATEGORY_COLORS = {
    "Input / Output": "#3fa66a",
    "Dense": "#4a7fd6",
    "Convolution": "#8a5cd6",
    "Pooling": "#2f9fb5",
    "Reshape": "#7c8794",
    "Normalization": "#c9892f",
    "Regularization": "#b5657a",
    "Activation": "#d4a52c",
    "Sequence": "#3b9c93",
    "Attention": "#c0568f",
    "Merge": "#5e9c3a",
    "Generative": "#d6604a",
}


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    panel: str
    base: str
    text: str
    dim_text: str
    border: str
    accent: str
    canvas: str
    grid: str
    grid_major: str
    node: str
    node_body_text: str
    edge: str
    label_bg: str
    label_text: str
    error: str = "#e5484d"
    warning: str = "#f59e0b"
    ok: str = "#3fb950"

    def color(self, attr: str) -> QColor:
        return QColor(getattr(self, attr))


DARK = Theme("dark", window="#1e2127", panel="#23272e", base="#1a1d22", text="#dfe3ea", dim_text="#8b93a1",
             border="#343a44", accent="#4c9cff", canvas="#16181d", grid="#1f2329", grid_major="#272c34",
             node="#2a2f38", node_body_text="#aab2bf", edge="#7d8796", label_bg="#252a33",
             label_text="#c9d1dc")
LIGHT = Theme("light", window="#eef0f3", panel="#f7f8fa", base="#ffffff", text="#1f2328", dim_text="#656d76",
              border="#d0d7de", accent="#0969da", canvas="#fbfbfc", grid="#eff1f4", grid_major="#e3e6ea",
              node="#ffffff", node_body_text="#57606a", edge="#8c959f", label_bg="#ffffff",
              label_text="#24292f")
THEMES = {"dark": DARK, "light": LIGHT}

_current = DARK


def current() -> Theme:
    return _current


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#7c8794"))


def apply(app: QApplication, name: str) -> Theme:
    """Install the theme's palette and style sheet on the application."""
    global _current
    t = THEMES.get(name, DARK)
    _current = t
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {QPalette.Window: t.window, QPalette.WindowText: t.text, QPalette.Base: t.base,
             QPalette.AlternateBase: t.panel, QPalette.Text: t.text, QPalette.Button: t.panel,
             QPalette.ButtonText: t.text, QPalette.Highlight: t.accent, QPalette.HighlightedText: "#ffffff",
             QPalette.ToolTipBase: t.panel, QPalette.ToolTipText: t.text, QPalette.PlaceholderText: t.dim_text,
             QPalette.Link: t.accent}
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor(t.dim_text))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor(t.dim_text))
    app.setPalette(pal)
    app.setStyleSheet(style_sheet(t))
    return t


def style_sheet(t: Theme) -> str:
    return f"""
QMainWindow, QDialog {{ background: {t.window}; }}
QWidget {{ font-size: 13px; }}
QDockWidget {{ color: {t.text}; }}
QDockWidget::title {{ background: {t.panel}; padding: 6px 8px; border-bottom: 1px solid {t.border};
    font-weight: 600; text-transform: uppercase; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {t.border}; background: {t.panel}; }}
QTabBar::tab {{ background: transparent; color: {t.dim_text}; padding: 6px 14px; border: none;
    border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {t.text}; border-bottom: 2px solid {t.accent}; }}
QTreeWidget, QListWidget, QTreeView, QListView {{ background: {t.panel}; border: none; outline: 0; }}
QTreeWidget::item, QListWidget::item {{ padding: 3px 2px; }}
QTreeWidget::item:selected, QListWidget::item:selected {{ background: {t.accent}; color: white; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox, QPlainTextEdit {{ background: {t.base};
    border: 1px solid {t.border}; border-radius: 4px; padding: 3px 6px; color: {t.text};
    selection-background-color: {t.accent}; }}
QLineEdit:focus, QSpinBox:focus, QComboBox:focus {{ border-color: {t.accent}; }}
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QDoubleSpinBox[invalid="true"] {{ border-color: {t.error}; }}
QSpinBox[replayed="true"], QDoubleSpinBox[replayed="true"], QComboBox[replayed="true"],
    QCheckBox[replayed="true"] {{ border: 2px solid {t.accent}; }}
QPushButton {{ background: {t.panel}; border: 1px solid {t.border}; border-radius: 4px; padding: 5px 14px; }}
QPushButton:hover {{ border-color: {t.accent}; }}
QPushButton:default {{ background: {t.accent}; color: white; border-color: {t.accent}; }}
QStatusBar {{ background: {t.panel}; border-top: 1px solid {t.border}; color: {t.dim_text}; }}
QStatusBar QLabel {{ padding: 0 10px; }}
QMenuBar {{ background: {t.panel}; border-bottom: 1px solid {t.border}; }}
QMenuBar::item:selected {{ background: {t.border}; }}
QMenu {{ background: {t.panel}; border: 1px solid {t.border}; }}
QMenu::item {{ padding: 5px 24px 5px 20px; }}
QMenu::item:selected {{ background: {t.accent}; color: white; }}
QToolBar {{ background: {t.panel}; border: none; border-bottom: 1px solid {t.border}; spacing: 2px; padding: 2px; }}
QToolButton {{ padding: 4px 8px; border-radius: 4px; }}
QToolButton:hover {{ background: {t.border}; }}
QToolTip {{ background: {t.panel}; color: {t.text}; border: 1px solid {t.border}; padding: 4px; }}
QLabel#heading {{ font-size: 16px; font-weight: 600; }}
QLabel#dim {{ color: {t.dim_text}; }}
QLabel#error {{ color: {t.error}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; }}
QScrollBar::handle {{ background: {t.border}; border-radius: 4px; min-height: 24px; min-width: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QSplitter::handle {{ background: {t.border}; }}
QMainWindow::separator {{ background: {t.border}; width: 1px; height: 1px; }}
"""
