"""Reading a CSV/TSV file into a pandas DataFrame with pandas' pyarrow engine (a C++ parser that
runs without the GIL): the encoding, delimiter and decimal comma are detected, and every file the
parser cannot take gets one message naming the file, row or column.

Messages never quote a file's content before it has been recognised as a table (issue 12): a
secrets file given as data must not be echoed on screen."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError

# the strings pandas reads as missing; kept in the preprocessing plan so that predict.py, which
# reads new rows with the csv module, calls the same cells missing
NA_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
ENCODINGS = ("utf-8", "cp1252")  # cp1252 (Excel on Windows) leaves 5 bytes undefined
DELIMITERS = (",", ";", "\t", "|")
MAX_NAMES = 20  # column names quoted in one message


@dataclass
class ReadInfo:
    encoding: str
    delimiter: str
    decimal: str

    def to_dict(self) -> dict:
        return {"encoding": self.encoding, "delimiter": self.delimiter, "decimal": self.decimal}


def read_bytes(path: Path) -> bytes:
    if not path.is_file():
        if path.is_dir():
            raise DataError(f"{path} is a folder, not a table file. For images choose the "
                            "source \"Image folder\".", path=str(path))
        raise DataError(f"Data file {path} does not exist. Check data.path in the project "
                        "(paths are relative to the project file).", path=str(path))
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"{path} cannot be read: {err.strerror or err}.", path=str(path)) from None
    return raw


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 (with or without a BOM), UTF-16 with a BOM, then cp1252; else an
    error naming the first byte that no encoding could read."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path.name} is a binary file, not a text table (CSV/TSV).",
                        path=str(path))
    first_error = None
    for encoding in ENCODINGS:
        try:
            text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
            return text, encoding
        except UnicodeDecodeError as err:
            first_error = first_error or err
    line = raw.count(b"\n", 0, first_error.start) + 1
    raise DataError(f"{path.name} is not text in UTF-8 or Windows-1252: byte 0x"
                    f"{raw[first_error.start]:02x} at offset {first_error.start} (line {line}) "
                    "cannot be read. Save it as UTF-8 CSV.", path=str(path), row=line)


def _header_and_sample(text: str) -> tuple[list[str], str]:
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) == 50:
                break
    if not lines:
        return [], ""
    return lines, "\n".join(lines)


def sniff_delimiter(path: Path, lines: list[str], sample: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    plain = _plain_delimiter(lines)
    if plain:
        return plain
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _plain_delimiter(lines: list[str]) -> str | None:
    """The one candidate that occurs, as often on every line, in a sample without quotes:
    what csv.Sniffer answers then (its quote guess finds nothing, and its frequency guess
    keeps the one consistent candidate), without its 6 ms of per-character counting."""
    if any('"' in line or "'" in line for line in lines):
        return None
    present = [d for d in DELIMITERS if any(d in line for line in lines)]
    if len(present) != 1:
        return None
    counts = {line.count(present[0]) for line in lines}
    return present[0] if len(counts) == 1 else None


_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def sniff_decimal(lines: list[str], delimiter: str) -> str:
    """A decimal comma is possible only when the comma is not the delimiter: "3,5" cells."""
    if delimiter == ",":
        return "."
    rows = list(csv.reader(lines[1:], delimiter=delimiter))
    cells = [c.strip() for row in rows for c in row]
    commas = sum(bool(_DECIMAL_COMMA.match(c)) for c in cells)
    return "," if commas and commas * 4 >= sum(bool(re.match(r"^-?\d+[.,]?\d*$", c)) for c in cells) else "."


def header_names(path: Path, first_line: str, delimiter: str) -> list[str]:
    """The header cells, stripped; empty names read as pandas names them ("Unnamed: 3").
    Duplicated names are refused here: pandas would rename the second one silently."""
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    names = [h.strip() or f"Unnamed: {i}" for i, h in enumerate(header)]
    seen, duplicated = set(), []
    for name in names:
        if name in seen and name not in duplicated:
            duplicated.append(name)
        seen.add(name)
    if duplicated and len(names) > 1:
        shown = ", ".join(f'"{n}"' for n in duplicated[:MAX_NAMES])
        raise DataError(f"{path.name} has duplicated column names: {shown}. Rename them so "
                        "each column has its own name.", path=str(path), column=duplicated[0])
    return names


def _ragged_row(path: Path, text: str, delimiter: str, width: int) -> DataError:
    """The first row whose cell count differs from the header's (only called on failure)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    for cells in reader:
        if cells and any(c.strip() for c in cells) and len(cells) != width:
            return DataError(f"{path.name} row {reader.line_num} has {len(cells)} cells but "
                             f"the header has {width} columns.", path=str(path),
                             row=reader.line_num)
    return DataError(f"{path.name} could not be read as a table with delimiter "
                     f"{delimiter!r}.", path=str(path))


