"""The Data tab's column table, in the manner of Orange's Select Columns: every column of a table
with its detected type, its role (editable), missing and distinct counts, a small histogram or
its top levels, the inputs it produces and why it is used the way it is.

Editing a role or a type emits `spec_changed` with the new data section; the panel pushes it as
one undoable edit and the loader thread profiles the table again."""

from __future__ import annotations

import copy

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QTableWidget,
    QTableWidgetItem,
)

ROLES = ("feature", "target", "ignored")
TYPES = ("numeric", "categorical", "boolean", "text", "tokens")
HEADERS = ("Column", "Type", "Role", "Missing", "Distinct", "Values", "Inputs", "Why")
MAX_ROWS = 500  # a table of 100k columns shows its first 500 (the report has all)
BARS = "▁▂▃▄▅▆▇█"
TYPE, ROLE = HEADERS.index("Type"), HEADERS.index("Role")
CHOICES = Qt.UserRole  # a Type or Role cell's items
# flags and alignment made once (a Python enum "|" per cell added up to milliseconds)
_READ_ONLY = Qt.ItemIsSelectable | Qt.ItemIsEnabled
_CHOICE_FLAGS = _READ_ONLY | Qt.ItemIsEditable
_RIGHT = Qt.AlignRight | Qt.AlignVCenter


def sparkline(counts: list[int]) -> str:
    top = max(counts) if counts else 0
    if not top:
        return ""
    return "".join(BARS[min(len(BARS) - 1, round(c / top * (len(BARS) - 1)))] for c in counts)


def values_text(summary: dict) -> str:
    if "histogram" in summary:
        return f"{sparkline(summary['histogram'])}  {summary['min']:.4g} … {summary['max']:.4g}"
    if "top" in summary:
        return ", ".join(f"{name} ({n})" for name, n in summary["top"])
    return ""


def with_role(data: dict, columns: list[dict], name: str, role: str) -> dict:
    """The data section with column `name` given `role` (the others keep theirs)."""
    data = copy.deepcopy(data)
    ignore = [c for c in data.get("ignore", []) if c != name]
    features = data.get("features")
    if role == "target":
        data["target"] = name
        if features:
            data["features"] = [c for c in features if c != name]
    elif role == "ignored":
        ignore.append(name)
        if features:
            data["features"] = [c for c in features if c != name]
    else:  # a feature: by name, when the app had ignored it by default
        current = next((c for c in columns if c["name"] == name), None)
        if data.get("target") == name:
            data.pop("target")
        if features is not None or (current and current["role"] == "ignored"
                                    and not current["why"].startswith("ignored in")):
            chosen = [c["name"] for c in columns if c["role"] == "feature"]
            data["features"] = list(dict.fromkeys([*(features or chosen), name]))
    if ignore:
        data["ignore"] = ignore
    else:
        data.pop("ignore", None)
    return data


def with_type(data: dict, name: str, kind: str) -> dict:
    data = copy.deepcopy(data)
    data["types"] = {**data.get("types", {}), name: kind}
    return data


class ChoiceDelegate(QStyledItemDelegate):
    """A Type or Role cell: painted as a combo box showing its choice (a widget per cell cost
    ~1 ms each to build, in one block on the GUI thread); a click opens a real combo box there,
    its list shown, and picking an item calls `chosen(row, column, text)`."""

    def __init__(self, table: QTableWidget, chosen):
        super().__init__(table)
        self.chosen = chosen
        self._sizes: dict[tuple, QSize] = {}

    def _style_option(self, option, index) -> QStyleOptionComboBox:
        box = QStyleOptionComboBox()
        box.initFrom(option.widget)
        box.rect = option.rect.adjusted(1, 1, -1, -1)
        box.currentText = index.data() or ""
        box.frame = True
        return box

    def paint(self, painter, option, index) -> None:
        box = self._style_option(option, index)
        style = option.widget.style()
        style.drawComplexControl(QStyle.CC_ComboBox, box, painter, option.widget)
        style.drawControl(QStyle.CE_ComboBoxLabel, box, painter, option.widget)

    def sizeHint(self, option, index) -> QSize:
        """A combo box's: as wide as its longest item (measured once per set of items)."""
        choices = tuple(index.data(CHOICES))
        size = self._sizes.get(choices)
        if size is None:
            box = self._style_option(option, index)
            text = max((option.fontMetrics.size(0, c) for c in choices), key=QSize.width)
            size = option.widget.style().sizeFromContents(QStyle.CT_ComboBox, box, text,
                                                          option.widget) + QSize(2, 2)
            self._sizes[choices] = size
        return size

    def createEditor(self, parent, option, index) -> QComboBox:
        combo = QComboBox(parent)
        combo.addItems(list(index.data(CHOICES)))
        combo.setCurrentText(index.data())
        row, column = index.row(), index.column()

        def picked(_i):
            text = combo.currentText()
            self.commitData.emit(combo)
            self.closeEditor.emit(combo)
            self.chosen(row, column, text)

        combo.activated.connect(picked)
        return combo

    def setEditorData(self, editor, index) -> None:
        pass  # set once, in createEditor: the model changes only by a pick

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.currentText())

    def updateEditorGeometry(self, editor, option, index) -> None:
        editor.setGeometry(option.rect.adjusted(1, 1, -1, -1))


