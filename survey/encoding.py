"""Character encoding and delimiter detection for delimited text exports.

Survey exports reach researchers in whatever encoding the tool or spreadsheet
program wrote: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
"Unicode text"), GB18030/GBK (Chinese Windows), or Windows-1252 (Western
European Windows). Delimiters vary with the locale: comma, semicolon (where the
decimal mark is a comma), tab or pipe.

Both detectors here are deterministic rules, so the same bytes always give the
same answer whatever else is installed.

Example
-------
>>> detect_encoding("Société".encode("cp1252"))
'cp1252'
>>> detect_delimiter("id;score\\n1;3,5\\n2;4,0\\n")
';'
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

from smekit.core.errors import DataError

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Delimiters :func:`detect_delimiter` chooses from, in order of preference on ties."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Share of double-byte characters that must lie in the GB2312 block (both bytes
#: 0xA1-0xFE) for bytes that decode both ways to be read as GB18030.
_GB2312_SHARE = 0.5
#: Characters of a decoded sample looked at when scoring GB18030 against cp1252.
_SCORE_SAMPLE = 20_000


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` decodes strictly, allowing an incomplete character at the end."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _gb2312_share(raw: bytes) -> float:
    """Share of the non-ASCII characters of ``raw`` (read as GB18030) in the GB2312 block.

    Chinese text is almost entirely made of the 7,000 common characters that GB2312
    encodes with two bytes in 0xA1-0xFE. Western text that happens to decode as
    GB18030 pairs an accented letter with the ASCII letter after it, so its second
    bytes fall below 0xA1.
    """
    text = codecs.getincrementaldecoder("gb18030")().decode(raw, final=False)
    total = inside = 0
    for ch in text:
        if ch.isascii():
            continue
        total += 1
        encoded = ch.encode("gb18030")
        if len(encoded) == 2 and encoded[0] >= 0xA1 and encoded[1] >= 0xA1:
            inside += 1
        if total >= _SCORE_SAMPLE:
            break
    return inside / total if total else 0.0


def detect_encoding(raw: bytes) -> str:
    """Guess the text encoding of a delimited export.

    The rule, applied in order:

    1. a byte-order mark names the encoding (``utf-8-sig``, ``utf-16``, ``utf-32``);
    2. bytes that are valid UTF-8 are ``utf-8`` (this includes plain ASCII);
    3. bytes that decode as only one of GB18030 and Windows-1252 are that one;
    4. bytes that decode as both are ``gb18030`` when at least half of their
       double-byte characters lie in the GB2312 block (bytes 0xA1-0xFE), as Chinese
       text does, and ``cp1252`` otherwise.

    GB18030 is a superset of GBK and GB2312, so GBK files decode correctly.

    Parameters
    ----------
    raw
        The file's bytes, or a leading part of them (an incomplete character at the
        end is allowed).

    Returns
    -------
    str
        A Python codec name.

    Raises
    ------
    DataError
        When the bytes are valid in none of these encodings.

    Examples
    --------
    >>> detect_encoding("物流中断".encode("gbk"))
    'gb18030'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid,q1\\n")
    'utf-8-sig'
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if _decodes(raw, "utf-8"):
        return "utf-8"
    gb = _decodes(raw, "gb18030")
    latin = _decodes(raw, "cp1252")
    if gb and latin:
        return "gb18030" if _gb2312_share(raw) >= _GB2312_SHARE else "cp1252"
    if gb:
        return "gb18030"
    if latin:
        return "cp1252"
    offset = _first_bad_byte(raw, "cp1252")
    line = raw.count(b"\n", 0, offset) + 1
    raise DataError(
        "cannot tell the text encoding: the file is not valid UTF-8 or GB18030, and byte "
        f"0x{raw[offset]:02x} on line {line} is not a Windows-1252 character",
        fix="pass encoding=... with the encoding the file was saved in",
    )


def _first_bad_byte(raw: bytes, encoding: str) -> int:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def decode(raw: bytes, encoding: str, where: str) -> str:
    """Decode ``raw`` strictly, turning a failure into a one-line :class:`DataError`.

    Parameters
    ----------
    raw
        The file's bytes.
    encoding
        A Python codec name.
    where
        The file name used in the error message.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            f"unknown text encoding '{encoding}'",
            where=where,
            fix="use a Python codec name such as 'utf-8', 'gb18030' or 'cp1252'",
        ) from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"byte 0x{raw[exc.start]:02x} on line {line} is not valid {encoding}",
            where=where,
            fix="pass the encoding the file was saved in, e.g. encoding='gb18030' or 'cp1252'",
        ) from None


def _field_counts(text: str, delimiter: str, max_records: int) -> list[int]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    counts: list[int] = []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            counts.append(len(record))
            if len(counts) >= max_records:
                break
    except csv.Error:
        pass
    return counts


def detect_delimiter(text_sample: str, *, max_records: int = 50) -> str:
    """Guess the field delimiter of a delimited text export.

    Each candidate (comma, semicolon, tab, pipe) splits the first ``max_records``
    non-blank records of the sample, honouring double-quoted fields (which may hold
    delimiters and line breaks). A candidate is *consistent* when every record has
    the header's number of fields. The winner is the consistent candidate with the
    most fields; when none is consistent, the candidate whose most common field
    count is at least two and covers the largest share of records (ties: more
    fields). A sample in
    which no candidate splits anything is a one-column file, read with a comma.

    A sample cut in the middle of a record should be trimmed to its last line break
    by the caller; the last record is ignored when the sample does not end in one.

    Parameters
    ----------
    text_sample
        The start of the decoded file.
    max_records
        How many records to look at.

    Returns
    -------
    str
        One of ``DELIMITERS``.

    Examples
    --------
    >>> detect_delimiter('a,b,c\\n1,"x; y",3\\n')
    ','
    >>> detect_delimiter("a\\tb\\n1\\t2,5\\n")
    '\\t'
    """
    if text_sample and not text_sample.endswith(("\n", "\r")):
        cut = max(text_sample.rfind("\n"), text_sample.rfind("\r"))
        if cut > 0:
            text_sample = text_sample[: cut + 1]
    best: tuple[tuple[bool, bool, float, int], str] | None = None
    for delimiter in DELIMITERS:
        counts = _field_counts(text_sample, delimiter, max_records)
        if not counts or max(counts) < 2:
            continue
        consistent = all(c == counts[0] for c in counts)
        mode, freq = Counter(counts).most_common(1)[0]
        key = (consistent, mode >= 2, freq / len(counts), mode)
        # earlier candidates win ties: compare with a strict '>'
        if best is None or key > best[0]:
            best = (key, delimiter)
    return best[1] if best else ","
