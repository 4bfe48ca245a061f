"""Read survey responses from CSV, Excel, Qualtrics, KoboToolbox and SPSS files.

Every reader returns one tidy table keyed by the instrument's item ids, with
answers coded the way the instrument codes them:

* likert and single-choice cells may hold the numeric code (``4``, ``"4.0"``), the
  choice name used by XLSForm/KoboToolbox (``"retail"``) or the label
  (``"Strongly agree"``), matched ignoring case and spacing; the result is a
  ``float64`` column of codes;
* multiple-choice cells become one string of space-separated codes in ascending
  order (``"1 4"``), whatever mix of codes, names and labels separated by spaces,
  commas or semicolons the file used;
* integer and decimal items become ``float64``; text items stay strings;
* empty or blank cells are missing. For coded and numeric items the tokens
  ``NA``, ``N/A``, ``NaN``, ``NULL`` and ``#N/A`` are missing too.

Cells that cannot be coded become missing and are listed, with the row number a
user sees in the file, in :attr:`ImportResult.problems`. Numbers outside an
item's range are kept: checking ranges is the quality step's job.

Labels are mapped over each column's distinct values and then spread to all rows
(``numpy`` take), so a million responses cost a handful of dictionary look-ups per
column. Delimited text is parsed by ``pyarrow.csv.read_csv``; Excel workbooks by
``openpyxl`` (read-only mode); SPSS files by ``pyreadstat.read_sav``. Raw files
are opened read-only and never modified.

References
----------
* Shafranovich, Y. (2005). *Common Format and MIME Type for Comma-Separated
  Values (CSV) Files*. RFC 4180 (quoting rules; a quoted field may hold line
  breaks, so a row is a record, not a line).
* Qualtrics support, "Data export options" and "Legacy exporter": CSV exports
  carry three header rows (export tag, question text, ``{"ImportId": ...}``);
  multiple-answer questions are one column of comma-separated choices.
* KoboToolbox documentation, "Exporting and downloading your data": XML values
  and headers, ``/`` as group separator, select-multiple questions as one
  space-separated column and one 0/1 column per option.
* IBM SPSS Statistics file format as read by ReadStat (``pyreadstat.read_sav``):
  variable labels and value labels.

Example
-------
>>> from smekit.survey.instrument import load_instrument, library_path
>>> from smekit.survey.responses import read_responses
>>> inst = load_instrument(library_path("s1_resilience_dt"))
>>> result = read_responses("data/responses.csv", inst)  # doctest: +SKIP
>>> result.problems  # doctest: +SKIP
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from smekit.core.errors import DataError, Location
from smekit.survey.encoding import decode, detect_delimiter, detect_encoding
from smekit.survey.instrument import Instrument, Item, ItemType

__all__ = [
    "FORMATS",
    "PROBLEM_COLUMNS",
    "ImportResult",
    "detect_delimiter",
    "detect_encoding",
    "detect_format",
    "read_responses",
]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "qualtrics", "kobo", "sav")
"""Formats :func:`read_responses` reads."""

PROBLEM_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "rule", "message")
"""Columns of :attr:`ImportResult.problems`."""

_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_SAV_SUFFIXES = frozenset({".sav", ".zsav"})
_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "#n/a"})
_HEAD_BYTES = 256 * 1024
_NON_SPACE = re.compile(rb"\S")

_KOBO_META = frozenset(
    {"_uuid", "_submission_time", "_submission__uuid", "_validation_status", "__version__"}
)
_KOBO_PATH = re.compile(r"^[A-Za-z_][\w.-]*(/[A-Za-z_][\w.-]*)+$")

#: Qualtrics metadata columns and the question text Qualtrics writes under them in row 2.
_QUALTRICS_META = {
    "StartDate": "Start Date",
    "EndDate": "End Date",
    "Status": "Response Type",
    "IPAddress": "IP Address",
    "Progress": "Progress",
    "Duration (in seconds)": "Duration (in seconds)",
    "Finished": "Finished",
    "RecordedDate": "Recorded Date",
    "ResponseId": "Response ID",
    "DistributionChannel": "Distribution Channel",
    "UserLanguage": "User Language",
}


# ---------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ImportResult:
    """Responses read from one file, coded by an instrument.

    Attributes
    ----------
    data
        One row per response in file order (``RangeIndex``): the instrument's items
        found in the file, in questionnaire order, then every other column unchanged.
    problems
        One row per cell that could not be coded, with columns ``file`` (the file's
        name, without its folder), ``row``
        (the row number a user sees in the file: header rows count, so the first
        data row of a plain CSV is row 2 and of a Qualtrics export row 4; in an SPSS
        file the case number), ``column`` (as named in the file), ``value``,
        ``rule`` (``unknown_label`` or ``not_a_number``) and ``message``.
    source
        The file read.
    format
        ``csv``, ``xlsx``, ``qualtrics``, ``kobo`` or ``sav``.
    encoding, delimiter
        What the text was decoded and split with (``None`` for Excel and SPSS).
    unknown_columns
        Columns that match no item (kept in ``data``).
    row_numbers
        The file row number of each row of ``data`` (same index).
    variable_labels
        Column → variable label, from an SPSS file; empty otherwise.
    """

    data: pd.DataFrame
    problems: pd.DataFrame
    source: str
    format: str
    encoding: str | None
    delimiter: str | None
    unknown_columns: list[str]
    row_numbers: pd.Series
    variable_labels: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The coded responses (:attr:`data`)."""
        return self.data

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary of the import (no data)."""
        return {
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "n_rows": len(self.data),
            "n_problems": len(self.problems),
            "items": [c for c in self.data.columns if c not in set(self.unknown_columns)],
            "unknown_columns": list(self.unknown_columns),
            "variable_labels": dict(self.variable_labels),
        }


# ---------------------------------------------------------------------------
# raw tables: every column as integer codes into its distinct values
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Column:
    """A column as ``codes`` (``-1`` = missing) into ``uniques`` (object array).

    ``original`` keeps typed values (Excel, SPSS) for columns passed through.
    """

    codes: np.ndarray
    uniques: np.ndarray
    original: pd.Series | None = None

    @classmethod
    def from_values(cls, values: pd.Series | np.ndarray) -> _Column:
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return cls(
            codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object), original=series
        )

    def take(self, per_unique: np.ndarray, missing: Any) -> np.ndarray:
        """Spread one value per distinct value to every row (``missing`` where ``-1``)."""
        extended = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
        extended[:-1] = per_unique
        extended[-1] = missing
        return extended[self.codes]

    @property
    def all_missing(self) -> bool:
        blank = _blank_uniques(self.uniques)
        return bool(np.all(self.codes == -1) or np.all(blank[self.codes[self.codes >= 0]]))


@dataclass(frozen=True, eq=False)
class _Table:
    names: list[str]
    columns: list[_Column]
    row_numbers: np.ndarray
    header: list[list[str]]
    encoding: str | None = None
    delimiter: str | None = None
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)


def _all_strings(uniques: np.ndarray) -> bool:
    return len(uniques) > 0 and pd.api.types.infer_dtype(uniques, skipna=False) == "string"


def _blank_uniques(uniques: np.ndarray) -> np.ndarray:
    """Which distinct values are strings holding only whitespace."""
    if _all_strings(uniques):
        stripped = pd.Series(uniques, dtype="str").str.strip()
        return stripped.eq("").to_numpy(dtype=bool, na_value=False)
    return np.fromiter(
        (isinstance(u, str) and not u.strip() for u in uniques), dtype=bool, count=len(uniques)
    )


# ---------------------------------------------------------------------------
# files and formats
# ---------------------------------------------------------------------------
def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError("file not found", where=path, fix="check the path and file name")
    if not path.is_file():
        raise DataError("not a file", where=path, fix="give the path of a response file")
    if path.stat().st_size == 0:
        raise DataError("file is empty (0 bytes)", where=path, fix="export the responses again")


def _read_head(path: Path, size: int = _HEAD_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _container(path: Path, head: bytes) -> str:
    """``text``, ``excel`` or ``sav`` from the file's first bytes and its name."""
    suffix = path.suffix.lower()
    if head[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if head[:4] == b"PK\x03\x04":
        return "excel"
    if suffix in _SAV_SUFFIXES:
        return "sav"
    if suffix in _EXCEL_SUFFIXES:
        return "excel"
    if suffix == ".xls" or head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            "old Excel 97-2003 (.xls) workbooks are not read",
            where=path,
            fix="save the sheet as .xlsx or CSV",
        )
    if suffix in _TEXT_SUFFIXES or suffix == "":
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(
                "file holds binary data, not delimited text",
                where=path,
                fix="export the responses as CSV, XLSX or SPSS .sav",
            )
        return "text"
    raise DataError(
        f"unknown file format '{suffix}'",
        where=path,
        fix="use a .csv, .tsv, .txt, .xlsx or .sav file, or pass format=...",
    )


