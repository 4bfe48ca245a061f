"""Read survey responses from CSV, Excel, Qualtrics, KoboToolbox and SPSS files.

Every reader returns one tidy table keyed by the instrument's item ids, with
answers coded the way the instrument codes them:

* likert and single-choice cells may hold the numeric code (``4``, ``"4.0"``), the
  choice name used by XLSForm/KoboToolbox (``"retail"``) or the label
  (``"Strongly agree"``), matched ignoring case and spacing; the result is a
  column of codes in the smallest nullable integer dtype that holds them
  (``Int8`` for every Likert scale and choice list of up to 127 codes);
* multiple-choice cells become one string of space-separated codes in ascending
  order (``"1 4"``), whatever mix of codes, names and labels separated by spaces,
  commas or semicolons the file used;
* integer items become nullable integers (``Int8`` ... ``Int64`` by range; a
  file holding a fraction keeps ``float64`` so the quality step can flag it),
  decimal items ``float64``; text items stay strings;
* empty or blank cells are missing. For coded and numeric items the tokens
  ``NA``, ``N/A``, ``NaN``, ``NULL`` and ``#N/A`` are missing too.

Cells that cannot be coded become missing and are listed, with the row number a
user sees in the file, in :attr:`ImportResult.problems`. Numbers outside an
item's range are kept: checking ranges is the quality step's job.

Column names are matched to items as :class:`smekit.survey.columns._Matcher`
describes: item id or the item's ``column:`` alias, ignoring case; LimeSurvey's
``code[subcode]`` naming (item ``code_subcode``); KoboToolbox group paths with
``/`` or ``.`` as separator; or the item's wording (label headers). When fewer
than ``min_item_share`` (default half) of the instrument's items match a column,
reading stops with the closest column names for the unmatched items.

SPSS user-missing codes (don't know = 8, refused = 9) become missing answers and
one row each in :attr:`ImportResult.missing_reasons` (row, column, code and its
value label), so the reason is not lost. A text file that is UTF-8 except for a
few lines is decoded per line (see :func:`smekit.survey.encoding.decode_lines`)
and each such line is an ``encoding_fallback`` problem.

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
  legacy exports two (``V1``...``V10`` and question tags, then ``ResponseID``...
  and question texts); multiple-answer questions are one column of
  comma-separated choices.
* LimeSurvey manual, "Exporting results": array and multiple-choice subquestions
  are exported as ``code[subcode]`` columns; CSV exports are UTF-8 with a BOM,
  ``;``-separated by default in many locales, with CRLF line ends.
* KoboToolbox documentation, "Exporting and downloading your data": XML values
  and headers or labels, ``/`` or ``.`` as group separator, select-multiple questions as one
  space-separated column and one 0/1 column per option.
* IBM SPSS Statistics file format as read by ReadStat (``pyreadstat.read_sav``
  with ``user_missing=True``): variable labels, value labels and user-missing
  values.

Example
-------
>>> import tempfile, pathlib
>>> from smekit.survey.instrument import load_instrument, library_path
>>> from smekit.survey.responses import read_responses
>>> inst = load_instrument(library_path("s1_resilience_dt"))
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "r.csv").write_text("id,dt1\\nA,Agree\\nB,5\\nC,Neutral\\n")
>>> result = read_responses(folder / "r.csv", inst, min_item_share=0)
>>> result.data["dt1"].tolist()
[4, 5, <NA>]
>>> result.data["dt1"].dtype
Int8Dtype()
>>> result.problems[["row", "column", "value", "rule"]].values.tolist()
[[4, 'dt1', 'Neutral', 'unknown_label']]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from smekit.core.errors import DataError, Location
from smekit.core.threads import map_in_threads
from smekit.survey.coding import (
    _code_item,
    _empty_problems,
    _from_options,
    _keep,
    _normalise,
    _problems,
)
from smekit.survey.columns import _Matcher, _resolve, header_score
from smekit.survey.detect import (
    _check_file,
    _classify,
    _container,
    _header,
    _read_head,
    detect_format,
    qualtrics_header_rows,
)
from smekit.survey.encoding import detect_delimiter, detect_encoding
from smekit.survey.instrument import Instrument, ItemType
from smekit.survey.rawtable import _Table
from smekit.survey.readers_excel import _read_excel
from smekit.survey.readers_spss import (
    MISSING_REASON_COLUMNS,
    _empty_reasons,
    _read_sav,
    split_user_missing,
)
from smekit.survey.readers_text import _read_text, check_delimiter

__all__ = [
    "FORMATS",
    "MISSING_REASON_COLUMNS",
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
        ``rule`` (``unknown_label``, ``not_a_number`` or, for a line of a UTF-8
        file that had to be decoded with a fallback encoding, ``encoding_fallback``)
        and ``message``.
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
    sheet
        The Excel sheet read (``None`` for text and SPSS files).
    missing_reasons
        One row per answer that is missing for a stated reason (an SPSS
        user-missing code), with columns ``file``, ``row``, ``column`` (as in
        ``data``), ``code`` (the code in the file) and ``reason`` (its value label,
        or ``user-missing code``). The answer itself is missing in ``data``.
    value_labels
        Column → {value: label} from an SPSS file (numeric and string values).
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
    sheet: str | None = None
    missing_reasons: pd.DataFrame = field(default_factory=_empty_reasons)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Responses read."""
        return len(self.data)

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
            "sheet": self.sheet,
            "n_rows": len(self.data),
            "n_problems": len(self.problems),
            "n_missing_reasons": len(self.missing_reasons),
            "items": [c for c in self.data.columns if c not in set(self.unknown_columns)],
            "unknown_columns": list(self.unknown_columns),
            "variable_labels": dict(self.variable_labels),
        }


