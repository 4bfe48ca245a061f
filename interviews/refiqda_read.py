"""Parse a REFI-QDA project document (and the archive's files) into a :class:`QdaProject`.

What the four tools write, and how it is read (each quirk is exercised in
``tests/interviews/test_refiqda_tools.py``, which cites its source):

- element names are matched by local name, so any project namespace (``1.0``, ``1.5``) or none;
- GUIDs with or without braces and in either case: references are resolved case-insensitively;
- ``plainTextPath`` as ``internal://NAME``, ``relative://NAME``, ``absolute://PATH`` or a bare
  name, looked up in the archive (``sources/`` or ``Sources/``) by name;
- plain-text files with a UTF-8 BOM, or UTF-16 with a BOM (the BOM is not part of the text);
- ``PDFSource`` elements whose ``Representation`` holds the plain text and the selections;
- DOCX sources with only a ``richTextPath`` (paragraphs joined by line feeds, reported);
- the user of a selection or coding from ``creatingUser``, else ``modifyingUser``;
- a ``Description`` inside a selection (a memo) and notes linked by ``NoteRef`` or by a
  ``Link`` between note and selection, with the note's text inline (``PlainTextContent``) or
  in a file (``plainTextPath``);
- selections without codings (kept, not turned into codings); codings placed on a source;
- codings that point at a case instead of a code, and codings on picture, audio or video
  sources: reported, with their GUIDs, and left out;
- positions counted as the standard says, with CRLF as one character, or in UTF-16 code
  units: detected per source (:mod:`smekit.interviews.refiqda_positions`) and reported.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from smekit.core.errors import DataError
from smekit.interviews.refiqda import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    QdaVariable,
    guid,
)
from smekit.interviews.refiqda_positions import CONVENTIONS, choose_convention, convert
from smekit.interviews.refiqda_positions import position_map as _position_map

RULES = ("auto", *CONVENTIONS)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def _kid(el, name: str):
    found = _kids(el, name)
    return found[0] if found else None


def _text(el, name: str) -> str | None:
    k = _kid(el, name) if el is not None else None
    return k.text if k is not None and k.text is not None else None


def key(g: str | None) -> str | None:
    """A GUID as a lookup key: braces and surrounding space removed, lower case.

    >>> key("{C0A1B2C3-0000-0000-0000-00000000000A}")
    'c0a1b2c3-0000-0000-0000-00000000000a'
    """
    return g.strip().strip("{}").strip().lower() if g else g


def _gid(el) -> str | None:
    g = el.get("guid")
    return g.strip().strip("{}").strip() if g else g


def parse_xml(data: bytes, where: str):
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"not well-formed XML: {exc}", where=where) from None


def decode(data: bytes) -> str:
    """Text of a source file: UTF-16 with a BOM, else UTF-8 (a UTF-8 BOM is dropped)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _docx_text(data: bytes) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def source_file(files: dict[str, bytes], path: str | None) -> bytes | None:
    """The archive member a source path names (any scheme; looked up by name as a fallback)."""
    if not path:
        return None
    rel = path
    for scheme in ("internal://", "relative://", "absolute://", "file://"):
        if rel.lower().startswith(scheme):
            rel = rel[len(scheme) :]
            break
    rel = rel.replace("\\", "/").lstrip("/")
    lower = {k.lower(): v for k, v in files.items()}
    for c in (rel, f"sources/{rel}"):
        if c.lower() in lower:
            return lower[c.lower()]
    name = PurePosixPath(rel).name.lower()
    for k, v in files.items():
        if PurePosixPath(k).name.lower() == name:
            return v
    return None


def _user(el) -> str | None:
    return key(el.get("creatingUser") or el.get("modifyingUser"))


