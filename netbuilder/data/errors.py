"""The one error type of the data package: a message a spreadsheet user can act on."""

from __future__ import annotations

from ..errors import UserError


class DataError(UserError, ValueError):
    """Bad or missing data. `str(err)` is one human paragraph naming the file (row, column).
    Its `field` is where the project describes the data: the `data` section."""

    def __init__(self, message: str, path: str | None = None, row: int | None = None,
                 column: str | None = None, suggest: dict | None = None, code: str | None = None,
                 field: str = "data"):
        super().__init__(message, field=field, path=path, row=row, column=column, code=code)
        self.suggest = suggest  # training settings that would fix it, e.g. {"loss": "MSELoss"}