def _looks_qualtrics(header: list[list[str]]) -> bool:
    if len(header) >= 3 and any(c.strip().startswith('{"ImportId"') for c in header[2]):
        return True
    if len(header) >= 2:
        names, texts = header[0], header[1]
        for name, text in zip(names, texts, strict=False):
            if name in _QUALTRICS_META and text.strip() == _QUALTRICS_META[name]:
                return True
    return False


def _looks_kobo(names: list[str], instrument: Instrument | None) -> bool:
    if any(n.strip().lower() in _KOBO_META for n in names):
        return True
    paths = [n.strip() for n in names if _KOBO_PATH.match(n.strip())]
    if instrument is None:
        return len(paths) >= 2
    multi = set(instrument.multiple_choice_ids)
    for p in paths:
        parts = p.split("/")
        if parts[-1] in instrument.items or parts[-2] in multi:
            return True
    return False


def _classify(header: list[list[str]], instrument: Instrument | None, container: str) -> str:
    if _looks_qualtrics(header):
        return "qualtrics"
    if header and _looks_kobo(header[0], instrument):
        return "kobo"
    return "csv" if container == "text" else "xlsx"


def detect_format(
    path: str | Path,
    instrument: Instrument | None = None,
    *,
    sheet: str | int | None = None,
) -> str:
    """Tell which export format a response file is.

    The file's first bytes decide the container (SPSS ``$FL2`` header, a ZIP
    archive for Excel, otherwise delimited text, which needs a ``.csv``, ``.tsv``,
    ``.tab`` or ``.txt`` name or none). For text and Excel files the first header
    rows decide the format:

    * ``qualtrics``: row 3 holds ``{"ImportId": ...}`` cells, or row 2 holds the
      question texts Qualtrics writes under its metadata columns (``Start Date``
      under ``StartDate``);
    * ``kobo``: KoboToolbox metadata columns (``_uuid``, ``_submission_time``) or
      group-path names (``digital_tools/dt1``) whose last part is an item id (with
      ``instrument``; without it, at least two group-path names);
    * otherwise ``csv`` or ``xlsx``.

    Parameters
    ----------
    path
        The response file.
    instrument
        The questionnaire, to recognise KoboToolbox paths by item id.
    sheet
        Excel sheet to look at (name or 0-based position); default: the first
        sheet holding data.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    DataError
        When the file is missing, empty or in no known format.
    """
    path = Path(path)
    _check_file(path)
    head = _read_head(path)
    return _detect(path, head, _container(path, head), instrument, sheet=sheet)