def _sorted_problems(problems: list[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    if not problems:
        return _empty_problems()
    order = {name: k for k, name in enumerate(names)}
    frame = pd.concat(problems, ignore_index=True)
    frame = frame.assign(_col=frame["column"].map(order).fillna(-1)).sort_values(
        ["row", "_col"], kind="stable"
    )
    frame = frame.drop(columns="_col").reset_index(drop=True)
    frame["row"] = frame["row"].astype("int64")
    for name in ("file", "column", "value", "rule", "message"):
        frame[name] = frame[name].astype("str")
    return frame


#: Items whose answers are whole numbers when written as codes.
_WHOLE_TYPES = {
    ItemType.likert: "int16",
    ItemType.single_choice: "int16",
    ItemType.integer: "int64",
}


def _whole_items(names: list[str], instrument: Instrument, *, kobo: bool) -> dict[int, str]:
    """Columns named exactly for a Likert, single-choice or integer item.

    They are parsed as whole numbers where the file writes codes (see
    :func:`~smekit.survey.readers_text._read_text`); a column that holds labels or
    other text is read as text, so this only changes how fast a file is read.
    """
    matcher = _Matcher.of(instrument, paths=kobo)
    out: dict[int, str] = {}
    for j, name in enumerate(names):
        kind, item_id, _ = matcher.match(name.strip())
        if kind == "exact" and instrument.items[item_id].type in _WHOLE_TYPES:
            out[j] = _WHOLE_TYPES[instrument.items[item_id].type]
    return out


def _assemble(
    table: _Table,
    instrument: Instrument,
    *,
    kobo: bool,
    where: str,
    decimal_comma: bool,
    on_unknown_label: str,
    min_item_share: float,
    qualtrics: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, str]]:
    """Coded data, problems, unknown column names, and file column → data column names."""
    texts = table.header[1] if qualtrics and len(table.header) > 1 else None
    resolution = _resolve(
        table,
        instrument,
        kobo=kobo,
        where=where,
        min_item_share=min_item_share,
        texts=texts,
        sheets=(table.sheet, table.sheets) if table.sheet is not None else None,
    )
    names = resolution.names
    file = Path(where).name
    out: dict[str, Any] = {}
    problems: list[pd.DataFrame] = []
    if table.notes:
        problems.append(pd.DataFrame([{"file": file, **note} for note in table.notes]))

    def code(item_id: str) -> tuple[pd.Series, pd.DataFrame | None]:
        j = resolution.items[item_id]
        series, bad, rule, message = _code_item(
            instrument.items[item_id],
            table.columns[j],
            instrument=instrument,
            decimal_comma=decimal_comma,
            labels=table.value_labels.get(table.names[j]),
        )
        found = _problems(
            table.columns[j],
            bad,
            table.row_numbers,
            file=file,
            name=names[j],
            rule=rule,
            message=message,
        )
        return series, found

    # each column is coded on its own, so the columns are coded side by side
    matched = [item_id for item_id in instrument.items if item_id in resolution.items]
    coded = dict(zip(matched, map_in_threads(code, matched), strict=True))
    for item_id, item in instrument.items.items():
        if item_id in coded:
            out[item_id], found = coded[item_id]
            if found is not None:
                problems.append(found)
        elif item_id in resolution.options:
            chosen = {
                c.value: frozenset({_normalise(c.label), _normalise(c.xls_name)})
                for c in instrument.choices_of(item)
            }
            values, found_list = _from_options(
                resolution.options[item_id], table, where, names, chosen
            )
            out[item_id] = pd.Series(values, dtype="str")
            problems.extend(found_list)
    unknown = [names[j] for j in resolution.unknown]
    for j in resolution.unknown:
        out[names[j]] = _keep(table.columns[j])
    data = pd.DataFrame(out, index=pd.RangeIndex(table.n_rows), copy=False)
    frame = _sorted_problems(problems, names)
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


def read_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    on_unknown_label: Literal["flag", "error"] = "flag",
    min_item_share: float = 0.5,
) -> ImportResult:
    """Read a response file into one coded table keyed by the instrument's item ids.

    Parameters
    ----------
    path
        CSV/TSV (any of the delimiters and encodings of
        :mod:`smekit.survey.encoding`), Excel ``.xlsx``, a Qualtrics CSV or Excel
        export (three header rows: export tags, question texts, ``ImportId``; or a
        legacy export's two), a KoboToolbox CSV or Excel export (``group/question``
        or ``group.question`` column names, or label headers; select multiple as
        one space-separated column and/or one 0/1 column per option named
        ``question/option``), a LimeSurvey CSV (``code[subcode]`` columns), or an
        SPSS ``.sav`` file (value labels, numeric or string, are mapped to the
        instrument's codes by label; unlabelled values keep their codes;
        user-missing codes become missing answers listed in
        :attr:`ImportResult.missing_reasons`; variable labels are returned).
    instrument
        The questionnaire the responses answer.
    format
        One of :data:`FORMATS`; detected by :func:`detect_format` when omitted.
    encoding, delimiter
        For delimited text; detected by :func:`detect_encoding` and
        :func:`detect_delimiter` when omitted. With ``;`` as delimiter, numbers
        may use a decimal comma (``3,5``). A delimiter must be one character other
        than a quote or line break, and one that leaves the header in a single
        column while another delimiter splits it is an error.
    sheet
        Excel sheet name or 0-based position; default: the sheet whose header
        row names the most items, or the first sheet holding data. The sheet read
        is :attr:`ImportResult.sheet`.
    on_unknown_label
        ``"flag"`` turns an answer that matches no code, name or label into a
        missing value and a problem row; ``"error"`` raises :class:`DataError` at
        the first one.
    min_item_share
        Reading stops when fewer than this share of the instrument's items match
        a column (and always when none does); ``0`` reads a file that holds only
        some items.

    Returns
    -------
    ImportResult

    Raises
    ------
    DataError
        For a missing, empty, header-only, undecodable or unreadable file, an
        unknown format, an invalid delimiter or one that splits nothing, a sheet
        that does not exist, duplicate column names, too few items matched, a
        Qualtrics export without its ``ImportId`` row, or (with
        ``on_unknown_label="error"``) an unknown answer.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from smekit.survey.instrument import load_instrument, library_path
    >>> inst = load_instrument(library_path("s1_resilience_dt"))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = path.write_text("id,dt1,dt2\\n1,4,Agree\\n")
    >>> read_responses(path, inst, min_item_share=0).data[["dt1", "dt2"]].values.tolist()
    [[4, 4]]
    >>> try:
    ...     read_responses(path, inst, delimiter=";", min_item_share=0)
    ... except DataError as exc:
    ...     print(exc.what.replace(", but", ",\\nbut"))
    the delimiter ';' given splits the header into one column,
    but the file looks ','-delimited (3 columns)
    """
    if on_unknown_label not in ("flag", "error"):
        raise ValueError("on_unknown_label must be 'flag' or 'error'")
    if not 0 <= min_item_share <= 1:
        raise ValueError("min_item_share must lie between 0 and 1")
    path = Path(path)
    where = str(path)
    _check_file(path)
    if format is not None and format not in FORMATS:
        raise DataError(
            f"unknown response format '{format}'", where=where, fix=f"use one of {FORMATS}"
        )
    check_delimiter(delimiter, where)
    head = _read_head(path)
    try:
        container = _container(path, head)
    except DataError:
        if format is None:
            raise
        container = "text"
    _check_container(format, container, where)
    score = (lambda names: header_score(names, instrument)) if container == "excel" else None
    qualtrics_rows = 0
    if container != "sav" and format in (None, "qualtrics"):
        header = _header(path, head, container, instrument, sheet, encoding, delimiter)
        qualtrics_rows = qualtrics_header_rows(header)
        if format is None:
            format = "qualtrics" if qualtrics_rows else _classify(header, instrument, container)
    elif format is None:
        format = "sav"
    if format == "qualtrics" and not qualtrics_rows:
        qualtrics_rows = 3
    header_rows = qualtrics_rows if format == "qualtrics" else 1
    if format == "sav":
        table = _read_sav(path)
    elif container == "excel":
        table = _read_excel(path, sheet=sheet, header_rows=header_rows, score=score)
    else:
        table = _read_text(
            path,
            encoding=encoding,
            delimiter=delimiter,
            header_rows=header_rows,
            whole=lambda names: _whole_items(names, instrument, kobo=format == "kobo"),
        )
    if format == "qualtrics":
        table = _qualtrics_names(table, where, header_rows)
    if not table.names or not any(n.strip() for n in table.names):
        raise DataError("the file has no header row", where=where)
    if table.n_rows == 0:
        raise DataError(
            "no data rows: the file holds only its header",
            where=where,
            fix="export the responses again, including the answers",
        )
    table, reasons = split_user_missing(table, Path(where).name)
    data, problems, unknown, renamed = _assemble(
        table,
        instrument,
        kobo=format == "kobo",
        qualtrics=format == "qualtrics",
        where=where,
        decimal_comma=table.delimiter == ";",
        on_unknown_label=on_unknown_label,
        min_item_share=min_item_share,
    )
    if len(reasons):
        reasons = reasons.assign(column=reasons["column"].map(lambda c: renamed.get(c, c)))
    variable_labels = {
        renamed[name]: label for name, label in table.variable_labels.items() if name in renamed
    }
    value_labels = {
        renamed[name]: dict(labels)
        for name, labels in table.value_labels.items()
        if name in renamed
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
        sheet=table.sheet,
        missing_reasons=reasons,
        value_labels=value_labels,
    )


def _check_container(format: str | None, container: str, where: str) -> None:
    if format is None:
        return
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


def _qualtrics_names(table: _Table, where: str, header_rows: int) -> _Table:
    """Check a Qualtrics header; a legacy export's ``V1``... columns take row 2's names."""
    if header_rows == 2:
        texts = table.header[1] if len(table.header) > 1 else []
        names = [
            texts[j].strip() if re.match(r"^V\d+$", n.strip()) and j < len(texts) else n
            for j, n in enumerate(table.names)
        ]
        return replace(table, names=names)
    _check_qualtrics(table, where)
    return table


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
