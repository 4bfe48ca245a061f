"""REFI-QDA projects ↔ smekit's frames: sources, codebook, codings, cases.

:func:`to_smekit` turns a :class:`~smekit.interviews.refiqda.QdaProject` into smekit's frames
and :func:`from_smekit` builds one from them, so smekit → ``.qdpx`` → smekit loses nothing: a
code's definition, inclusion and exclusion criteria, example, keywords and construct travel in
its REFI-QDA description (with a ``[smekit id: ...]`` tag), its colour in ``color``, its
parent in the code hierarchy; coders become users, memos notes, participants cases with
variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from smekit.interviews.refiqda import (
    ID_TAG,
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

DOCUMENT_SUFFIXES = {
    ".txt",
    ".docx",
    ".doc",
    ".pdf",
    ".rtf",
    ".odt",
    ".md",
    ".html",
    ".vtt",
    ".srt",
}

# -- codebook text <-> description ---------------------------------------------------------------


def describe(code) -> str:
    """A code's REFI-QDA description: definition, include, exclude, example, smekit id."""
    parts = [code.definition.strip()]
    if code.include:
        parts.append("Include:\n" + "\n".join(f"- {x}" for x in code.include))
    if code.exclude:
        parts.append("Exclude:\n" + "\n".join(f"- {x}" for x in code.exclude))
    if code.example:
        parts.append(f"Example: {code.example.strip()}")
    if code.keywords:
        parts.append("Keywords: " + "; ".join(code.keywords))
    if code.construct_id:
        parts.append(f"Construct: {code.construct_id}")
    parts.append(f"[smekit id: {code.id}]")
    return "\n\n".join(p for p in parts if p)


def parse_description(text: str | None) -> dict:
    """Fields of a description written by :func:`describe` (a plain description → definition)."""
    text = text or ""
    out: dict = {"definition": "", "include": [], "exclude": [], "example": "", "keywords": []}
    m = ID_TAG.search(text)
    out["id"] = m.group(1) if m else None
    text = ID_TAG.sub("", text).strip()
    blocks = re.split(r"\n\s*\n", text) if text else []
    rest = []
    for b in blocks:
        head, _, body = b.partition("\n")
        if head.strip() in ("Include:", "Exclude:"):
            key = head.strip()[:-1].lower()
            out[key] = [
                ln.strip()[2:].strip() for ln in body.splitlines() if ln.strip().startswith("- ")
            ]
        elif b.startswith("Example: "):
            out["example"] = b[len("Example: ") :].strip()
        elif b.startswith("Keywords: "):
            out["keywords"] = [k.strip() for k in b[len("Keywords: ") :].split(";") if k.strip()]
        elif b.startswith("Construct: "):
            out["construct"] = b[len("Construct: ") :].strip()
        else:
            rest.append(b)
    out["definition"] = "\n\n".join(rest)
    return out


def slug(name: str, taken: set[str]) -> str:
    """An identifier from a code name, unique among ``taken``.

    >>> slug("Digital tools: cloud & ERP", set()), slug("1st code", {"c_1st_code"})
    ('digital_tools_cloud_erp', 'c_1st_code_2')
    """
    base = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()[:56] or "code"
    if not re.match(r"[A-Za-z_]", base):
        base = f"c_{base}"
    cand, k = base, 2
    while cand in taken:
        cand, k = f"{base}_{k}", k + 1
    return cand


def selection_name(text: str, width: int = 40) -> str | None:
    """A selection's name as MAXQDA and ATLAS.ti write it: its first characters.

    Importers (smekit's among them) use it to tell how positions were counted.

    >>> selection_name("We moved  to cloud accounting in 2020 and never looked back.")
    'We moved to cloud accounting in 2020 and...'
    """
    flat = " ".join(text.split())
    if not flat:
        return None
    return flat if len(flat) <= width else flat[:width].rstrip() + "..."


# -- a project → smekit's frames -----------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """A REFI-QDA project as smekit's frames.

    Attributes
    ----------
    sources
        transcript id → plain text (id: the source name without extension, made unique).
    codebook
        A :class:`~smekit.interviews.codebook.Codebook` (``None`` without codes).
    codings
        The codings frame (code = codebook code id, coder = user name).
    cases
        One row per case: case, transcript_id, then one column per variable.
    problems
        file, place, problem.
    source_ids
        source GUID → transcript id.
    """

    sources: dict[str, str]
    codebook: object | None
    codings: pd.DataFrame
    cases: pd.DataFrame
    problems: pd.DataFrame
    source_ids: dict[str, str]


def codebook_from_codes(codes, name: str = "imported"):
    """A smekit codebook from REFI-QDA codes (ids from ``[smekit id: ...]`` or the names)."""
    from smekit.interviews.codebook import Code, Codebook

    if not codes:
        return None, {}
    taken: set[str] = set()
    ids: dict[str, str] = {}
    fields: dict[str, dict] = {}
    for c in codes:
        f = parse_description(c.description)
        cid = f["id"] if f["id"] and f["id"] not in taken else slug(c.name, taken)
        taken.add(cid)
        ids[c.guid] = cid
        fields[c.guid] = f
    out = []
    for c in codes:
        f = fields[c.guid]
        color = c.color
        if color and re.fullmatch(r"#[0-9A-Fa-f]{3}", color):
            color = "#" + "".join(ch * 2 for ch in color[1:])
        out.append(
            Code(
                id=ids[c.guid],
                name=c.name or ids[c.guid],
                definition=f["definition"],
                include=f["include"],
                exclude=f["exclude"],
                example=f["example"],
                keywords=f["keywords"],
                parent=ids.get(c.parent) if c.parent else None,
                colour=color.upper() if color else None,
                construct=f.get("construct"),
            )
        )
    book = Codebook(kind="codebook", id=slug(name, set()), title=name or "imported", codes=out)
    return book, ids


def to_smekit(project: QdaProject) -> Imported:
    """Sources, codebook, codings and cases of a project in smekit's frames."""
    from smekit.interviews.codings import CODING_COLUMNS

    taken: set[str] = set()
    source_ids: dict[str, str] = {}
    for s in project.sources:
        path = PurePosixPath(s.name)
        stem = path.stem if path.suffix.lower() in DOCUMENT_SUFFIXES else s.name
        sid = stem if stem and stem not in taken else slug(stem or s.guid, taken)
        taken.add(sid)
        source_ids[s.guid] = sid
    sources = {source_ids[s.guid]: s.text for s in project.sources if s.text is not None}
    book, code_ids = codebook_from_codes(project.codes, project.name)
    users = {u.guid: u.name or u.guid for u in project.users}
    rows = []
    for sel in project.selections:
        for c in sel.codings:
            user = c.user or sel.user
            rows.append(
                {
                    "segment_id": None,
                    "transcript_id": source_ids[sel.source],
                    "start": sel.start,
                    "end": sel.end,
                    "code": code_ids[c.code],
                    "coder": users.get(user, user) if user else "unknown",
                    "memo": c.memo or sel.memo,
                }
            )
    codings = pd.DataFrame(rows, columns=CODING_COLUMNS).astype({"start": "int64", "end": "int64"})
    case_rows = []
    for case in project.cases:
        for src in case.sources or (None,):
            case_rows.append(
                {
                    "case": case.name,
                    "transcript_id": source_ids.get(src) if src else None,
                    **dict(case.values),
                }
            )
    return Imported(
        sources=sources,
        codebook=book,
        codings=codings,
        cases=pd.DataFrame(case_rows),
        problems=project.problems_frame(),
        source_ids=source_ids,
    )


