"""The Data tab's Rows view: the first rows of a table as text, numbers right-aligned.

A view on a small model: the view asks only for the cells it paints, and the columns are sized
from the longest text of each (a QTableWidget built 2,000 items and measured each of them again,
~25 ms in one block on the GUI thread while a load's result arrived)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

MAX_WIDTH = 300  # px: a long text cell is cut, not the whole view made wide
# made once, and roles compared as ints (the view passes ints; comparing them with Qt's enums
# took 2x longer to paint): data() is called for each role of each cell painted
_RIGHT = Qt.AlignRight | Qt.AlignVCenter
_LEFT = Qt.AlignLeft | Qt.AlignVCenter
_DISPLAY, _ALIGNMENT = Qt.DisplayRole.value, Qt.TextAlignmentRole.value


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class RowsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._right: list[list[bool]] = []

    def set_rows(self, header: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self.header, self.rows = list(header), rows
        # numbers right, words left; the last column (the target) always left
        self._right = [[c < len(row) - 1 and is_number(text) for c, text in enumerate(row)]
                       for row in rows]
        self.endResetModel()

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.header)

    def data(self, index, role=_DISPLAY):
        if role == _DISPLAY:
            return self.rows[index.row()][index.column()]
        if role == _ALIGNMENT:
            return _RIGHT if self._right[index.row()][index.column()] else _LEFT
        return None

    def headerData(self, section, orientation, role=_DISPLAY):
        if role == _DISPLAY and orientation == Qt.Horizontal:
            return self.header[section]
        return None


class RowsPreview(QTableView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows_model = RowsModel(self)
        self.setModel(self.rows_model)
        self.setEditTriggers(QTableView.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)

    def show_rows(self, header: list[str], rows: list[list[str]]) -> None:
        """Show `rows` under `header` (both empty: nothing, and no "1 2 3" header)."""
        self.rows_model.set_rows(header, rows)
        self._size_columns()

    def _size_columns(self) -> None:
        """Each column as wide as its longest text (by characters: one measure per column)."""
        model, metrics = self.rows_model, self.fontMetrics()
        header_metrics = self.horizontalHeader().fontMetrics()
        pad = 2 * (self.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, self) + 1) + 8
        for c, name in enumerate(model.header):
            longest = max((row[c] for row in model.rows), key=len, default="")
            width = max(metrics.horizontalAdvance(longest), header_metrics.horizontalAdvance(name) + 8)
            self.setColumnWidth(c, min(MAX_WIDTH, width + pad))
