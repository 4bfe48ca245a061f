"""REFI-QDA 1.5 exchange: read ``.qdpx`` projects and ``.qdc`` codebooks into plain records.

A ``.qdpx`` file is a zip archive holding one ``*.qde`` XML document (QDA-XML project schema,
namespace ``urn:QDA-XML:project:1.0``) and a ``sources/`` folder with the source files; a
``.qdc`` file is the bare codebook XML (namespace ``urn:QDA-XML:codebook:1.0``). This module
reads both into a :class:`QdaProject` (users, codes with GUIDs and hierarchy, colours and
descriptions, text sources, text selections and their codings, cases and variables, notes) and
turns it into smekit's frames; :mod:`smekit.interviews.refiqda_write` writes them back.

Reading is in :mod:`smekit.interviews.refiqda_read` (what NVivo, MAXQDA, ATLAS.ti and QualCoder
write and how each quirk is read) and :mod:`smekit.interviews.refiqda_positions` (how a tool
counted positions, detected per source). Positions here are Unicode code points, 0-based, end
exclusive, into the plain text as stored (a BOM is not part of the text; CRLF is two code
points), so a selection's text is always ``source[start:end]``. A source file that is missing
or a selection past the end of its text is listed in ``problems`` with the file and GUID, and
the rest is kept.

The model is smekit's own (stdlib dataclasses over lxml) rather than ``pyrefiqda``'s xsdata
bindings: those bind to the one standard namespace (files from tools that write another, or
none, do not parse), ``RefiProject.load`` extracts the archive to a folder in the working
directory, and the bindings carry no notion of code-point positions or missing sources.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smekit.core.errors import DataError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
GUID_NAMESPACE = uuid.UUID("5f0c2c1e-8a4b-4d7e-9a51-3c2b7f6a9e10")
ID_TAG = re.compile(r"\[smekit id: ([A-Za-z_][A-Za-z0-9_]*)\]")


def guid(*parts: object) -> str:
    """A stable GUID from a key (uuid5 in smekit's namespace), so exports are reproducible.

    >>> guid("code", "a") == guid("code", "a"), len(guid("code", "a"))
    (True, 36)
    """
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts)))


@dataclass(frozen=True)
class QdaUser:
    guid: str
    name: str


@dataclass(frozen=True)
class QdaCode:
    """A code: GUID, name, parent GUID (``None`` at the top), colour, description."""

    guid: str
    name: str
    parent: str | None = None
    color: str | None = None
    description: str | None = None
    is_codable: bool = True


@dataclass(frozen=True)
class QdaSource:
    """A text source and its plain text (``None`` when the file was missing)."""

    guid: str
    name: str
    text: str | None
    plain_text_path: str | None = None
    rich_text_path: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class QdaCoding:
    """A code applied to a selection, by a user, with an optional note (memo)."""

    guid: str
    code: str
    user: str | None = None
    memo: str | None = None


@dataclass(frozen=True)
class QdaSelection:
    """A plain-text selection: source GUID, code-point span and its codings."""

    guid: str
    source: str
    start: int
    end: int
    codings: tuple[QdaCoding, ...] = ()
    name: str | None = None
    memo: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class QdaVariable:
    guid: str
    name: str
    type: str = "Text"


@dataclass(frozen=True)
class QdaCase:
    """A case: name, the sources it covers and its variable values (variable name → value)."""

    guid: str
    name: str
    sources: tuple[str, ...] = ()
    values: tuple[tuple[str, object], ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class QdaNote:
    guid: str
    name: str
    text: str


@dataclass(frozen=True)
class QdaProject:
    """Everything smekit reads from and writes to a REFI-QDA project."""

    name: str
    users: tuple[QdaUser, ...] = ()
    codes: tuple[QdaCode, ...] = ()
    sources: tuple[QdaSource, ...] = ()
    selections: tuple[QdaSelection, ...] = ()
    variables: tuple[QdaVariable, ...] = ()
    cases: tuple[QdaCase, ...] = ()
    notes: tuple[QdaNote, ...] = ()
    problems: tuple[tuple[str, str, str], ...] = field(default=())
    origin: str | None = None
    positions: tuple[tuple[str, str, str], ...] = ()

    # -- frames ---------------------------------------------------------------------------
    def codes_frame(self) -> pd.DataFrame:
        """guid, name, parent (GUID), parent_name, color, description."""
        names = {c.guid: c.name for c in self.codes}
        return pd.DataFrame(
            [
                {
                    "guid": c.guid,
                    "name": c.name,
                    "parent": c.parent,
                    "parent_name": names.get(c.parent) if c.parent else None,
                    "color": c.color,
                    "description": c.description,
                }
                for c in self.codes
            ],
            columns=["guid", "name", "parent", "parent_name", "color", "description"],
        )

    def codings_frame(self) -> pd.DataFrame:
        """One row per coding: source (GUID), source_name, code (GUID), code_name, start, end,
        text (``source[start:end]``), coder (user name, else GUID), memo, selection."""
        users = {u.guid: u.name or u.guid for u in self.users}
        codes = {c.guid: c.name for c in self.codes}
        texts = {s.guid: s for s in self.sources}
        rows = []
        for sel in self.selections:
            src = texts.get(sel.source)
            for c in sel.codings:
                user = c.user or sel.user
                rows.append(
                    {
                        "source": sel.source,
                        "source_name": src.name if src else None,
                        "code": c.code,
                        "code_name": codes.get(c.code),
                        "start": sel.start,
                        "end": sel.end,
                        "text": src.text[sel.start : sel.end] if src and src.text else None,
                        "coder": users.get(user, user) if user else None,
                        "memo": c.memo or sel.memo,
                        "selection": sel.guid,
                    }
                )
        cols = ["source", "source_name", "code", "code_name", "start", "end", "text", "coder"]
        return pd.DataFrame(rows, columns=[*cols, "memo", "selection"])

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.problems), columns=["file", "place", "problem"])

    def to_dict(self) -> dict:
        """``sources`` (id, name, n_chars), ``codes`` (guid, name, parent), ``codings``
        (source, code, start, end, text, coder), ``problems``: the import JSON."""
        codings = self.codings_frame()
        return {
            "name": self.name,
            "sources": [
                {
                    "id": s.guid,
                    "name": s.name,
                    "n_chars": len(s.text) if s.text is not None else None,
                }
                for s in self.sources
            ],
            "codes": [{"guid": c.guid, "name": c.name, "parent": c.parent} for c in self.codes],
            "codings": codings[["source", "code", "start", "end", "text", "coder"]].to_dict(
                orient="records"
            ),
            "n_selections_without_codings": sum(1 for s in self.selections if not s.codings),
            "users": [{"guid": u.guid, "name": u.name} for u in self.users],
            "cases": [
                {"guid": c.guid, "name": c.name, "sources": list(c.sources)} for c in self.cases
            ],
            "problems": [
                dict(zip(("file", "place", "problem"), p, strict=True)) for p in self.problems
            ],
            "positions": [
                dict(zip(("source", "convention", "evidence"), p, strict=True))
                for p in self.positions
            ],
        }


# -- reading ------------------------------------------------------------------------------------


def crlf_as_one(text: str) -> list[int]:
    """Stored code-point offset of each position counted with CRLF as one character.

    >>> crlf_as_one("a\\r\\nb")
    [0, 1, 3, 4]
    """
    from smekit.interviews.refiqda_positions import crlf_as_one as _crlf

    return _crlf(text)


def read_qdpx(path: str | Path, newlines: str = "auto") -> QdaProject:
    """Read a ``.qdpx`` project (zip with a ``.qde`` and ``sources/``), or a bare ``.qde``.

    ``newlines``: how positions were counted. ``auto`` (default) detects it per source from
    the selections (names, ends, range) and reports the choice in ``positions``; or force
    ``as-stored`` (code points of the stored text, the standard), ``crlf-as-one``, ``utf16``
    or ``utf16-crlf-as-one`` for every source.

    Raises
    ------
    DataError
        Not a zip archive, no ``.qde`` inside, malformed XML or another root element.
    """
    from smekit.interviews.refiqda_read import parse_project, parse_xml

    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", where=path)
    if path.suffix.lower() == ".qde":
        return parse_project(parse_xml(path.read_bytes(), str(path)), {}, str(path), newlines)
    try:
        with zipfile.ZipFile(path) as z:
            files = {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}
    except zipfile.BadZipFile:
        raise DataError("not a zip archive (a .qdpx file is one)", where=path) from None
    qde = sorted(k for k in files if k.lower().endswith(".qde"))
    if not qde:
        raise DataError("no .qde project document in the archive", where=path)
    where = f"{path}!{qde[0]}"
    return parse_project(parse_xml(files.pop(qde[0]), where), files, where, newlines)


def read_qdc(path: str | Path) -> QdaProject:
    """Read a ``.qdc`` codebook; the result holds only codes (and sets are ignored)."""
    from smekit.interviews.refiqda_read import _codes, _kid, _local, parse_xml

    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", where=path)
    root = parse_xml(path.read_bytes(), str(path))
    if _local(root.tag) != "CodeBook":
        raise DataError(f"the root element is <{_local(root.tag)}>, not <CodeBook>", where=path)
    codes_el = _kid(root, "Codes")
    codes = tuple(_codes(codes_el)) if codes_el is not None else ()
    return QdaProject(name=path.stem, codes=codes, origin=root.get("origin"))