def _codes(el, parent: str | None = None) -> list[QdaCode]:
    out = []
    for c in _kids(el, "Code"):
        g = _gid(c)
        color = (c.get("color") or "").strip() or None
        out.append(
            QdaCode(
                guid=g,
                name=c.get("name", ""),
                parent=parent,
                color=color,
                description=_text(c, "Description"),
                is_codable=c.get("isCodable", "true").strip().lower() != "false",
            )
        )
        out += _codes(c, g)
    return out


def tool_convention(origin: str | None) -> str | None:
    """How the exporting tool (the project's ``origin``) is known to count positions.

    ATLAS.ti counts a CRLF as one character; NVivo counts it as two, as stored; QualCoder and
    smekit write code points of the stored text (QualCoder's ``refi.py``, ``load_text_source``).

    >>> tool_convention("ATLAS.ti 23.2.1"), tool_convention("NVivo 14"), tool_convention("X")
    ('crlf-as-one', 'as-stored', None)
    """
    o = (origin or "").lower()
    if "atlas" in o:
        return "crlf-as-one"
    if any(t in o for t in ("nvivo", "qualcoder", "smekit")):
        return "as-stored"
    return None


class _Reader:
    """One pass over a project document; collects problems as it goes."""

    def __init__(self, root, files: dict[str, bytes], where: str, rule: str):
        self.root, self.files, self.where, self.rule = root, files, where, rule
        self.problems: list[tuple[str, str, str]] = []
        self.positions: list[tuple[str, str, str]] = []
        self.hint = tool_convention(root.get("origin"))

    def problem(self, place: str, what: str) -> None:
        self.problems.append((self.where, place, what))

    def notes(self) -> dict[str, QdaNote]:
        out = {}
        for n in _kids(_kid(self.root, "Notes"), "Note"):
            text = _text(n, "PlainTextContent")
            path = n.get("plainTextPath")
            if text is None and path:
                data = source_file(self.files, path)
                if data is None:
                    self.problem(f"note {_gid(n)} ({path})", "note file missing from the archive")
                else:
                    text = decode(data)
            out[key(_gid(n))] = QdaNote(_gid(n), n.get("name", ""), text or "")
        self.note_of = out
        # NVivo ties an annotation to its selection with a Link from the note (QualCoder
        # refi.py, load_codings_for_text)
        self.linked: dict[str, list[str]] = {}
        for ln in _kids(_kid(self.root, "Links"), "Link"):
            o, t = key(ln.get("originGUID")), key(ln.get("targetGUID"))
            if o in out and t:
                self.linked.setdefault(t, []).append(out[o].text)
            elif t in out and o:
                self.linked.setdefault(o, []).append(out[t].text)
        return out

    def memo(self, el) -> str | None:
        texts = [
            self.note_of[key(r.get("targetGUID"))].text
            for r in _kids(el, "NoteRef")
            if key(r.get("targetGUID")) in self.note_of
        ]
        texts += self.linked.get(key(_gid(el)), [])
        desc = _text(el, "Description")
        if desc and desc.strip():
            texts.insert(0, desc.strip())
        return "\n\n".join(texts) if texts else None

    def codings(self, el) -> tuple[QdaCoding, ...]:
        out = []
        for c in _kids(el, "Coding"):
            ref = _kid(c, "CodeRef")
            if ref is None or not ref.get("targetGUID"):
                self.problem(f"coding {_gid(c)}", "coding without a CodeRef; left out")
                continue
            out.append(QdaCoding(_gid(c), key(ref.get("targetGUID")), _user(c), self.memo(c)))
        return tuple(out)

    def text_of(self, s, name: str) -> str | None:
        text = _text(s, "PlainTextContent")
        plain, rich = s.get("plainTextPath"), s.get("richTextPath")
        if text is None and plain:
            data = source_file(self.files, plain)
            if data is None:
                self.problem(f"source '{name}' ({plain})", "source file missing from the archive")
            else:
                try:
                    text = decode(data)
                except UnicodeDecodeError:
                    self.problem(
                        f"source '{name}' ({plain})",
                        "plain text is neither UTF-8 nor UTF-16 with a BOM; source left "
                        "without text",
                    )
        if text is None and rich and not plain:
            data = source_file(self.files, rich)
            if data is None:
                self.problem(f"source '{name}' ({rich})", "source file missing from the archive")
            elif rich.lower().endswith(".docx"):
                text = _docx_text(data)
                self.problem(
                    f"source '{name}' ({rich})",
                    "no plain-text file: text taken from the DOCX paragraphs, so positions may "
                    "not match the tool's",
                )
            else:
                self.problem(
                    f"source '{name}' ({rich})",
                    "no plain-text file and the rich text is not DOCX; source left without text",
                )
        return text

    def source(self, s, name: str, owner_guid: str, sources: list, selections: list) -> None:
        text = self.text_of(s, name)
        sources.append(
            QdaSource(
                owner_guid,
                name,
                text,
                s.get("plainTextPath"),
                s.get("richTextPath"),
                _text(s, "Description"),
            )
        )
        raw = []
        # a transcript's selections run between sync points holding character positions
        sync = {key(p.get("guid")): p.get("position") for p in _kids(s, "SyncPoint")}
        for sel in _kids(s, "PlainTextSelection") + _kids(s, "TranscriptSelection"):
            ends = (sel.get("startPosition"), sel.get("endPosition"))
            if _local(sel.tag) == "TranscriptSelection":
                ends = (
                    sync.get(key(sel.get("fromSyncPoint"))),
                    sync.get(key(sel.get("toSyncPoint"))),
                )
            try:
                a, b = int(ends[0]), int(ends[1])
            except (TypeError, ValueError):
                self.problem(
                    f"selection {_gid(sel)} in '{name}'",
                    "positions are not whole numbers; left out",
                )
                continue
            raw.append((sel, a, b))
        if text is None:
            for sel, a, b in raw:
                self.problem(
                    f"selection {_gid(sel)} in '{name}' [{a}:{b}]",
                    "its source has no text; left out",
                )
            raw = []
        rule = self.rule
        if rule == "auto":
            spans = [(a, b, sel.get("name")) for sel, a, b in raw]
            rule, why = choose_convention(text, spans, self.hint) if raw else ("as-stored", "")
            if why and why != "no ambiguity":
                self.positions.append((f"source '{name}' ({owner_guid})", rule, why))
                if rule != "as-stored" or ("fit every" in why and self.hint is None):
                    self.problem(f"source '{name}' ({owner_guid})", why)
        mapping = _position_map(text, rule) if text is not None else None
        for sel, a, b in raw:
            span = convert(mapping, text, a, b)
            if span is None:
                n = len(mapping) - 1 if mapping is not None else len(text)
                self.problem(
                    f"selection {_gid(sel)} in '{name}' [{a}:{b}]",
                    f"positions run past the text ({n} characters) or split a character; left out",
                )
                continue
            selections.append(
                QdaSelection(
                    _gid(sel),
                    owner_guid,
                    span[0],
                    span[1],
                    self.codings(sel),
                    sel.get("name"),
                    self.memo(sel),
                    _user(sel),
                )
            )
        whole = self.codings(s)
        if whole and text is not None:
            selections.append(
                QdaSelection(guid("whole", owner_guid), owner_guid, 0, len(text), whole, name)
            )

    def sources(self) -> tuple[list[QdaSource], list[QdaSelection]]:
        sources: list[QdaSource] = []
        selections: list[QdaSelection] = []
        for s in list(_kid(self.root, "Sources") if _kid(self.root, "Sources") is not None else []):
            kind = _local(s.tag)
            g, name = _gid(s), s.get("name") or _gid(s)
            if kind == "TextSource":
                self.source(s, name, g, sources, selections)
            elif kind == "PDFSource" and _kid(s, "Representation") is not None:
                self.source(_kid(s, "Representation"), name, g, sources, selections)
                self.problem(f"PDFSource '{name}' ({g})", "read as its plain-text representation")
            elif kind in ("AudioSource", "VideoSource") and _kids(s, "Transcript"):
                for t in _kids(s, "Transcript"):
                    tname = t.get("name") or f"{name} transcript"
                    self.source(t, tname, _gid(t), sources, selections)
                n = sum(len(_kids(sel, "Coding")) for sel in s if _local(sel.tag) != "Transcript")
                if n:
                    self.problem(
                        f"{kind} '{name}' ({g})",
                        f"its transcripts are read as text; {n} codings on the media left out",
                    )
            elif kind:
                n = sum(len(_kids(sel, "Coding")) for sel in s) + len(_kids(s, "Coding"))
                self.problem(
                    f"{kind} '{name}' ({g})",
                    f"{kind} is not a text source; left out with its {n} codings",
                )
        return sources, selections


