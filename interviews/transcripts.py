"""Transcripts → a segments frame: one row per speaker turn, with offsets into the plain text.

Readers for the transcript formats qualitative researchers receive:

* plain text with ``Speaker: text`` turns and optional ``[hh:mm:ss]`` timestamps at the start
  or end of a turn (the MAXQDA and NVivo transcript conventions; a line without a speaker
  label continues the previous turn);
* DOCX (python-docx), read in body order: ``Speaker: text`` paragraphs, paragraphs whose
  leading bold run is the speaker label, and two- or three-column tables (speaker, [time,] text);
* WebVTT with ``<v Speaker>`` voice tags (webvtt-py; W3C WebVTT, section 4.2.2): a cue without a
  voice tag keeps the previous speaker (or ``unknown`` before the first tag) and is reported;
  consecutive cues of one speaker form one turn;
* SubRip SRT (``srt``), speakers from ``<v Speaker>`` or a ``Speaker:`` prefix;
* a folder of any of these.

Every transcript gets a plain text (``source_text``): the decoded file for plain text (BOM
dropped, line ends kept), and ``Speaker: text`` lines for the other formats. ``char_start`` and
``char_end`` are Unicode code-point offsets into it (0-based, end exclusive), the positions a
REFI-QDA ``PlainTextSelection`` uses, and ``text == source_text[char_start:char_end]`` for every
segment. Problems (an empty file, cues without a voice tag, an undecodable file) are listed in
:attr:`Corpus.problems`; a file that cannot be read is skipped and the others are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

SEGMENT_COLUMNS = [
    "segment_id",
    "transcript_id",
    "participant_id",
    "speaker",
    "role",
    "turn",
    "start",
    "end",
    "text",
    "char_start",
    "char_end",
]
PROBLEM_COLUMNS = ["file", "place", "problem", "action"]
FORMATS = {".txt": "txt", ".text": "txt", ".docx": "docx", ".vtt": "vtt", ".srt": "srt"}
INTERVIEWER_LABELS = re.compile(
    r"^(interviewer|interviewers|moderator|facilitator|researcher|int|i|q)(\s*\d+)?$", re.I
)
UNKNOWN = "unknown"

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TS_START = re.compile(rf"^\s*[\[(]({_TS})[\])]\s*")
_TS_END = re.compile(rf"\s*[\[(#]({_TS})(?:-\d)?[\])#]\s*$")
_SPEAKER = re.compile(r"^\s*(?P<speaker>[^\W\d][\w.'’\- ]{0,39}?)\s*:[ \t]+(?=\S)")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class Turn:
    """One speaker turn before it becomes a row: speaker, text span and times."""

    speaker: str
    char_start: int
    char_end: int
    start: float = float("nan")
    end: float = float("nan")


@dataclass(frozen=True)
class Transcript:
    """One transcript read from a file.

    Attributes
    ----------
    transcript_id
        File stem (``P01``).
    path
        The file it was read from.
    format
        ``txt``, ``docx``, ``vtt`` or ``srt``.
    source_text
        The plain text the offsets point into.
    turns
        Speaker turns in order.
    problems
        ``(place, problem, action)`` triples.
    """

    transcript_id: str
    path: str
    format: str
    source_text: str
    turns: tuple[Turn, ...]
    problems: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Corpus:
    """Transcripts as frames: segments, plain texts and problems.

    Attributes
    ----------
    segments
        The segments frame (columns :data:`SEGMENT_COLUMNS`).
    sources
        transcript id → plain text.
    files
        transcript id → file path.
    problems
        file, place, problem, action (what was done about it).
    """

    segments: pd.DataFrame
    sources: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))

    def to_dict(self) -> dict:
        return {
            "sources": [
                {"id": k, "name": Path(self.files.get(k, k)).name, "n_chars": len(v)}
                for k, v in self.sources.items()
            ],
            "n_segments": len(self.segments),
            "problems": self.problems.to_dict(orient="records"),
        }


# -- decoding ----------------------------------------------------------------------------


def decode_text(data: bytes, path: str | Path, encoding: str | None = None) -> str:
    """Decode a text file: UTF-8 (BOM dropped), UTF-16 with BOM, or a named encoding.

    Raises
    ------
    DataError
        Naming the file, line and byte when the bytes are not valid in the encoding.
    """
    if encoding is None:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        name = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise DataError(
            f"not valid {name} text (byte {exc.start}, line {line})",
            where=path,
            fix="save the transcript as UTF-8, or name its encoding (--encoding)",
        ) from None
    except LookupError:
        raise DataError(f"unknown encoding '{encoding}'", where=path) from None


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return float(sum(float(p) * 60**i for i, p in enumerate(reversed(parts))))


# -- plain text --------------------------------------------------------------------------


def parse_plain_text(text: str, path: str = "<text>") -> tuple[list[Turn], list[tuple]]:
    """Turns of a ``Speaker: text`` transcript; offsets are code points into ``text``.

    >>> turns, _ = parse_plain_text("[00:00:05] Ann: Hello.\\nBo: Hi, Ann.\\n")
    >>> [(t.speaker, t.char_start, t.char_end, t.start) for t in turns]
    [('Ann', 16, 22, 5.0), ('Bo', 27, 35, nan)]
    """
    turns: list[Turn] = []
    problems: list[tuple] = []
    cur: dict | None = None
    pos = 0
    orphan_lines = []
    for lineno, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        begin, stop = pos, pos + len(body)
        pos += len(line)
        if not body.strip():
            continue
        start = float("nan")
        m = _TS_START.match(body)
        if m:
            start = _seconds(m.group(1))
            begin += m.end()
            body = body[m.end() :]
        m = _TS_END.search(body)
        if m and m.start() > 0:
            if np.isnan(start):
                start = _seconds(m.group(1))
            stop -= len(body) - m.start()
            body = body[: m.start()]
        sp = _SPEAKER.match(body)
        if sp:
            if cur is not None:
                turns.append(Turn(**cur))
            cur = {
                "speaker": sp.group("speaker").strip(),
                "char_start": begin + sp.end(),
                "char_end": stop,
                "start": start,
            }
        elif cur is not None:
            cur["char_end"] = stop
        else:
            orphan_lines.append(lineno)
    if cur is not None:
        turns.append(Turn(**cur))
    # trailing whitespace is not part of a turn
    turns = [_trim(t, text) for t in turns]
    if orphan_lines:
        problems.append(
            (
                f"lines {_ranges(orphan_lines)}",
                "text before the first 'Speaker:' label",
                "left out of the segments",
            )
        )
    return turns, problems


def _trim(t: Turn, text: str) -> Turn:
    piece = text[t.char_start : t.char_end]
    stripped = piece.rstrip()
    lead = len(piece) - len(piece.lstrip())
    return Turn(t.speaker, t.char_start + lead, t.char_start + len(stripped), t.start, t.end)


def _ranges(numbers: list[int]) -> str:
    out, first, last = [], numbers[0], numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == last + 1:
            last = n
            continue
        out.append(str(first) if first == last else f"{first}-{last}")
        if n is not None:
            first = last = n
    return ", ".join(out)


# -- rendered sources (docx, vtt, srt) ------------------------------------------------------


def _render(pieces: list[tuple[str, str, float, float]]) -> tuple[str, list[Turn]]:
    """Plain text ``Speaker: text`` lines for turns read from a structured format."""
    out: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for speaker, text, start, end in pieces:
        prefix = f"{speaker}: "
        line = f"{prefix}{text}\n"
        turns.append(Turn(speaker, pos + len(prefix), pos + len(prefix) + len(text), start, end))
        out.append(line)
        pos += len(line)
    return "".join(out), turns


def _merge(pieces: list[tuple[str, str, float, float]]) -> list[tuple[str, str, float, float]]:
    """Consecutive cues of one speaker become one turn."""
    merged: list[tuple[str, str, float, float]] = []
    for speaker, text, start, end in pieces:
        if merged and merged[-1][0] == speaker:
            s, t, st, _ = merged[-1]
            merged[-1] = (s, f"{t} {text}", st, end)
        else:
            merged.append((speaker, text, start, end))
    return merged


def _cue_pieces(
    cues: Iterable[tuple[str, float, float]], kind: str
) -> tuple[list[tuple[str, str, float, float]], list[tuple]]:
    """Speaker from ``<v Name>`` or ``Name:``; untagged cues keep the previous speaker."""
    pieces = []
    untagged: list[int] = []
    speaker = UNKNOWN
    for k, (raw, start, end) in enumerate(cues, start=1):
        raw = raw.strip()
        m = _VOICE.match(raw)
        if m:
            speaker = m.group(1).strip()
            raw = raw[m.end() :]
        else:
            sp = _SPEAKER.match(raw) if kind == "srt" else None
            if sp:
                speaker = sp.group("speaker").strip()
                raw = raw[sp.end() :]
            else:
                untagged.append(k)
        text = " ".join(_TAGS.sub("", raw).split())
        if text:
            pieces.append((speaker, text, start, end))
    problems = []
    if untagged:
        label = "voice tag (<v Speaker>)" if kind == "vtt" else "speaker label"
        problems.append(
            (
                f"cues {_ranges(untagged)}",
                f"{len(untagged)} cue(s) without a {label}",
                "kept the previous speaker ('unknown' before the first label)",
            )
        )
    return _merge(pieces), problems


def read_vtt(text: str, path: str = "<vtt>") -> tuple[str, list[Turn], list[tuple]]:
    """Source text, turns and problems of a WebVTT transcript (webvtt-py parses the cues)."""
    import webvtt

    try:
        captions = webvtt.from_string(text)
    except Exception as exc:  # webvtt raises its own MalformedFileError / MalformedCaptionError
        raise DataError(f"not a valid WebVTT file ({exc})", where=path) from None
    cues = [(c.raw_text, _seconds(c.start), _seconds(c.end)) for c in captions]
    pieces, problems = _cue_pieces(cues, "vtt")
    source, turns = _render(pieces)
    return source, turns, problems


def read_srt(text: str, path: str = "<srt>") -> tuple[str, list[Turn], list[tuple]]:
    """Source text, turns and problems of a SubRip transcript (``srt`` parses the cues)."""
    import srt

    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[: exc.expected_start].count("\n") + 1
        raise DataError(f"not a valid SRT file near line {line}", where=path) from None
    cues = [(s.content, s.start.total_seconds(), s.end.total_seconds()) for s in subs]
    pieces, problems = _cue_pieces(cues, "srt")
    source, turns = _render(pieces)
    return source, turns, problems


def read_docx(path: str | Path) -> tuple[str, list[Turn], list[tuple]]:
    """Source text, turns and problems of a DOCX transcript, in body order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises PackageNotFoundError, BadZipFile, KeyError
        raise DataError(f"not a readable DOCX file ({type(exc).__name__})", where=path) from None
    pieces: list[tuple[str, str, float, float]] = []
    orphans: list[int] = []
    body = document.element.body
    for k, child in enumerate(body.iterchildren(), start=1):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            found = _docx_paragraph(Paragraph(child, document))
            if found is None:
                continue
            if found[0] is None:
                if pieces:
                    s, t, st, en = pieces[-1]
                    pieces[-1] = (s, f"{t} {found[1]}", st, en)
                else:
                    orphans.append(k)
                continue
            pieces.append(found)  # type: ignore[arg-type]
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = [c.text.strip() for c in row.cells]
                if len(cells) < 2 or not cells[-1]:
                    continue
                start = float("nan")
                if len(cells) >= 3 and re.fullmatch(_TS, cells[1].strip("[]() ")):
                    start = _seconds(cells[1].strip("[]() "))
                speaker = cells[0].rstrip(":").strip() or UNKNOWN
                pieces.append((speaker, " ".join(cells[-1].split()), start, float("nan")))
    problems = []
    if orphans:
        problems.append(
            (
                f"paragraphs {_ranges(orphans)}",
                "text before the first speaker label",
                "left out of the segments",
            )
        )
    source, turns = _render(pieces)
    return source, turns, problems