def _text_header(
    head: bytes, encoding: str | None = None, delimiter: str | None = None, n: int = 3
) -> list[list[str]]:
    """First ``n`` records of a text file's head, for format detection."""
    try:
        decoder = codecs.getincrementaldecoder(encoding or detect_encoding(head))()
        text = decoder.decode(head, final=False)
    except (DataError, LookupError, UnicodeDecodeError):
        return []
    text = text.lstrip("\ufeff")
    records, _, _ = _header_records(text, delimiter or detect_delimiter(text[:65536]), n)
    return records


def _detect(
    path: Path,
    head: bytes,
    container: str,
    instrument: Instrument | None,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> str:
    if container == "sav":
        return "sav"
    if container == "excel":
        header = _excel_header(path, sheet)
    else:
        header = _text_header(head, encoding, delimiter)
    return _classify(header, instrument, container)


# ---------------------------------------------------------------------------
# delimited text
# ---------------------------------------------------------------------------
def _header_records(text: str, delimiter: str, n: int) -> tuple[list[list[str]], int, int]:
    """The first ``n`` non-blank records, the text offset after them, and the rows used.

    Rows used counts blank lines before and between the header records, as a
    spreadsheet shows them. Only the start of the text is scanned unless the header
    records run past it.
    """
    limit = 1 << 20
    while True:
        prefix = text[:limit]
        records, end, rows = _scan_records(prefix, delimiter, n)
        if len(prefix) == len(text) or (len(records) == n and end < len(prefix)):
            return records, end, rows
        limit *= 8


def _scan_records(text: str, delimiter: str, n: int) -> tuple[list[list[str]], int, int]:
    consumed = [0]

    def lines():
        for line in io.StringIO(text, newline=""):
            consumed[0] += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    rows = 0
    try:
        for record in reader:
            rows += 1
            if not record:
                continue
            records.append(record)
            if len(records) == n:
                break
    except csv.Error:
        pass
    return records, consumed[0], rows


def _arrow_parse(buffer: Any, n_columns: int, delimiter: str, quoted: bool) -> list[_Column]:
    """Parse CSV body bytes (UTF-8, no header) into columns with ``pyarrow.csv.read_csv``.

    Every column is read as dictionary-encoded text, so the distinct values and the
    codes into them come straight from the parser. Empty cells stay empty strings
    (missing by the coding rules) so the codes never hold nulls.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(n_columns)]
    text_type = pa.dictionary(pa.int32(), pa.string())
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: text_type for name in names},
            null_values=[],
            strings_can_be_null=False,
        ),
    ).unify_dictionaries()
    columns = []
    for chunked in table.columns:
        if chunked.num_chunks == 0:
            encoded = pa.array([], type=text_type)
        else:
            encoded = chunked.combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        uniques = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        columns.append(_Column(codes, uniques))
    return columns


def _record_numbers(text: str, delimiter: str) -> np.ndarray:
    """0-based record positions of the non-empty records of ``text``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return np.fromiter((i for i, r in enumerate(reader) if r), dtype=np.int64)


def _python_parse(
    text: str, delimiter: str, n_columns: int, first_row: int, where: str
) -> tuple[list[_Column], np.ndarray]:
    """Parse ragged or irregular CSV text with the ``csv`` module (slow, exact)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    try:
        for i, record in enumerate(reader):
            if not record or (len(record) == 1 and n_columns > 1 and not record[0].strip()):
                continue
            if len(record) > n_columns:
                extra = record[n_columns:]
                if any(v.strip() for v in extra):
                    raise DataError(
                        f"row has {len(record)} fields but the header has {n_columns}",
                        where=Location(where, first_row + i),
                        fix="check for an unquoted delimiter in this row",
                    )
                record = record[:n_columns]
            record = [v if v != "" else None for v in record]
            record.extend([None] * (n_columns - len(record)))
            rows.append(record)
            numbers.append(first_row + i)
    except csv.Error as exc:
        raise DataError(f"cannot parse the file as delimited text ({exc})", where=where) from None
    if not rows:
        return [], np.empty(0, dtype=np.int64)
    matrix = np.empty((len(rows), n_columns), dtype=object)
    matrix[:] = rows
    columns = [_Column.from_values(matrix[:, j]) for j in range(n_columns)]
    return columns, np.asarray(numbers, dtype=np.int64)


def _parse_body(
    text: str,
    offset: int,
    body: bytes,
    body_offset: int,
    delimiter: str,
    n_columns: int,
    first_row: int,
    where: str,
) -> tuple[list[_Column], np.ndarray]:
    """Columns and file row numbers of the records after the header.

    ``text[offset:]`` and ``body[body_offset:]`` are the same records, decoded and as
    UTF-8 bytes. ``pyarrow`` parses the bytes; when every line is one record the
    row numbers follow by counting, otherwise (blank lines, line breaks inside
    quoted values) the ``csv`` module numbers the records, and ragged rows are
    parsed by it too.
    """
    import pyarrow as pa

    empty = ([], np.empty(0, dtype=np.int64))
    if n_columns == 0 or _NON_SPACE.search(body, body_offset) is None:
        return empty
    try:
        columns = _arrow_parse(
            pa.BufferReader(pa.py_buffer(body)[body_offset:]),
            n_columns,
            delimiter,
            quoted=b'"' in body,
        )
    except pa.ArrowInvalid:
        return _python_parse(text[offset:], delimiter, n_columns, first_row, where)
    n_rows = len(columns[0].codes)
    newline = b"\n" if b"\n" in body else b"\r"
    n_lines = body.count(newline, body_offset) + (0 if body.endswith(newline) else 1)
    if n_lines == n_rows:
        return columns, first_row + np.arange(n_rows, dtype=np.int64)
    positions = _record_numbers(text[offset:], delimiter)
    if len(positions) == n_rows:
        return columns, first_row + positions
    return _python_parse(text[offset:], delimiter, n_columns, first_row, where)


def _read_text(
    path: Path, *, encoding: str | None, delimiter: str | None, header_rows: int
) -> _Table:
    where = str(path)
    raw = path.read_bytes()
    if encoding is None:
        try:
            encoding = detect_encoding(raw)
        except DataError as exc:
            raise DataError(exc.what, where=where, fix=exc.fix) from None
    text = decode(raw, encoding, where)
    is_utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataError("file holds no data, only blank lines", where=where)
    if delimiter is None:
        delimiter = detect_delimiter(text[:65536])
    elif len(delimiter) != 1 or delimiter in '"\r\n':
        raise DataError(
            f"delimiter must be one character other than a quote or line break, not {delimiter!r}",
            where=where,
        )
    header, offset, used = _header_records(text, delimiter, header_rows)
    names = header[0] if header else []
    if is_utf8:
        body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    else:
        body = text.encode("utf-8")
    prefix = text[:offset]
    body_offset = offset if prefix.isascii() else len(prefix.encode("utf-8"))
    columns, numbers = _parse_body(
        text, offset, body, body_offset, delimiter, len(names), used + 1, where
    )
    return _Table(
        names=names,
        columns=columns,
        row_numbers=numbers,
        header=header,
        encoding=encoding,
        delimiter=delimiter,
    )


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------
def _open_workbook(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl's own errors for a broken file
        raise DataError(
            f"cannot open as an Excel workbook ({type(exc).__name__}: {exc})",
            where=path,
            fix="open it in a spreadsheet program and save it again as .xlsx",
        ) from None


def _sheet_rows(ws):
    """Rows of a read-only sheet as value tuples, row 1 first, gaps as empty rows.

    The stored sheet dimensions are ignored: some writers record them wrongly,
    which would cut columns off.
    """
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    return ws.iter_rows(min_row=1, values_only=True)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _nonempty(row: tuple) -> bool:
    return any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row)


def _pick_sheet(workbook, sheet: str | int | None, path: Path):
    names = workbook.sheetnames
    if sheet is None:
        for ws in workbook.worksheets:
            for row in _sheet_rows(ws):
                if _nonempty(row):
                    return ws
        raise DataError(
            "no sheet of the workbook holds data",
            where=path,
            fix="put the responses on the first sheet, one row per response",
        )
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise DataError(
                f"the workbook has no sheet number {sheet} (it has {len(names)}, counted from 0)",
                where=path,
            )
        return workbook.worksheets[sheet]
    if sheet not in names:
        raise DataError(
            f"the workbook has no sheet '{sheet}'", where=path, fix=f"sheets: {', '.join(names)}"
        )
    return workbook[sheet]


def _excel_rows(path: Path, sheet: str | int | None):
    workbook = _open_workbook(path)
    try:
        ws = _pick_sheet(workbook, sheet, path)
        rows = [
            (number, row) for number, row in enumerate(_sheet_rows(ws), start=1) if _nonempty(row)
        ]
    finally:
        workbook.close()
    return rows


def _excel_header(path: Path, sheet: str | int | None, n: int = 3) -> list[list[str]]:
    workbook = _open_workbook(path)
    try:
        ws = _pick_sheet(workbook, sheet, path)
        header: list[list[str]] = []
        for row in _sheet_rows(ws):
            if _nonempty(row):
                header.append([_cell_text(v) for v in row])
                if len(header) == n:
                    break
    finally:
        workbook.close()
    return header


def _read_excel(path: Path, *, sheet: str | int | None, header_rows: int) -> _Table:
    rows = _excel_rows(path, sheet)
    if not rows:
        raise DataError("the sheet holds no data", where=path)
    header = [[_cell_text(v) for v in row] for _, row in rows[:header_rows]]
    body = rows[header_rows:]
    width = max(len(row) for _, row in rows)
    names = header[0] + [""] * (width - len(header[0]))
    matrix = np.empty((len(body), width), dtype=object)
    for i, (_, row) in enumerate(body):
        matrix[i, : len(row)] = row
    columns = [_Column.from_values(pd.Series(matrix[:, j], dtype=object)) for j in range(width)]
    numbers = np.asarray([number for number, _ in body], dtype=np.int64)
    return _Table(names=names, columns=columns, row_numbers=numbers, header=header)


# ---------------------------------------------------------------------------
# SPSS
# ---------------------------------------------------------------------------
def _read_sav(path: Path) -> _Table:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises ReadstatError/PyreadstatError and OSError
        raise DataError(
            f"cannot read as an SPSS .sav file ({type(exc).__name__}: {exc})",
            where=path,
            fix="save it again from SPSS, or export CSV",
        ) from None
    names = [str(c) for c in frame.columns]
    columns = [_Column.from_values(frame[c].reset_index(drop=True)) for c in frame.columns]
    value_labels = {
        str(name): {float(k): str(v) for k, v in labels.items() if _is_number(k)}
        for name, labels in (meta.variable_value_labels or {}).items()
    }
    variable_labels = {
        str(name): str(label)
        for name, label in (meta.column_names_to_labels or {}).items()
        if label not in (None, "")
    }
    return _Table(
        names=names,
        columns=columns,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        header=[names],
        value_labels=value_labels,
        variable_labels=variable_labels,
    )


# ---------------------------------------------------------------------------
# columns → items
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Resolution:
    items: dict[str, int]
    options: dict[str, dict[int, int]]
    unknown: list[int]
    names: list[str]


def _check_duplicates(names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name.strip():
            continue
        if name in seen:
            raise DataError(
                f"column name '{name}' is used twice (columns {seen[name] + 1} and {j + 1})",
                where=where,
                fix="rename one of the columns",
            )
        seen[name] = j


def _match_item(key: str, instrument: Instrument, folded: dict[str, str]) -> tuple[str, bool]:
    """The item id ``key`` names and whether the match was exact ('' for none)."""
    if key in instrument.items:
        return key, True
    return folded.get(key.casefold(), ""), False


def _choice_code(token: str, item: Item, instrument: Instrument) -> int | None:
    token = token.strip().casefold()
    for choice in instrument.choices_of(item):
        if token in (choice.xls_name.casefold(), str(choice.value)):
            return choice.value
    return None


def _resolve(table: _Table, instrument: Instrument, *, kobo: bool, where: str) -> _Resolution:
    names = list(table.names)
    _check_duplicates(names, where)
    counts: dict[str, int] = {}
    for item_id in instrument.items:
        counts[item_id.casefold()] = counts.get(item_id.casefold(), 0) + 1
    folded = {i.casefold(): i for i in instrument.items if counts[i.casefold()] == 1}
    multi = {i for i in instrument.multiple_choice_ids}
    exact: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    options: dict[str, dict[int, int]] = {}
    unknown: list[int] = []
    for j, raw_name in enumerate(names):
        name = raw_name.strip()
        if not name:
            if not table.columns[j].all_missing:
                names[j] = _unused_name(f"unnamed_{j + 1}", names)
                unknown.append(j)
            continue
        key = name
        if kobo and "/" in name:
            parts = name.split("/")
            parent, _ = _match_item(parts[-2], instrument, folded)
            if parent in multi:
                code = _choice_code(parts[-1], instrument.items[parent], instrument)
                if code is not None:
                    options.setdefault(parent, {})[code] = j
                    continue
            key = parts[-1]
        item_id, is_exact = _match_item(key, instrument, folded)
        if not item_id:
            unknown.append(j)
        else:
            (exact if is_exact else loose).setdefault(item_id, []).append(j)
    items: dict[str, int] = {}
    for matches, exact_match in ((exact, True), (loose, False)):
        for item_id, positions in matches.items():
            if not exact_match and item_id in items:  # an exact name wins over a loose one
                unknown.extend(positions)
                continue
            if len(positions) > 1:
                held = ", ".join(repr(names[p]) for p in positions)
                raise DataError(
                    f"columns {held} all hold item '{item_id}'",
                    where=where,
                    fix="keep one column per item",
                )
            items[item_id] = positions[0]
    return _Resolution(items=items, options=options, unknown=sorted(unknown), names=names)


def _unused_name(base: str, names: list[str]) -> str:
    name, k = base, 1
    while name in names:
        k += 1
        name = f"{base}_{k}"
    return name


# ---------------------------------------------------------------------------
# coding values
# ---------------------------------------------------------------------------
def _normalise(text: str) -> str:
    """Case- and spacing-insensitive form of a label."""
    return " ".join(text.split()).casefold()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    return isinstance(value, str) and _normalise(value) in _MISSING_TOKENS


def _number(value: Any, decimal_comma: bool) -> float | None:
    """The number a cell holds, or ``None``."""
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if _is_number(value):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Codebook:
    """How one coded item's answers can be written."""

    item_id: str
    lookup: dict[str, int]
    valid: str
    separated_labels: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, item: Item, instrument: Instrument) -> _Codebook:
        lookup: dict[str, int] = {}
        labels = instrument.labels(item)
        for code, label in labels.items():
            lookup.setdefault(_normalise(label), code)
        if item.type != ItemType.likert:
            for choice in instrument.choices_of(item):
                lookup[_normalise(choice.xls_name)] = choice.value
        valid = _shorten(", ".join(f"{c}={lab}" for c, lab in labels.items()), 120)
        separated = tuple(
            sorted(
                ((k, v) for k, v in lookup.items() if "," in k or ";" in k),
                key=lambda kv: -len(kv[0]),
            )
        )
        return cls(item.id, lookup, valid, separated)

    def unknown_message(self, value: Any) -> str:
        return (
            f"'{_shorten(str(value), 60)}' is not a code, choice name or label of "
            f"'{self.item_id}'; valid: {self.valid}"
        )


