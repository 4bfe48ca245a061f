"""Character encoding and delimiter detection for delimited text exports.

Survey exports reach researchers in whatever encoding the tool or spreadsheet
program wrote: UTF-8 with or without a byte-order mark, UTF-16 (Excel's
"Unicode text"), GB18030/GBK (Chinese Windows), or Windows-1252 (Western
European Windows). Delimiters vary with the locale: comma, semicolon (where the
decimal mark is a comma), tab or pipe.

Both detectors here are deterministic rules, so the same bytes always give the
same answer whatever else is installed.

A file that is UTF-8 except for a few lines (a row pasted in from a Windows
spreadsheet) is read as UTF-8: :func:`decode_lines` decodes each line that is not
valid UTF-8 with the encoding those lines alone are detected as, and returns their
line numbers so the importer can report them. Nothing is decoded wholesale with a
single-byte code page when most of the file is UTF-8, so ``"Société"`` never turns
into ``"SociÃ©tÃ©"``.

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
    2. UTF-16 without a byte-order mark (``utf-16-le``, ``utf-16-be``): in text made
       mostly of ASCII every other byte is zero, the even ones for big-endian and
       the odd ones for little-endian;
    3. bytes that are valid UTF-8 are ``utf-8`` (this includes plain ASCII);
    4. bytes that are valid UTF-8 on most of the lines holding non-ASCII bytes are
       ``utf-8`` too: :func:`decode_lines` decodes the other lines with a fallback
       and names them;
    5. bytes that decode as only one of GB18030 and Windows-1252 are that one;
    6. bytes that decode as both are ``gb18030`` when at least half of their
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
    >>> detect_encoding("id,q1\\n1,2\\n".encode("utf-16-le"))
    'utf-16-le'
    >>> detect_encoding("Société\\nSociété\\n".encode() + "Société\\n".encode("cp1252"))
    'utf-8'
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return utf16
    if raw.isascii() or _decodes(raw, "utf-8"):
        return "utf-8"
    if _mostly_utf8(raw):
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


def _decodes_fully(raw: bytes, encoding: str) -> bool:
    """Whether ``raw`` decodes strictly, to its last byte."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _utf16_without_bom(raw: bytes, sample: int = 4096) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when every other byte of the sample is zero."""
    head = raw[: sample - sample % 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    n = len(odd)
    zero_even, zero_odd = even.count(0) / n, odd.count(0) / n
    if zero_odd >= 0.6 and zero_even <= 0.05:
        name = "utf-16-le"
    elif zero_even >= 0.6 and zero_odd <= 0.05:
        name = "utf-16-be"
    else:
        return None
    return name if _decodes(raw, name) else None


def _non_ascii_lines(raw: bytes) -> list[tuple[int, bytes]]:
    """(1-based line number, line) of the lines holding a byte above 0x7f."""
    if raw.isascii():
        return []
    return [(k, line) for k, line in enumerate(raw.split(b"\n"), start=1) if not line.isascii()]


def _mostly_utf8(raw: bytes) -> bool:
    """Whether more of the non-ASCII lines decode as UTF-8 than do not."""
    good = bad = 0
    for _, line in _non_ascii_lines(raw):
        if _decodes_fully(line, "utf-8"):
            good += 1
        else:
            bad += 1
    return good > bad


def decode_lines(raw: bytes, where: str) -> tuple[str, list[tuple[int, str]]]:
    """Decode mostly-UTF-8 bytes line by line, with a fallback for the lines that fail.

    Each line that is not valid UTF-8 is decoded with the encoding
    :func:`detect_encoding` finds for those lines alone (``cp1252`` or
    ``gb18030``); the others are UTF-8.

    Parameters
    ----------
    raw
        The file's bytes.
    where
        The file name used in error messages.

    Returns
    -------
    text, fallback
        The decoded text and, for each line decoded with the fallback, its 1-based
        line number and the encoding used.

    Raises
    ------
    DataError
        When a line decodes with no known encoding; the message names its line.

    Examples
    --------
    >>> raw = "a,Société\\n".encode() + "b,Société\\n".encode("cp1252")
    >>> decode_lines(raw, "x.csv")
    ('a,Société\\nb,Société\\n', [(2, 'cp1252')])
    """
    bad = [(k, line) for k, line in _non_ascii_lines(raw) if not _decodes_fully(line, "utf-8")]
    if not bad:
        return decode(raw, "utf-8", where), []
    joined = b"\n".join(line for _, line in bad)
    try:
        fallback = detect_encoding(joined)
    except DataError:
        fallback = "cp1252"
    if fallback in ("utf-8", "utf-8-sig"):
        fallback = "cp1252"
    failed = [k for k, line in bad if not _decodes_fully(line, fallback)]
    if failed:
        shown = ", ".join(str(k) for k in failed[:10])
        raise DataError(
            f"lines {shown} are neither UTF-8 (like the rest of the file) nor {fallback}",
            where=where,
            fix="save the file again as UTF-8, or pass encoding=... with its encoding",
        )
    lines = raw.split(b"\n")
    for k, _ in bad:
        lines[k - 1] = lines[k - 1].decode(fallback).encode("utf-8")
    return b"\n".join(lines).decode("utf-8"), [(k, fallback) for k, _ in bad]


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
