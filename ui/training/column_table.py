"""The Data tab's column table, in the manner of Orange's Select Columns: every column of a table
with its detected type, its role (editable), missing and distinct counts, a small histogram or
its top levels, the inputs it produces and why it is used the way it is.

Editing a role or a type emits `spec_changed` with the new data section; the panel pushes it as
one undoable edit and the loader thread profiles the table again."""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

ROLES = ("feature", "target", "ignored")
TYPES = ("numeric", "categorical", "boolean", "text", "tokens")
HEADERS = ("Column", "Type", "Role", "Missing", "Distinct", "Values", "Inputs", "Why")
MAX_ROWS = 500  # a table of 100k columns shows its first 500 (the report has all)
BARS = "▁▂▃▄▅▆▇█"


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


class ColumnTable(QTableWidget):
    spec_changed = Signal(dict)  # the data section after a role or type edit

    def __init__(self, parent=None):
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        header = self.horizontalHeader()
        # sized once per fill (ResizeToContents measured every cell again on each change)
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
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
            cells = (c["name"], None, None, str(c["missing"]), str(c["distinct"]),
                     values_text(c.get("summary", {})), str(c["features"]),
                     c["why"] + (" ⚠" if c.get("flag") else ""))
            for col, text in enumerate(cells):
                if text is None:
                    continue
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                if col in (3, 4, 6):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == 7:
                    item.setToolTip(c["why"])
                self.setItem(r, col, item)
            self.setCellWidget(r, 1, self._combo(TYPES if c["type"] in TYPES else (c["type"],),
                                                 c["type"], c["name"], self._type_chosen))
            self.setCellWidget(r, 2, self._combo(ROLES, c["role"], c["name"], self._role_chosen))
        self.resizeColumnsToContents()
        self.setColumnWidth(5, min(self.columnWidth(5), 240))  # top levels can run long

    def _combo(self, items, current: str, name: str, slot) -> QComboBox:
        combo = QComboBox()
        combo.addItems(list(items))
        combo.setCurrentText(current)
        combo.setProperty("column", name)
        combo.activated.connect(slot)
        return combo

    @Slot(int)
    def _role_chosen(self, _index: int) -> None:
        combo = self.sender()
        name, role = combo.property("column"), combo.currentText()
        if role != next(c["role"] for c in self.columns if c["name"] == name):
            self.spec_changed.emit(with_role(self.data, self.columns, name, role))

    @Slot(int)
    def _type_chosen(self, _index: int) -> None:
        combo = self.sender()
        name, kind = combo.property("column"), combo.currentText()
        if kind != next(c["type"] for c in self.columns if c["name"] == name):
            self.spec_changed.emit(with_type(self.data, name, kind))

    def role_combo(self, name: str) -> QComboBox:
        row = next(i for i, c in enumerate(self.columns) if c["name"] == name)
        return self.cellWidget(row, 2)
