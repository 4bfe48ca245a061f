"""How a REFI-QDA tool counted its selection positions, detected from the data.

The standard says positions are Unicode code points, 0-based, end exclusive, into the plain
text as stored. Tools differ in two ways: some count a CRLF line end as one character (the
Windows text controls; ATLAS.ti is known to), and some count UTF-16 code units (.NET and Qt
strings), so a character outside the Basic Multilingual Plane (most emoji) counts as two.
A convention maps a tool position to a code-point offset of the stored text; where more than
one convention is possible for a source, :func:`choose_convention` picks the one the data
support: selection names (tools store the selection's first characters there), selections
that end exactly at the end of the text, and positions that stay inside the text.
"""

from __future__ import annotations

import re

CONVENTIONS = ("as-stored", "crlf-as-one", "utf16", "utf16-crlf-as-one")
_LABEL = {
    "as-stored": "code points of the stored text (the standard)",
    "crlf-as-one": "code points with CRLF counted as one character",
    "utf16": "UTF-16 code units",
    "utf16-crlf-as-one": "UTF-16 code units with CRLF counted as one character",
}


def position_map(text: str, convention: str) -> list[int | None] | None:
    """Stored code-point offset of each tool position (``None`` for the identity).

    A position inside a UTF-16 surrogate pair maps to ``None`` (no such position exists).

    >>> position_map("a\\r\\nb", "crlf-as-one")
    [0, 1, 3, 4]
    >>> position_map("a😀b", "utf16")
    [0, 1, None, 2, 3]
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown position convention '{convention}'")
    if convention == "as-stored":
        return None
    one = convention.endswith("crlf-as-one")
    utf16 = convention.startswith("utf16")
    out: list[int | None] = []
    for i, ch in enumerate(text):
        if one and ch == "\n" and text[i - 1 : i] == "\r":
            continue
        out.append(i)
        if utf16 and ord(ch) > 0xFFFF:
            out.append(None)
    out.append(len(text))
    return out


def crlf_as_one(text: str) -> list[int]:
    """Stored code-point offset of each position counted with CRLF as one character.

    >>> crlf_as_one("a\\r\\nb")
    [0, 1, 3, 4]
    """
    return [p for p in position_map(text, "crlf-as-one") if p is not None]


def candidates(text: str) -> list[str]:
    """Conventions that give different offsets on this text (``as-stored`` first)."""
    crlf = "\r\n" in text
    wide = any(ord(ch) > 0xFFFF for ch in text)
    out = ["as-stored"]
    if crlf:
        out.append("crlf-as-one")
    if wide:
        out.append("utf16")
    if crlf and wide:
        out.append("utf16-crlf-as-one")
    return out


def convert(mapping: list[int | None] | None, text: str, a: int, b: int):
    """``(start, end)`` in code points, or ``None`` when the span is not inside the text."""
    if mapping is None:
        return (a, b) if 0 <= a <= b <= len(text) else None
    if not (0 <= a <= b < len(mapping)):
        return None
    sa, sb = mapping[a], mapping[b]
    return None if sa is None or sb is None else (sa, sb)


def _name_score(name: str | None, piece: str) -> int:
    """3 when a selection name is its text, 2 when it is the start of its text as it stands,
    1 when it is after trimming the text's outer white space, 0 when it is not (or the name
    says nothing)."""
    if not name:
        return 0
    inner = re.sub(r"\s+", " ", piece)
    full = " ".join(name.split())
    if len(full) >= 3 and inner == full:
        return 3
    stem = full.rstrip(".…").rstrip()
    if len(stem) < 3:
        return 0
    if inner.startswith(stem) or (inner and stem.startswith(inner)):
        return 2
    flat = inner.strip()
    return int(bool(flat) and (flat.startswith(stem) or stem.startswith(flat)))


def choose_convention(
    text: str, spans: list[tuple[int, int, str | None]], hint: str | None = None
) -> tuple[str, str]:
    """The convention the selections of one source were counted in, and the evidence.

    Each candidate is scored by selection names that match their text, then selections inside
    the text, then ``hint`` (how the exporting tool is known to count), then selections ending
    exactly at the end of the text; remaining ties go to the standard.

    >>> text = "Q: Why?\\r\\nA: Costs rose.\\r\\n"
    >>> choose_convention(text, [(11, 22, "Costs rose.")])[0]
    'crlf-as-one'
    >>> choose_convention(text, [(12, 23, "Costs rose.")])[0]
    'as-stored'
    """
    options = candidates(text)
    if len(options) == 1 or not spans:
        return "as-stored", "no ambiguity"
    scores = {}
    for conv in options:
        mapping = position_map(text, conv)
        named = at_end = inside = 0
        for a, b, name in spans:
            span = convert(mapping, text, a, b)
            if span is None:
                continue
            inside += 1
            at_end += span[1] == len(text)
            named += _name_score(name, text[span[0] : span[1]])
        scores[conv] = (named, inside, conv == hint, at_end, conv == "as-stored")
    best = max(options, key=lambda c: scores[c])
    named, inside, _, at_end, _ = scores[best]
    evidence = {c: (scores[c][0], scores[c][1], scores[c][3]) for c in options}
    if all(evidence[c] == evidence[best] for c in options):
        why = "the selections fit every convention" + (
            f"; the exporting tool's convention was used ({_LABEL[best]})"
            if best == hint
            else "; the standard was used"
        )
    else:
        why = (
            f"name score {named} for {len(spans)} selections, {at_end} end at the text's end, "
            f"{inside} of {len(spans)} inside the text"
        )
    return best, f"positions read as {_LABEL[best]}: {why}"