class ColumnTable(QTableWidget):
    spec_changed = Signal(dict)  # the data section after a role or type edit

    def __init__(self, parent=None):
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditKeyPressed)  # F2 on a Type or Role cell
        header = self.horizontalHeader()
        # sized once per fill (ResizeToContents measured every cell again on each change)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        self.choices = ChoiceDelegate(self, self._chosen)
        self.setItemDelegateForColumn(TYPE, self.choices)
        self.setItemDelegateForColumn(ROLE, self.choices)
        self.clicked.connect(self._clicked)
        self.columns: list[dict] = []
        self.data: dict = {}

    def show_columns(self, columns: list[dict], data: dict) -> None:
        self.columns, self.data = columns, copy.deepcopy(data)
        shown = columns[:MAX_ROWS]
        self.setUpdatesEnabled(False)  # one layout and paint, not one per cell
        try:
            self._fill(shown)
        finally:
            self.setUpdatesEnabled(True)

    def _fill(self, shown: list[dict]) -> None:
        self.setRowCount(len(shown))
        for r, c in enumerate(shown):
            types = TYPES if c["type"] in TYPES else (c["type"],)
            cells = (c["name"], c["type"], c["role"], str(c["missing"]), str(c["distinct"]),
                     values_text(c.get("summary", {})), str(c["features"]),
                     c["why"] + (" ⚠" if c.get("flag") else ""))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == TYPE or col == ROLE:
                    item.setData(CHOICES, types if col == TYPE else ROLES)
                    item.setFlags(_CHOICE_FLAGS)
                else:
                    item.setFlags(_READ_ONLY)
                if col in (3, 4, 6):
                    item.setTextAlignment(_RIGHT)
                if col == 7:
                    item.setToolTip(c["why"])
                self.setItem(r, col, item)
        self.resizeColumnsToContents()
        self.setColumnWidth(5, min(self.columnWidth(5), 240))  # top levels can run long

    @Slot(QModelIndex)
    def _clicked(self, index: QModelIndex) -> None:
        if index.column() in (TYPE, ROLE):
            self.open_choice(index.row(), index.column())

    def open_choice(self, row: int, column: int) -> QComboBox | None:
        """The cell's combo box, open with its list shown, as a click on the cell opens it
        (None where the view would not start editing it, e.g. while another cell is edited)."""
        index = self.model().index(row, column)
        self.setCurrentIndex(index)
        self.edit(index)
        combo = self.indexWidget(index)
        if combo is not None:
            combo.showPopup()
        return combo

    def _chosen(self, row: int, column: int, text: str) -> None:
        c = self.columns[row]
        if column == ROLE and text != c["role"]:
            self.spec_changed.emit(with_role(self.data, self.columns, c["name"], text))
        elif column == TYPE and text != c["type"]:
            self.spec_changed.emit(with_type(self.data, c["name"], text))

    def _row_of(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c["name"] == name)

    def role_combo(self, name: str) -> QComboBox:
        """Column `name`'s Role, opened as a click opens it."""
        return self.open_choice(self._row_of(name), ROLE)

    def type_combo(self, name: str) -> QComboBox:
        return self.open_choice(self._row_of(name), TYPE)