@contextlib.contextmanager
def no_dummy_thread():
    """pyarrow (and starting a thread pool) asks threading.current_thread(), which registers
    a thread Python did not start (a QThread) as a _DummyThread that Python 3.11 never removes:
    it would look like a thread left running. Forget it again when this call made it."""
    ident = threading.get_ident()
    known = ident in threading._active  # no public way to ask
    try:
        yield
    finally:
        if not known:
            threading._active.pop(ident, None)


def _first_bytes(path: Path, size: int = 65536) -> bytes:
    """The head of the file, enough to sniff it (the parser reads the file itself)."""
    if not path.is_file():
        return read_bytes(path)  # the message for a folder or a missing file
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
            # a header longer than the sample (100k columns); old Mac files end lines with \r alone
            while max(head.count(b"\n"), head.count(b"\r")) < 2:
                more = fh.read(len(head))
                if not more:
                    break
                head += more
            return head
    except OSError as err:
        raise DataError(f"{path} cannot be read: {err.strerror or err}.", path=str(path)) from None


def _pandas_read(source, delimiter: str, decimal: str, **extra):
    """pandas' C parser. It reads a big file in chunks (low_memory, 2.5x faster than one
    piece); a column typed differently in two chunks comes back as objects (DtypeWarning), and
    is read again as text by the caller, as are true/false columns."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.DtypeWarning)
        return pd.read_csv(io.StringIO(source) if isinstance(source, str) else source,
                           sep=delimiter, decimal=decimal, header=0, engine="c",
                           na_values=list(NA_VALUES), keep_default_na=False,
                           skip_blank_lines=True, encoding="utf-8", encoding_errors="strict",
                           **extra)


def _parse(source, delimiter: str, decimal: str, names: list[str], na_filter: bool = True):
    """pandas' C parser (measured faster than pyarrow's on one core, and it leaves the GIL
    free while it tokenizes and converts numbers); `source` is a path, or text decoded here.
    `na_filter` False: read without looking for NA_VALUES (15-20% faster), which reads the
    same frame when the file has none; None when it has some (the caller reads it again)."""
    import pandas as pd

    frame = _pandas_read(source, delimiter, decimal, na_filter=na_filter)
    if not frame.index.equals(pd.RangeIndex(len(frame))) or frame.shape[1] != len(names):
        # a first data row with more cells than the header becomes pandas' row index
        raise ValueError("Expected as many columns as the header")
    booleans = [i for i, d in enumerate(frame.dtypes)  # bools (with missing ones: objects)
                if d.kind == "b" or pd.api.types.is_object_dtype(d)]
    if booleans:  # true/false as the file spells them: two-valued text is one kind
        again = _pandas_read(source, delimiter, decimal, usecols=booleans, dtype=str)
        for i, column in zip(booleans, again.columns):
            frame[frame.columns[i]] = again[column]
    frame.columns = names
    if not na_filter and _holds_missing(frame):
        return None
    floats = [n for n, d in zip(names, frame.dtypes) if d.kind == "f"]
    if floats:  # "inf" is no measurement: a missing value (predict.py reads it so too)
        block = frame[floats].to_numpy()
        # a finite sum has no inf (nor NaN) in it: one pass, no [rows, columns] mask
        if not np.isfinite(block.sum()) and np.isinf(block).any():
            frame[floats] = np.where(np.isinf(block), np.nan, block)
    return frame


def _holds_missing(frame) -> bool:
    """Whether a frame read with na_filter=False has a cell that pandas reads as missing: such
    a cell stays a string (an NA_VALUES one, "" for an empty or absent cell), which makes its
    column text; the columns read again as text (objects, true/false) have NaN for it."""
    for name, dtype in zip(frame.columns, frame.dtypes):
        if dtype.kind not in "iufb":
            col = frame[name]
            if col.hasnans or col.isin(NA_VALUES).any():
                return True
    return False


def _sample_missing(lines: list[str], delimiter: str, width: int) -> bool:
    """Whether the first data rows show a missing cell (an NA_VALUES one, or a short row):
    then the file is read with NA detection at once, not read twice."""
    missing = set(NA_VALUES)
    return any(len(row) != width or not missing.isdisjoint(row)
               for row in csv.reader(lines[1:], delimiter=delimiter))


def _short_row(data: bytes, delimiter: str, width: int) -> bool:
    """Whether some line may have fewer cells than the header (pandas fills them as missing):
    delimiters per line, those inside quotes left out, counted with numpy. Only a line with too
    few can be short; the caller names it with the csv module."""
    if width < 2:
        return False
    cells = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(cells == 10)
    marks = np.flatnonzero(cells == ord(delimiter))
    quotes = np.flatnonzero(cells == ord('"'))
    if len(quotes):  # a mark after an odd number of quotes is inside a quoted cell
        marks = marks[np.searchsorted(quotes, marks) % 2 == 0]
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    per_line = np.bincount(np.searchsorted(ends, marks), minlength=len(ends) + 1)
    starts = np.concatenate(([0], ends + 1))
    for line in np.flatnonzero(per_line < width - 1):  # few: blank lines, short rows
        stop = ends[line] if line < len(ends) else len(data)
        if data[starts[line]:stop].strip():
            return True
    return False


def read_frame(path: Path, spec: dict | None = None):
    """(DataFrame, ReadInfo). Cells are as pandas reads them: numbers as float/int columns,
    text as strings, NA_VALUES as missing; "true"/"false" stay text (one encoding for all
    two-valued columns)."""
    spec = spec or {}
    head = _first_bytes(path)
    text, encoding = None, "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        text, encoding = decode(path, read_bytes(path))
        second = text.find("\n", text.find("\n") + 1)  # the header and a row, however long
        head = text[:max(65536, second + 1)].encode("utf-8")
    # a UTF-8 file goes to the parser by its path (decoding 100 MB in Python would hold the
    # GIL); one that is not UTF-8 is decoded here, then parsed
    lines, sample = _header_and_sample(head.removeprefix(b"\xef\xbb\xbf").decode(
        "utf-8", errors="ignore"))
    if not lines:
        raise DataError(f"{path.name} is empty: it needs a header row and data rows.",
                        path=str(path))
    delimiter = spec.get("delimiter") or sniff_delimiter(path, lines, sample)
    decimal = spec.get("decimal") or sniff_decimal(lines, delimiter)
    names = header_names(path, lines[0], delimiter)
    if len(lines) < 2:
        raise DataError(f"{path.name} has a header row but no data rows.", path=str(path))
    first = next(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 1, 2), [])
    if len(first) > len(names):  # pandas would make its extra cells the row index
        text = text if text is not None else decode(path, read_bytes(path))[0]
        raise _ragged_row(path, text, delimiter, len(names))
    # a file whose first rows miss no cell is read without NA detection, and again with it
    # only when some cell further down is missing after all
    na_filter = _sample_missing(lines, delimiter, len(names))
    try:
        try:
            frame = _parse(path if text is None else text, delimiter, decimal, names, na_filter)
        except UnicodeDecodeError:
            if text is not None:
                raise
            text, encoding = decode(path, read_bytes(path))  # cp1252, or the byte named
            frame = _parse(text, delimiter, decimal, names, na_filter)
        if frame is None:
            frame = _parse(path if text is None else text, delimiter, decimal, names)
    except DataError:
        raise
    except (ValueError, TypeError, IndexError) as err:  # pandas' ParserError is a ValueError
        if "Expected" in str(err) or "columns" in str(err):
            text = text if text is not None else decode(path, read_bytes(path))[0]
            raise _ragged_row(path, text, delimiter, len(names)) from None
        raise DataError(f"{path.name} could not be read as a table: {type(err).__name__}.",
                        path=str(path)) from None
    if frame.empty:
        raise DataError(f"{path.name} has a header row but no data rows.", path=str(path))
    if frame.iloc[:, -1].isna().any():  # a row with too few cells leaves its last one empty
        data = read_bytes(path) if text is None else text.encode("utf-8")
        if _short_row(data, delimiter, len(names)):
            short = _ragged_row(path, text if text is not None else decode(path, data)[0],
                                delimiter, len(names))
            if short.row is not None:
                raise short
    return frame, ReadInfo(encoding, delimiter, decimal)


def looks_like_table(frame) -> bool:
    """A file whose header gave one column is not recognisably a table: never list its
    'column names' (they may be a secret's first line)."""
    return frame.shape[1] > 1


def column_list(frame) -> str:
    names = [str(c) for c in frame.columns[:MAX_NAMES]]
    more = frame.shape[1] - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