def _code_uniques(
    uniques: np.ndarray, book: _Codebook, decimal_comma: bool, labels: dict[float, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``NaN`` if missing or unknown) and an unknown-label mask per distinct value."""
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        number = _number(value, decimal_comma)
        if number is not None:
            if labels and number in labels:
                values[k] = book.lookup.get(_normalise(labels[number]), number)
            else:
                values[k] = number
            continue
        code = book.lookup.get(_normalise(str(value)))
        if code is None:
            bad[k] = True
        else:
            values[k] = code
    return values, bad


_SEPARATORS = re.compile(r"[;,]")


def _multi_token(token: str, book: _Codebook) -> int | None:
    code = book.lookup.get(token)
    if code is not None:
        return code
    number = _number(token, decimal_comma=False)
    if number is not None and number.is_integer():
        return int(number)
    return None


def _multi_value(value: Any, book: _Codebook, labels: dict[float, str] | None) -> str | None:
    """Space-separated sorted codes of one multiple-choice cell; ``None`` if unknown."""
    if _is_number(value) or isinstance(value, (bool, np.bool_)):
        number = float(value)
        if labels and number in labels and _normalise(labels[number]) in book.lookup:
            return str(book.lookup[_normalise(labels[number])])
        return str(int(number)) if number.is_integer() else None
    text = _normalise(str(value))
    whole = book.lookup.get(text)
    if whole is not None:
        return str(whole)
    for label, code in book.separated_labels:
        text = text.replace(label, f";{code};")
    codes: set[int] = set()
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        code = _multi_token(part, book)
        if code is not None:
            codes.add(code)
            continue
        for token in part.split():
            code = _multi_token(token, book)
            if code is None:
                return None
            codes.add(code)
    if not codes:
        return None
    return " ".join(str(c) for c in sorted(codes))


def _multi_uniques(
    uniques: np.ndarray, book: _Codebook, labels: dict[float, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    values = np.empty(len(uniques), dtype=object)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            values[k] = None
            continue
        coded = _multi_value(value, book, labels)
        values[k] = coded
        bad[k] = coded is None
    return values, bad


def _number_uniques(uniques: np.ndarray, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        number = _number(value, decimal_comma)
        if number is None:
            bad[k] = True
        else:
            values[k] = number
    return values, bad


def _text_uniques(uniques: np.ndarray) -> np.ndarray:
    """Distinct values as text, ``None`` for blank or missing ones."""
    if _all_strings(uniques):
        values = uniques.copy()
        values[_blank_uniques(uniques)] = None
        return values
    values = np.empty(len(uniques), dtype=object)
    for k, value in enumerate(uniques):
        if value is None or (isinstance(value, str) and not value.strip()):
            values[k] = None
        elif isinstance(value, str):
            values[k] = value
        elif _is_missing(value):
            values[k] = None
        elif isinstance(value, (float, np.floating)) and float(value).is_integer():
            values[k] = str(int(value))
        elif hasattr(value, "isoformat"):
            values[k] = value.isoformat()
        else:
            values[k] = str(value)
    return values


def _flag_uniques(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 for a KoboToolbox option column's distinct values, with a bad mask."""
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        if isinstance(value, str) and _normalise(value) in ("true", "false"):
            values[k] = float(_normalise(value) == "true")
            continue
        number = _number(value, decimal_comma=False)
        if number in (0.0, 1.0):
            values[k] = number
        else:
            bad[k] = True
    return values, bad


# ---------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------
def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype="str"),
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="str"),
            "rule": pd.Series([], dtype="str"),
            "message": pd.Series([], dtype="str"),
        }
    )


