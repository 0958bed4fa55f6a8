"""The one error type of the data package: a message a spreadsheet user can act on."""

from __future__ import annotations


class DataError(ValueError):
    """Bad or missing data. `str(err)` is one human paragraph naming the file (row, column)."""

    def __init__(self, message: str, path: str | None = None, row: int | None = None,
                 column: str | None = None, suggest: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.code = code  # a machine-readable code from netbuilder.errors (e.g. NO_DATA), or None
        self.suggest = suggest  # training settings that would fix it, e.g. {"loss": "MSELoss"}
        self.message = message
        self.path = path
        self.row = row  # 1-based, the header is row 1 (as a spreadsheet counts)
        self.column = column

    def __str__(self) -> str:
        return self.message
