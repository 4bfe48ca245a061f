"""Delimited text (CSV, TSV) into a raw table: ``pyarrow`` for speed, ``csv`` for exactness."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smekit.core.errors import DataError, Location
from smekit.survey.encoding import decode, decode_lines, detect_delimiter, detect_encoding
from smekit.survey.rawtable import _Column, _Table, arrow_pool

_NON_SPACE = re.compile(rb"\S")
_WHOLE = re.compile(r"-?\d{1,18}")  # what Arrow parses as a whole number, sign and digits

#: Given a header's names, the columns to read as whole numbers (position -> type).
WholeColumns = Callable[[list[str]], dict[int, str]]


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


def _arrow_parse(
    buffer: Any,
    n_columns: int,
    delimiter: str,
    quoted: bool,
    whole: dict[int, str] | None = None,
) -> list[_Column]:
    """Parse CSV body bytes (UTF-8, no header) into columns with ``pyarrow.csv.read_csv``.

    Every column is read as text. Empty cells stay empty strings (missing by the
    coding rules), so the columns never hold nulls. Each column stays in the
    parser's blocks (a chunked array, never copied whole) and is dictionary-encoded
    only when its codes are first needed (:class:`_Column`): one hash table over a
    whole column is faster than a dictionary per block unified afterwards, and a
    column passed through unchanged is never encoded.

    ``whole`` names columns (position -> ``"int16"`` or ``"int64"``) to parse as
    whole numbers, empty cells missing: Arrow converts them while parsing, and
    coding them needs no text at all. A cell that is not a whole number raises
    ``pyarrow.ArrowInvalid``; the caller then reads the file as text.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(n_columns)]
    types = {name: pa.string() for name in names}
    for j, kind in (whole or {}).items():
        types[names[j]] = pa.type_for_alias(kind)
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=True
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],  # only number columns take it: text cannot be null
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        memory_pool=arrow_pool(),
    )
    return [_Column(arrow=column) for column in table.columns]


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
    whole: dict[int, str] | None = None,
) -> tuple[list[_Column], np.ndarray]:
    """Columns and file row numbers of the records after the header.

    ``text[offset:]`` and ``body[body_offset:]`` are the same records, decoded and as
    UTF-8 bytes. ``pyarrow`` parses the bytes; when every line is one record the
    row numbers follow by counting, otherwise (blank lines, line breaks inside
    quoted values) the ``csv`` module numbers the records, and ragged rows are
    parsed by it too. ``whole`` columns (see :func:`_arrow_parse`) are tried as
    whole numbers first; if any cell is not one, every column is read as text.
    """
    import pyarrow as pa

    empty = ([], np.empty(0, dtype=np.int64))
    if n_columns == 0 or _NON_SPACE.search(body, body_offset) is None:
        return empty
    quoted = b'"' in body
    columns = None
    for kinds in ([whole] if whole else []) + [None]:
        try:
            columns = _arrow_parse(
                pa.BufferReader(pa.py_buffer(body)[body_offset:]),
                n_columns,
                delimiter,
                quoted=quoted,
                whole=kinds,
            )
            break
        except pa.ArrowInvalid:
            continue
    if columns is None:
        return _python_parse(text[offset:], delimiter, n_columns, first_row, where)
    n_rows = len(columns[0])
    newline = b"\n" if b"\n" in body else b"\r"
    n_lines = body.count(newline, body_offset) + (0 if body.endswith(newline) else 1)
    if n_lines == n_rows:
        return columns, first_row + np.arange(n_rows, dtype=np.int64)
    positions = _record_numbers(text[offset:], delimiter)
    if len(positions) == n_rows:
        return columns, first_row + positions
    return _python_parse(text[offset:], delimiter, n_columns, first_row, where)


def check_delimiter(delimiter: str | None, where: str) -> None:
    """Refuse a delimiter that is not one character, or is a quote or line break.

    Raises
    ------
    DataError
        Naming the file and the delimiter given.

    Examples
    --------
    >>> check_delimiter(";", "r.csv")
    >>> try:
    ...     check_delimiter("::", "r.csv")
    ... except DataError as exc:
    ...     print(exc.what)
    delimiter must be one character other than a quote or line break, not '::'
    """
    if delimiter is None:
        return
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise DataError(
            f"delimiter must be one character other than a quote or line break, not {delimiter!r}",
            where=where,
            fix="pass one of ',', ';', '\\t' or '|', or leave the delimiter out to detect it",
        )