def from_smekit(
    sources: Mapping[str, str],
    codebook=None,
    codings: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    name: str = "smekit project",
) -> QdaProject:
    """A REFI-QDA project from smekit's frames.

    Parameters
    ----------
    sources
        transcript id → plain text.
    codebook
        A :class:`~smekit.interviews.codebook.Codebook`; codes used in ``codings`` but not in it
        are added as top-level codes.
    codings
        The codings frame (``memo`` becomes a note on the coding).
    cases
        A participant sheet: ``participant_id`` and a ``transcript_id`` (or ``transcript_file``)
        column; every other column becomes a text variable of the case.
    name
        Project name.
    """
    codes: list[QdaCode] = []
    code_guid: dict[str, str] = {}
    if codebook is not None:
        for c in codebook.codes:
            code_guid[c.id] = guid("code", c.id)
        for c in codebook.codes:
            codes.append(
                QdaCode(
                    guid=code_guid[c.id],
                    name=c.name,
                    parent=code_guid[c.parent] if c.parent else None,
                    color=c.colour,
                    description=describe(c),
                )
            )
    codings = codings if codings is not None else pd.DataFrame(columns=["code", "coder"])
    for cid in sorted(set(codings["code"]) - set(code_guid)):
        code_guid[cid] = guid("code", cid)
        codes.append(QdaCode(code_guid[cid], cid, description=f"[smekit id: {cid}]"))
    users = [QdaUser(guid("user", u), str(u)) for u in sorted(set(codings["coder"].astype(str)))]
    user_guid = {u.name: u.guid for u in users}
    src = [
        QdaSource(
            guid("source", tid), tid, text, plain_text_path=f"internal://{guid('source', tid)}.txt"
        )
        for tid, text in sorted(sources.items())
    ]
    notes: list[QdaNote] = []
    selections: list[QdaSelection] = []
    grouped = codings.groupby(["transcript_id", "start", "end"], sort=True) if len(codings) else []
    for (tid, a, b), g in grouped:
        sel_guid = guid("selection", tid, int(a), int(b))
        items = []
        for r in g.sort_values(["code", "coder"]).itertuples(index=False):
            cg = guid("coding", tid, int(a), int(b), r.code, r.coder)
            memo = getattr(r, "memo", None)
            if memo is not None and not (isinstance(memo, float) and memo != memo) and str(memo):
                notes.append(QdaNote(guid("note", cg), f"Memo {r.coder}", str(memo)))
            items.append(
                QdaCoding(cg, code_guid[r.code], user_guid[str(r.coder)], memo if memo else None)
            )
        label = selection_name(sources.get(tid, "")[int(a) : int(b)])
        selections.append(
            QdaSelection(sel_guid, guid("source", tid), int(a), int(b), tuple(items), label)
        )
    variables: list[QdaVariable] = []
    qcases: list[QdaCase] = []
    if cases is not None and len(cases):
        link = "transcript_id" if "transcript_id" in cases.columns else "transcript_file"
        attrs = [
            c
            for c in cases.columns
            if c not in ("participant_id", "transcript_id", "transcript_file")
        ]
        variables = [QdaVariable(guid("variable", a), a, "Text") for a in attrs]
        for r in cases.to_dict(orient="records"):
            tid = r.get(link)
            if tid and link == "transcript_file":
                tid = PurePosixPath(str(tid)).stem
            refs = (guid("source", tid),) if tid in sources else ()
            values = tuple((a, None if pd.isna(r[a]) else str(r[a])) for a in attrs)
            qcases.append(
                QdaCase(guid("case", r["participant_id"]), str(r["participant_id"]), refs, values)
            )
    return QdaProject(
        name=name,
        users=tuple(users),
        codes=tuple(codes),
        sources=tuple(src),
        selections=tuple(selections),
        variables=tuple(variables),
        cases=tuple(qcases),
        notes=tuple(notes),
        origin="smekit",
    )