def parse_project(root, files: dict[str, bytes], where: str, newlines: str = "auto") -> QdaProject:
    """A :class:`QdaProject` from a parsed project element and the archive's other files.

    ``newlines`` says how positions were counted: ``auto`` (default: detected per source and
    reported in ``positions`` and ``problems``), or one of
    :data:`~smekit.interviews.refiqda_positions.CONVENTIONS` for every source.
    """
    if newlines not in RULES:
        raise DataError(f"unknown position rule '{newlines}'", fix=" or ".join(RULES))
    if _local(root.tag) != "Project":
        raise DataError(f"the root element is <{_local(root.tag)}>, not <Project>", where=where)
    r = _Reader(root, files, where, newlines)
    notes = r.notes()
    users = tuple(
        QdaUser(key(_gid(u)), u.get("name") or u.get("id") or "")
        for u in _kids(_kid(root, "Users"), "User")
    )
    codes = tuple(_codes(_kid(_kid(root, "CodeBook"), "Codes")))
    code_of = {key(c.guid): c.guid for c in codes}
    sources, selections = r.sources()
    variables = tuple(
        QdaVariable(_gid(v), v.get("name", ""), v.get("typeOfVariable", "Text"))
        for v in _kids(_kid(root, "Variables"), "Variable")
    )
    var_names = {key(v.guid): v.name for v in variables}
    source_of = {key(s.guid): s.guid for s in sources}
    cases = []
    for c in _kids(_kid(root, "Cases"), "Case"):
        values = []
        for vv in _kids(c, "VariableValue"):
            ref = _kid(vv, "VariableRef")
            if ref is None:
                continue
            t = ref.get("targetGUID")
            val = next((k.text for k in vv if _local(k.tag).endswith("Value")), None)
            values.append((var_names.get(key(t), t), val.strip() if isinstance(val, str) else val))
        refs = tuple(
            source_of.get(key(x.get("targetGUID")), x.get("targetGUID"))
            for x in _kids(c, "SourceRef")
        )
        cases.append(
            QdaCase(_gid(c), c.get("name", ""), refs, tuple(values), _text(c, "Description"))
        )
    case_keys = {key(c.guid) for c in cases}
    kept = []
    for s in selections:
        good = []
        for c in s.codings:
            if c.code in code_of:
                good.append(QdaCoding(c.guid, code_of[c.code], c.user, c.memo))
            elif c.code in case_keys:
                r.problem(
                    f"coding {c.guid} in selection {s.guid}",
                    f"codes the selection with case {c.code}, not a code; left out",
                )
            else:
                r.problem(
                    f"coding {c.guid} in selection {s.guid}",
                    f"refers to code {c.code}, which is not in the codebook; left out",
                )
        kept.append(
            QdaSelection(s.guid, s.source, s.start, s.end, tuple(good), s.name, s.memo, s.user)
        )
    return QdaProject(
        name=root.get("name", ""),
        users=users,
        codes=codes,
        sources=tuple(sources),
        selections=tuple(kept),
        variables=variables,
        cases=tuple(cases),
        notes=tuple(notes.values()),
        problems=tuple(r.problems),
        origin=root.get("origin"),
        positions=tuple(r.positions),
    )