def _docx_paragraph(paragraph) -> tuple[str | None, str, float, float] | None:
    """(speaker or None for a continuation, text, start, end) of one paragraph."""
    full = paragraph.text
    if not full.strip():
        return None
    start = float("nan")
    m = _TS_START.match(full)
    if m:
        start = _seconds(m.group(1))
        full = full[m.end() :]
    sp = _SPEAKER.match(full)
    if sp:
        return sp.group("speaker").strip(), " ".join(full[sp.end() :].split()), start, float("nan")
    runs = [r for r in paragraph.runs if r.text]
    bold = ""
    for r in runs:
        if r.bold:
            bold += r.text
        else:
            break
    label = bold.strip().rstrip(":").strip()
    if label and len(bold) < len(full) and len(label) <= 40:
        rest = full[full.index(bold) + len(bold) :] if bold in full else full[len(bold) :]
        return label, " ".join(rest.split()), start, float("nan")
    return None, " ".join(full.split()), start, float("nan")


# -- one file, a folder ----------------------------------------------------------------------


def read_transcript(path: str | Path, encoding: str | None = None) -> Transcript:
    """Read one transcript file (format from its extension).

    Raises
    ------
    DataError
        Unknown extension, undecodable or malformed file, or a file with no speaker turns.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"unknown transcript format '{path.suffix}'",
            where=path,
            fix=f"use one of {', '.join(sorted(FORMATS))}",
        )
    if not path.is_file():
        raise DataError("file not found", where=path)
    if fmt == "docx":
        source, turns, problems = read_docx(path)
    else:
        text = decode_text(path.read_bytes(), path, encoding)
        if fmt == "txt":
            source = text
            turns, problems = parse_plain_text(text, str(path))
        elif fmt == "vtt":
            source, turns, problems = read_vtt(text, str(path))
        else:
            source, turns, problems = read_srt(text, str(path))
    if not turns:
        raise DataError(
            "the transcript has no speaker turns"
            + (" (the file is empty)" if not source.strip() else ""),
            where=path,
            fix="write one 'Speaker: text' turn per line or paragraph",
        )
    return Transcript(path.stem, str(path), fmt, source, tuple(turns), tuple(problems))


def assign_role(speaker: str, speaker_map: Mapping[str, str] | None = None) -> str:
    """``interviewer``, ``participant`` or ``unknown`` for a speaker label.

    The speaker map wins (exact label, then case-insensitive); otherwise the usual interviewer
    labels (Interviewer, Moderator, Researcher, I, Q, Int) are interviewers and any other named
    speaker is a participant.

    >>> assign_role("Interviewer"), assign_role("Chen Jing"), assign_role("unknown")
    ('interviewer', 'participant', 'unknown')
    """
    if speaker_map:
        if speaker in speaker_map:
            return speaker_map[speaker]
        lowered = {k.lower(): v for k, v in speaker_map.items()}
        if speaker.lower() in lowered:
            return lowered[speaker.lower()]
    if speaker == UNKNOWN:
        return UNKNOWN
    return "interviewer" if INTERVIEWER_LABELS.match(speaker.strip()) else "participant"


def segments_frame(
    transcripts: Iterable[Transcript],
    speaker_map: Mapping[str, str] | None = None,
    participant_of: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The segments frame of some transcripts (columns :data:`SEGMENT_COLUMNS`).

    ``participant_of`` maps a transcript id to its participant id (default: the transcript id);
    every turn of the interview carries it, as the case the segment belongs to.
    """
    rows = []
    for t in transcripts:
        pid = (participant_of or {}).get(t.transcript_id, t.transcript_id)
        for k, turn in enumerate(t.turns):
            rows.append(
                {
                    "segment_id": f"{t.transcript_id}:{k:04d}",
                    "transcript_id": t.transcript_id,
                    "participant_id": pid,
                    "speaker": turn.speaker,
                    "role": assign_role(turn.speaker, speaker_map),
                    "turn": k,
                    "start": turn.start,
                    "end": turn.end,
                    "text": t.source_text[turn.char_start : turn.char_end],
                    "char_start": turn.char_start,
                    "char_end": turn.char_end,
                }
            )
    frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    return frame.astype(
        {"turn": "int64", "char_start": "int64", "char_end": "int64", "start": float, "end": float}
    )


