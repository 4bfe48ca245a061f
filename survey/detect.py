"""Which container (text, Excel, SPSS) and which export format a response file is."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from smekit.core.errors import DataError
from smekit.survey.columns import header_score
from smekit.survey.encoding import _utf16_without_bom, detect_delimiter, detect_encoding
from smekit.survey.instrument import Instrument
from smekit.survey.readers_excel import _excel_header
from smekit.survey.readers_text import _header_records

_TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_SAV_SUFFIXES = frozenset({".sav", ".zsav"})
_HEAD_BYTES = 256 * 1024

_KOBO_META = frozenset(
    {"_uuid", "_submission_time", "_submission__uuid", "_validation_status", "__version__"}
)
_KOBO_PATH = re.compile(r"^[A-Za-z_][\w-]*([/.][A-Za-z_][\w-]*)+$")

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
        boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
        if b"\x00" in head and not head.startswith(boms) and not _utf16_without_bom(head):
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


_LEGACY_TAG = re.compile(r"^V\d+$")
#: What a legacy Qualtrics export writes in row 2 under its V1...V10 columns.
_LEGACY_META = frozenset(
    {"responseid", "responseset", "name", "externaldatareference", "emailaddress",
     "ipaddress", "status", "startdate", "enddate", "finished"}
)  # fmt: skip


def qualtrics_header_rows(header: list[list[str]]) -> int:
    """How many header rows a Qualtrics export has (0: not a Qualtrics export).

    The whole header shape decides, never one cell:

    * 3 (current exporter): row 3 holds ``{"ImportId": ...}`` in at least half of
      its non-empty cells and in at least two; or, without that row, row 1 holds at
      least two Qualtrics metadata columns (``StartDate``, ``ResponseId``, ...)
      with the question text Qualtrics writes under each in row 2 (the reader
      then asks for the missing ``ImportId`` row);
    * 2 (legacy exporter): row 1 starts ``V1, V2, V3`` and row 2 holds at least
      two of the legacy metadata names (``ResponseID``, ``StartDate``, ...) under
      the ``V`` columns.

    Examples
    --------
    >>> qualtrics_header_rows([["V1", "V2", "V3", "Q1"], ["ResponseID", "ResponseSet",
    ...     "Name", "How old is your firm?"], ["R_1", "Default", "A", "4"]])
    2
    >>> qualtrics_header_rows([["id", "note"], ["1", '{"ImportId":"QID1"}'], ["2", "x"]])
    0
    """
    if not header:
        return 0
    if len(header) >= 3:
        cells = [c.strip() for c in header[2] if c.strip()]
        tagged = sum(c.startswith('{"ImportId"') for c in cells)
        if tagged >= 2 and tagged * 2 >= len(cells):
            return 3
    if len(header) >= 2:
        names, texts = header[0], header[1]
        pairs = sum(
            name.strip() in _QUALTRICS_META and text.strip() == _QUALTRICS_META[name.strip()]
            for name, text in zip(names, texts, strict=False)
        )
        if pairs >= 2:
            return 3
        tags = [n.strip() for n in names[:3]]
        if tags == ["V1", "V2", "V3"]:
            legacy = sum(
                text.strip().casefold() in _LEGACY_META
                for name, text in zip(names, texts, strict=False)
                if _LEGACY_TAG.match(name.strip())
            )
            if legacy >= 2:
                return 2
    return 0


def _looks_kobo(names: list[str], instrument: Instrument | None) -> bool:
    if any(n.strip().lower() in _KOBO_META for n in names):
        return True
    paths = [n.strip() for n in names if _KOBO_PATH.match(n.strip())]
    if instrument is None:
        return len(paths) >= 2
    multi = set(instrument.multiple_choice_ids)
    for p in paths:
        parts = re.split(r"[/.]", p)
        if parts[-1] in instrument.items or parts[-2] in multi:
            return True
    return False


def _scorer(instrument: Instrument | None):
    if instrument is None:
        return None
    return lambda names: header_score(names, instrument)


def _classify(header: list[list[str]], instrument: Instrument | None, container: str) -> str:
    if qualtrics_header_rows(header):
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

    * ``qualtrics``: the header shape of a current or legacy Qualtrics export
      (see :func:`qualtrics_header_rows`);
    * ``kobo``: KoboToolbox metadata columns (``_uuid``, ``_submission_time``) or
      group-path names (``digital_tools/dt1`` or ``digital_tools.dt1``) whose last
      part is an item id (with
      ``instrument``; without it, at least two group-path names);
    * otherwise ``csv`` or ``xlsx``.

    Parameters
    ----------
    path
        The response file.
    instrument
        The questionnaire, to recognise KoboToolbox paths by item id.
    sheet
        Excel sheet to look at (name or 0-based position); default: the sheet
        whose header names the most items (with ``instrument``), else the first
        sheet holding data.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    DataError
        When the file is missing, empty or in no known format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "k.csv").write_text("start,digital_tools.dt1,_uuid\\nx,4,u1\\n")
    >>> detect_format(folder / "k.csv")
    'kobo'
    >>> _ = (folder / "p.csv").write_text('id,note\\n1,"{""ImportId"":""QID1""}"\\n2,x\\n')
    >>> detect_format(folder / "p.csv")
    'csv'
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
        decoder = codecs.getincrementaldecoder(encoding or detect_encoding(head))(errors="replace")
        text = decoder.decode(head, final=False)
    except (DataError, LookupError, UnicodeDecodeError):
        return []
    text = text.lstrip("\ufeff")
    records, _, _ = _header_records(text, delimiter or detect_delimiter(text[:65536]), n)
    return records


def _header(
    path: Path,
    head: bytes,
    container: str,
    instrument: Instrument | None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> list[list[str]]:
    """The first three non-blank records of a text file or of the sheet to be read."""
    if container == "excel":
        return _excel_header(path, sheet, score=_scorer(instrument))
    return _text_header(head, encoding, delimiter)


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
    header = _header(path, head, container, instrument, sheet, encoding, delimiter)
    return _classify(header, instrument, container)
