"""Plot colours and pyqtgraph setup that follow the editor's theme (ui/theme.py).

pyqtgraph is imported by the functions that use it, not here: panels import this module for
its colours before any plot exists, and the window starts without pyqtgraph (ui/lazy.py)."""

from __future__ import annotations

import html
import weakref
from typing import TYPE_CHECKING

from ui import theme

if TYPE_CHECKING:
    import pyqtgraph as pg

TRAIN, VAL, LR = "#4c9cff", "#f59e0b", "#3fb950"
SERIES = ("#4c9cff", "#f59e0b", "#3fb950", "#c0568f", "#8a5cd6", "#2f9fb5", "#d4a52c",
          "#e5484d", "#7c8794", "#5e9c3a")


def series_color(i: int) -> str:
    return SERIES[i % len(SERIES)]


def style_plot(plot: pg.PlotItem, title: str, left: str = "", bottom: str = "") -> pg.PlotItem:
    import pyqtgraph as pg

    t = theme.current()
    plot.setTitle(title, color=t.text, size="10pt")
    plot.showGrid(x=True, y=True, alpha=0.15)
    for name, label in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(t.border))
        axis.setTextPen(pg.mkPen(t.dim_text))
        if label:
            axis.setLabel(label, color=t.dim_text)
    plot.setMenuEnabled(False)
    return plot


MAX_KEYED = 8  # series named in a title; more are counted


def keyed_title(plot: pg.PlotItem, title: str, series: list[tuple[str, str, str]]) -> None:
    """The title followed by a colour key, e.g. "Loss  ━ train  ━ val": a legend that never
    covers the data (a legend box inside a small plot hides the newest points).
    `series`: (name, colour, glyph). The key names as many series as fit the plot's width and
    counts the rest; the title never widens the plot (13 ResNet layers squeezed the plots
    beside it)."""
    if not hasattr(plot, "_nb_key"):
        plot.titleLabel.updateMin = lambda: None  # pyqtgraph's label makes its text width its minimum
        plot.titleLabel.setMinimumWidth(0)
        ref = weakref.ref(plot)
        plot.geometryChanged.connect(lambda: ref() is not None and _fit_key(ref()))
    plot._nb_key = (title, series)
    _fit_key(plot)


def _fit_key(plot: pg.PlotItem) -> None:
    title, series = plot._nb_key
    label, room = plot.titleLabel, plot.width() - 12
    keys = [f'<span style="color:{color}">{glyph}&nbsp;{html.escape(name)}</span>'
            for name, color, glyph in series]
    for shown in range(min(len(keys), MAX_KEYED), -1, -1):
        more = [f"+{len(keys) - shown} more"] if shown < len(keys) else []
        text = html.escape(title) + "".join(f"&nbsp;&nbsp;&nbsp;{key}" for key in keys[:shown] + more)
        if text != label.text:
            plot.setTitle(text, color=theme.current().text, size="10pt")
        if room <= 0 or label.itemRect().width() <= room:
            return


def layout_widget(w: pg.GraphicsLayoutWidget | None = None) -> pg.GraphicsLayoutWidget:
    import pyqtgraph as pg

    w = w if w is not None else pg.GraphicsLayoutWidget()
    w.setBackground(theme.current().base)
    w.ci.layout.setSpacing(6)
    w.ci.setContentsMargins(4, 4, 4, 4)
    return w


def legend(plot: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    import pyqtgraph as pg

    t = theme.current()
    item = plot.addLegend(offset=(-6, 4), labelTextColor=t.dim_text, labelTextSize="8pt",
                          colCount=columns, verSpacing=-6)
    item.setBrush(pg.mkBrush(t.panel + "c0"))
    return item