def transcript_files(folder: str | Path) -> list[Path]:
    """Transcript files in a folder (not recursive), sorted by name; Office lock files skipped."""
    folder = Path(folder)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith(("~$", "."))
    )


def read_corpus(
    path: str | Path,
    speaker_map: Mapping[str, str] | None = None,
    participant_of: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Corpus:
    """Read a transcript file or a folder of them into a :class:`Corpus`.

    A file that cannot be read is listed in ``problems`` (``action`` = ``skipped``) and the
    other files are kept. A single file that cannot be read raises its :class:`DataError`.

    Raises
    ------
    DataError
        When ``path`` does not exist, a folder holds no transcript, or no file could be read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("transcript path not found", where=path)
    files = transcript_files(path) if path.is_dir() else [path]
    if not files:
        raise DataError(
            "no transcript files in the folder",
            where=path,
            fix=f"expected files ending in {', '.join(sorted(FORMATS))}",
        )
    read: list[Transcript] = []
    problems: list[dict] = []
    for f in files:
        try:
            t = read_transcript(f, encoding)
        except DataError as exc:
            if not path.is_dir():
                raise
            problems.append({"file": str(f), "place": "", "problem": exc.what, "action": "skipped"})
            continue
        read.append(t)
        problems += [
            {"file": str(f), "place": p, "problem": what, "action": action}
            for p, what, action in t.problems
        ]
    ids = [t.transcript_id for t in read]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise DataError(
            f"two transcripts share the id(s) {dupes} (file stems must be unique)", where=path
        )
    if not read:
        raise DataError(
            "no transcript could be read: " + "; ".join(p["problem"] for p in problems), where=path
        )
    return Corpus(
        segments=segments_frame(read, speaker_map, participant_of),
        sources={t.transcript_id: t.source_text for t in read},
        files={t.transcript_id: t.path for t in read},
        problems=pd.DataFrame(problems, columns=PROBLEM_COLUMNS),
    )