def _problems(
    column: _Column,
    bad: np.ndarray,
    rows: np.ndarray,
    *,
    file: str,
    name: str,
    rule: str,
    message: Any,
) -> pd.DataFrame | None:
    """Problem rows for the cells whose distinct value is flagged in ``bad``."""
    if not bad.any():
        return None
    hit = np.append(bad, False)[column.codes]
    positions = np.flatnonzero(hit)
    index = column.codes[positions]
    texts = np.asarray([_text_of(u) for u in column.uniques], dtype=object)
    messages = np.asarray(
        [message(t) if b else "" for t, b in zip(texts, bad, strict=True)], dtype=object
    )
    return pd.DataFrame(
        {
            "file": file,
            "row": rows[positions].astype(np.int64),
            "column": name,
            "value": texts[index],
            "rule": rule,
            "message": messages[index],
        }
    )


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------
# assembling the result
# ---------------------------------------------------------------------------
def _from_options(
    columns: dict[int, int], table: _Table, where: str, names: list[str]
) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Space-separated codes from KoboToolbox 0/1 option columns."""
    n = table.n_rows
    codes = sorted(columns)
    selected = np.zeros((n, len(codes)), dtype=bool)
    answered = np.zeros(n, dtype=bool)
    problems = []
    for k, code in enumerate(codes):
        j = columns[code]
        column = table.columns[j]
        flags, bad = _flag_uniques(column.uniques)
        values = column.take(flags, np.nan)
        selected[:, k] = values == 1.0
        answered |= ~np.isnan(values)
        found = _problems(
            column,
            bad,
            table.row_numbers,
            file=Path(where).name,
            name=names[j],
            rule="unknown_label",
            message=lambda v: f"'{_shorten(v, 60)}' is not 0 or 1 (a KoboToolbox option column)",
        )
        if found is not None:
            problems.append(found)
    patterns, inverse = np.unique(selected, axis=0, return_inverse=True)
    strings = np.asarray(
        [
            " ".join(str(c) for c, chosen in zip(codes, p, strict=True) if chosen) or None
            for p in patterns
        ],
        dtype=object,
    )
    out = strings[inverse.reshape(-1)]
    out[~answered] = None
    return out, problems


def _code_item(
    item: Item,
    column: _Column,
    *,
    instrument: Instrument,
    decimal_comma: bool,
    labels: dict[float, str] | None,
) -> tuple[pd.Series, np.ndarray, str, Any]:
    """The coded column, a bad-value mask, the problem rule and its message maker."""
    if item.type in (ItemType.likert, ItemType.single_choice):
        book = _Codebook.of(item, instrument)
        values, bad = _code_uniques(column.uniques, book, decimal_comma, labels)
        return pd.Series(column.take(values, np.nan)), bad, "unknown_label", book.unknown_message
    if item.type == ItemType.multiple_choice:
        book = _Codebook.of(item, instrument)
        values, bad = _multi_uniques(column.uniques, book, labels)
        series = pd.Series(column.take(values, None), dtype="str")
        return series, bad, "unknown_label", book.unknown_message
    if item.type in (ItemType.integer, ItemType.decimal):
        values, bad = _number_uniques(column.uniques, decimal_comma)
        kind = item.type.value

        def message(v: str) -> str:
            return f"'{_shorten(v, 60)}' is not a number ('{item.id}' is a {kind} item)"

        return pd.Series(column.take(values, np.nan)), bad, "not_a_number", message
    values = _text_uniques(column.uniques)
    return (
        pd.Series(column.take(values, None), dtype="str"),
        np.zeros(len(values), dtype=bool),
        "",
        None,
    )


def _keep(column: _Column) -> pd.Series:
    """A column not in the instrument, unchanged except that blank cells are missing."""
    if column.original is None:
        return pd.Series(column.take(_text_uniques(column.uniques), None), dtype="str")
    series = column.original.reset_index(drop=True)
    if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
        blank = _blank_uniques(column.uniques)
        if blank.any():
            series = series.where(~np.append(blank, False)[column.codes], None)
        if pd.api.types.is_object_dtype(series.dtype):
            series = series.infer_objects()
    return series


def _assemble(
    table: _Table,
    instrument: Instrument,
    *,
    kobo: bool,
    where: str,
    decimal_comma: bool,
    on_unknown_label: str,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, str]]:
    """Coded data, problems, unknown column names, and file column → data column names."""
    resolution = _resolve(table, instrument, kobo=kobo, where=where)
    names = resolution.names
    out: dict[str, Any] = {}
    problems: list[pd.DataFrame] = []
    for item_id, item in instrument.items.items():
        if item_id in resolution.items:
            j = resolution.items[item_id]
            series, bad, rule, message = _code_item(
                item,
                table.columns[j],
                instrument=instrument,
                decimal_comma=decimal_comma,
                labels=table.value_labels.get(table.names[j]),
            )
            out[item_id] = series
            found = _problems(
                table.columns[j],
                bad,
                table.row_numbers,
                file=Path(where).name,
                name=names[j],
                rule=rule,
                message=message,
            )
            if found is not None:
                problems.append(found)
        elif item_id in resolution.options:
            values, found_list = _from_options(resolution.options[item_id], table, where, names)
            out[item_id] = pd.Series(values, dtype="str")
            problems.extend(found_list)
    unknown = [names[j] for j in resolution.unknown]
    for j in resolution.unknown:
        out[names[j]] = _keep(table.columns[j])
    data = pd.DataFrame(out, index=pd.RangeIndex(table.n_rows))
    if problems:
        order = {name: k for k, name in enumerate(names)}
        frame = pd.concat(problems, ignore_index=True)
        frame = frame.assign(_col=frame["column"].map(order)).sort_values(
            ["row", "_col"], kind="stable"
        )
        frame = frame.drop(columns="_col").reset_index(drop=True)
        for name in ("file", "column", "value", "rule", "message"):
            frame[name] = frame[name].astype("str")
    else:
        frame = _empty_problems()
    if on_unknown_label == "error":
        unknown_labels = frame[frame["rule"] == "unknown_label"]
        if len(unknown_labels):
            first = unknown_labels.iloc[0]
            raise DataError(
                f"unknown answer: {first['message']}",
                where=Location(where, int(first["row"]), str(first["column"])),
                fix="correct the cell, or read with on_unknown_label='flag'",
            )
    renamed = {table.names[j]: item_id for item_id, j in resolution.items.items()}
    renamed.update({table.names[j]: names[j] for j in resolution.unknown})
    return data, frame, unknown, renamed


# ---------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------
def read_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    on_unknown_label: Literal["flag", "error"] = "flag",
) -> ImportResult:
    """Read a response file into one coded table keyed by the instrument's item ids.

    Parameters
    ----------
    path
        CSV/TSV (any of the delimiters and encodings of
        :mod:`smekit.survey.encoding`), Excel ``.xlsx``, a Qualtrics CSV or Excel
        export (three header rows: export tags, question texts, ``ImportId``),
        a KoboToolbox CSV or Excel export (``group/question`` column names; select
        multiple as one space-separated column and/or one 0/1 column per option
        named ``question/option``), or an SPSS ``.sav`` file (value labels are
        mapped to the instrument's codes by label; unlabelled values keep their
        codes; variable labels are returned).
    instrument
        The questionnaire the responses answer.
    format
        One of :data:`FORMATS`; detected by :func:`detect_format` when omitted.
    encoding, delimiter
        For delimited text; detected by :func:`detect_encoding` and
        :func:`detect_delimiter` when omitted. With ``;`` as delimiter, numbers
        may use a decimal comma (``3,5``).
    sheet
        Excel sheet name or 0-based position; default: the first sheet holding data.
    on_unknown_label
        ``"flag"`` turns an answer that matches no code, name or label into a
        missing value and a problem row; ``"error"`` raises :class:`DataError` at
        the first one.

    Returns
    -------
    ImportResult

    Raises
    ------
    DataError
        For a missing, empty, header-only, undecodable or unreadable file, an
        unknown format, duplicate column names, a Qualtrics export without its
        ``ImportId`` row, or (with ``on_unknown_label="error"``) an unknown answer.
    """
    if on_unknown_label not in ("flag", "error"):
        raise ValueError("on_unknown_label must be 'flag' or 'error'")
    path = Path(path)
    where = str(path)
    _check_file(path)
    if format is not None and format not in FORMATS:
        raise DataError(
            f"unknown response format '{format}'", where=where, fix=f"use one of {FORMATS}"
        )
    head = _read_head(path)
    try:
        container = _container(path, head)
    except DataError:
        if format is None:
            raise
        container = "text"
    if format is None:
        format = _detect(
            path, head, container, instrument, sheet=sheet, encoding=encoding, delimiter=delimiter
        )
    _check_container(format, container, where)

    header_rows = 3 if format == "qualtrics" else 1
    if format == "sav":
        table = _read_sav(path)
    elif container == "excel":
        table = _read_excel(path, sheet=sheet, header_rows=header_rows)
    else:
        table = _read_text(path, encoding=encoding, delimiter=delimiter, header_rows=header_rows)
    if format == "qualtrics":
        _check_qualtrics(table, where)
    if not table.names or not any(n.strip() for n in table.names):
        raise DataError("the file has no header row", where=where)
    if table.n_rows == 0:
        raise DataError(
            "no data rows: the file holds only its header",
            where=where,
            fix="export the responses again, including the answers",
        )
    data, problems, unknown, renamed = _assemble(
        table,
        instrument,
        kobo=format == "kobo",
        where=where,
        decimal_comma=table.delimiter == ";",
        on_unknown_label=on_unknown_label,
    )
    variable_labels = {
        renamed[name]: label for name, label in table.variable_labels.items() if name in renamed
    }
    return ImportResult(
        data=data,
        problems=problems,
        source=where,
        format=format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        unknown_columns=unknown,
        row_numbers=pd.Series(table.row_numbers, index=data.index, name="row"),
        variable_labels=variable_labels,
    )


def _check_container(format: str, container: str, where: str) -> None:
    if format == "sav" and container != "sav":
        raise DataError(
            "this is not an SPSS .sav file", where=where, fix="pass the right format= or file"
        )
    if format == "csv" and container != "text":
        raise DataError(
            f"this is not delimited text but an {'Excel' if container == 'excel' else 'SPSS'} file",
            where=where,
            fix="pass format='xlsx' or 'sav', or leave format out",
        )
    if format == "xlsx" and container != "excel":
        raise DataError(
            "this is not an Excel workbook", where=where, fix="leave format out to detect it"
        )
    if format in ("qualtrics", "kobo") and container == "sav":
        raise DataError(
            f"{format} exports are CSV or Excel files, not SPSS",
            where=where,
            fix="pass format='sav'",
        )


def _check_qualtrics(table: _Table, where: str) -> None:
    header = table.header
    if len(header) < 3 or not any(c.strip().startswith('{"ImportId"') for c in header[2]):
        row = 3 if len(header) >= 3 else len(header) + 1
        raise DataError(
            "this Qualtrics export lacks its ImportId row (row 3 should hold "
            '{"ImportId": ...} cells)',
            where=Location(where, row),
            fix="export the responses again from Qualtrics with all three header rows, or "
            "delete the question-text row and read the file with format='csv'",
        )