def _check_split(text: str, delimiter: str, names: list[str], where: str) -> None:
    """An explicit delimiter that leaves the header in one column is a mistake."""
    if len(names) != 1:
        return
    detected = detect_delimiter(text[:65536])
    if detected == delimiter:
        return
    width = len(_header_records(text, detected, 1)[0][0] or [])
    if width < 2:
        return
    raise DataError(
        f"the delimiter {delimiter!r} given splits the header into one column, but the "
        f"file looks {detected!r}-delimited ({width} columns)",
        where=Location(where, 1),
        fix=f"pass delimiter {detected!r} (--delimiter, or `delimiter:` in study.yaml), "
        "or leave it out to detect it",
    )


def _line_rows(text: str, delimiter: str, lines: list[int]) -> dict[int, int]:
    """The record row (as a spreadsheet counts them) holding each 1-based line."""
    wanted = sorted(lines)
    found: dict[int, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start, k = 1, 0
    try:
        for row, _ in enumerate(reader, start=1):
            end = reader.line_num
            while k < len(wanted) and wanted[k] <= end:
                if wanted[k] >= start:
                    found[wanted[k]] = row
                k += 1
            start = end + 1
    except csv.Error:
        pass
    return {line: found.get(line, line) for line in lines}


def _whole_columns(
    text: str, delimiter: str, names: list[str], whole: WholeColumns | None
) -> dict[int, str]:
    """The columns to try as whole numbers: those ``whole`` names, kept only if the
    first records (``text`` is the start of the records after the header) hold
    nothing but whole numbers and empty cells there.

    Looking at the start of the file first means a file of answer labels is read
    as text at once, not parsed twice.
    """
    if whole is None:
        return {}
    wanted = whole(names)
    if not wanted:
        return {}
    records, _, _ = _scan_records(text, delimiter, 201)
    sample = records[:-1] if len(records) > 1 else records  # the last may be cut short
    bounds = {"int16": 2**15, "int64": 2**63}
    for record in sample:
        for j in list(wanted):
            cell = record[j] if j < len(record) else ""
            if cell and not (_WHOLE.fullmatch(cell) and abs(int(cell)) < bounds[wanted[j]]):
                del wanted[j]
    return wanted


def _read_text(
    path: Path,
    *,
    encoding: str | None,
    delimiter: str | None,
    header_rows: int,
    whole: WholeColumns | None = None,
) -> _Table:
    """A delimited text file as a raw table.

    ``whole`` is given the header's names and returns the columns that should
    hold whole numbers (position -> ``"int16"`` or ``"int64"``): coded items. They
    are parsed as numbers when every cell is a whole number or empty, and read
    as text otherwise, so the result is the same either way.
    """
    where = str(path)
    check_delimiter(delimiter, where)
    raw = path.read_bytes()
    explicit_delimiter = delimiter is not None
    fallback: list[tuple[int, str]] = []
    if encoding is None:
        try:
            encoding = detect_encoding(raw)
        except DataError as exc:
            raise DataError(exc.what, where=where, fix=exc.fix) from None
        if encoding == "utf-8" and not raw.isascii():
            text, fallback = decode_lines(raw, where)
        else:
            text = decode(raw, encoding, where)
    else:
        text = decode(raw, encoding, where)
    is_utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") and not fallback
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():  # no copy of the text, unlike strip()
        raise DataError("file holds no data, only blank lines", where=where)
    if delimiter is None:
        delimiter = detect_delimiter(text[:65536])
    header, offset, used = _header_records(text, delimiter, header_rows)
    names = header[0] if header else []
    if explicit_delimiter:
        _check_split(text, delimiter, names, where)
    if is_utf8:
        body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    else:
        body = text.encode("utf-8")
    prefix = text[:offset]
    body_offset = offset if prefix.isascii() else len(prefix.encode("utf-8"))
    columns, numbers = _parse_body(
        text,
        offset,
        body,
        body_offset,
        delimiter,
        len(names),
        used + 1,
        where,
        whole=_whole_columns(text[offset : offset + 65536], delimiter, names, whole),
    )
    notes: list[dict] = []
    if fallback:
        rows = _line_rows(text, delimiter, [line for line, _ in fallback])
        split = text.split("\n")
        for line, used_encoding in fallback:
            notes.append(
                {
                    "row": rows[line],
                    "column": "",
                    "value": split[line - 1].rstrip("\r")[:80],
                    "rule": "encoding_fallback",
                    "message": f"line {line} is not valid UTF-8 like the rest of the file; "
                    f"decoded as {used_encoding}: check its accented letters",
                }
            )
    return _Table(
        names=names,
        columns=columns,
        row_numbers=numbers,
        header=header,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )
