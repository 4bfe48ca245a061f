"""Write REFI-QDA ``.qdpx`` projects and ``.qdc`` codebooks, validated against the REFI schema.

Every project document is checked with lxml against the QDA-XML project schema
(``schemas/Project.xsd``, REFI, MIT licence) before anything is written; a document that does
not validate is an error, not a file. A ``.qdc`` codebook uses the codebook namespace; its
``<Codes>`` tree has the project schema's ``CodeBookType``, and is validated as such (the
separate codebook schema is not shipped here).

Text sources go into the archive as ``sources/<guid>.txt`` (UTF-8, no BOM), referenced as
``plainTextPath="internal://<guid>.txt"``: a file, not ``PlainTextContent``, because XML
parsers turn CRLF into LF inside elements and the positions would shift. Zip entries carry a
fixed timestamp and GUIDs are derived from the content, so the same project gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

from smekit.core.errors import DataError
from smekit.interviews.refiqda import CODEBOOK_NS, PROJECT_NS, QdaCode, QdaProject

ZIP_TIMESTAMP = (2024, 2, 29, 12, 0, 0)
PROJECT_FILE = "project.qde"


@lru_cache(maxsize=1)
def project_schema():
    """The compiled QDA-XML project schema (lxml ``XMLSchema``)."""
    from lxml import etree

    data = resources.files("smekit.interviews").joinpath("schemas/Project.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(data))


def schema_errors(root) -> list[str]:
    """Schema violations of a project element (empty when it validates)."""
    schema = project_schema()
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _el(parent, tag: str, ns: str = PROJECT_NS, **attrs):
    from lxml import etree

    el = etree.SubElement(parent, f"{{{ns}}}{tag}")
    for k, v in attrs.items():
        if v is not None:
            el.set(k, str(v))
    return el


def _codes_xml(parent, codes: tuple[QdaCode, ...], ns: str) -> None:
    by_parent: dict[str | None, list[QdaCode]] = {}
    for c in codes:
        by_parent.setdefault(c.parent, []).append(c)
    known = {c.guid for c in codes}
    roots = [c for c in codes if c.parent is None or c.parent not in known]

    def add(into, code: QdaCode, seen: set[str]) -> None:
        el = _el(
            into,
            "Code",
            ns,
            guid=code.guid,
            name=code.name,
            isCodable=str(code.is_codable).lower(),
            color=code.color,
        )
        if code.description:
            _el(el, "Description", ns).text = code.description
        for child in by_parent.get(code.guid, []):
            if child.guid not in seen:
                add(el, child, seen | {child.guid})

    codes_el = _el(parent, "Codes", ns)
    for c in roots:
        add(codes_el, c, {c.guid})


def project_xml(project: QdaProject):
    """The ``<Project>`` element of a project (not yet validated)."""
    from lxml import etree

    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS})
    root.set("name", project.name or "project")
    root.set("origin", project.origin or "smekit")
    if project.users:
        users = _el(root, "Users")
        for u in project.users:
            _el(users, "User", guid=u.guid, name=u.name)
    if project.codes:
        _codes_xml(_el(root, "CodeBook"), project.codes, PROJECT_NS)
    if project.variables:
        vs = _el(root, "Variables")
        for v in project.variables:
            _el(vs, "Variable", guid=v.guid, name=v.name, typeOfVariable=v.type)
    var_guid = {v.name: v.guid for v in project.variables}
    if project.cases:
        cs = _el(root, "Cases")
        for c in project.cases:
            ce = _el(cs, "Case", guid=c.guid, name=c.name)
            if c.description:
                _el(ce, "Description").text = c.description
            for name, value in c.values:
                if value is None or name not in var_guid:
                    continue
                vv = _el(ce, "VariableValue")
                _el(vv, "VariableRef", targetGUID=var_guid[name])
                _el(vv, "TextValue").text = str(value)
            for s in c.sources:
                _el(ce, "SourceRef", targetGUID=s)
    notes = {n.guid: n for n in project.notes}
    note_of: dict[str, str] = {}
    from smekit.interviews.refiqda import guid as _guid

    for sel in project.selections:
        for c in sel.codings:
            g = _guid("note", c.guid)
            if c.memo and g in notes:
                note_of[c.guid] = g
    if project.sources:
        ss = _el(root, "Sources")
        by_source: dict[str, list] = {}
        for sel in project.selections:
            by_source.setdefault(sel.source, []).append(sel)
        for s in project.sources:
            se = _el(
                ss,
                "TextSource",
                guid=s.guid,
                name=s.name,
                plainTextPath=s.plain_text_path or f"internal://{s.guid}.txt",
            )
            if s.description:
                _el(se, "Description").text = s.description
            for sel in sorted(by_source.get(s.guid, []), key=lambda x: (x.start, x.end, x.guid)):
                pe = _el(
                    se,
                    "PlainTextSelection",
                    guid=sel.guid,
                    name=sel.name,
                    startPosition=sel.start,
                    endPosition=sel.end,
                    creatingUser=sel.user,
                )
                for c in sel.codings:
                    ce = _el(pe, "Coding", guid=c.guid, creatingUser=c.user)
                    _el(ce, "CodeRef", targetGUID=c.code)
                    if c.guid in note_of:
                        _el(ce, "NoteRef", targetGUID=note_of[c.guid])
    if notes:
        ns_el = _el(root, "Notes")
        for n in notes.values():
            ne = _el(ns_el, "Note", guid=n.guid, name=n.name)
            _el(ne, "PlainTextContent").text = n.text
    return root


def _xml_bytes(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def qdpx_bytes(project: QdaProject) -> bytes:
    """The bytes of a ``.qdpx`` archive: ``project.qde`` and ``sources/<guid>.txt``.

    Raises
    ------
    DataError
        When the project document does not validate against the REFI schema, or a source has no
        text.
    """
    root = project_xml(project)
    errors = schema_errors(root)
    if errors:
        raise DataError(
            "the project does not validate against the REFI-QDA schema: " + "; ".join(errors[:3]),
            where=project.name,
        )
    entries = {PROJECT_FILE: _xml_bytes(root)}
    for s in project.sources:
        if s.text is None:
            raise DataError(f"source '{s.name}' has no text to export", where=project.name)
        path = (s.plain_text_path or f"internal://{s.guid}.txt").split("internal://", 1)[-1]
        # a text that itself starts with U+FEFF gets a BOM in front, which readers drop
        encoding = "utf-8-sig" if s.text.startswith("\ufeff") else "utf-8"
        entries[f"sources/{path.lstrip('/')}"] = s.text.encode(encoding)
    return _zip(entries)


def write_qdpx(project: QdaProject, path: str | Path) -> Path:
    """Write a validated ``.qdpx`` archive."""
    path = Path(path)
    data = qdpx_bytes(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def codebook_xml(codes: tuple[QdaCode, ...], origin: str = "smekit"):
    """The ``<CodeBook>`` element of a ``.qdc`` file (codebook namespace)."""
    from lxml import etree

    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", origin)
    _codes_xml(root, codes, CODEBOOK_NS)
    return root


def qdc_bytes(codes: tuple[QdaCode, ...], origin: str = "smekit") -> bytes:
    """The bytes of a ``.qdc`` codebook, its code tree checked against the schema's CodeBookType.

    Raises
    ------
    DataError
        When the code tree does not validate.
    """
    from lxml import etree

    if not codes:
        raise DataError("a .qdc codebook needs at least one code")
    root = codebook_xml(codes, origin)
    # validate the same tree as a project's CodeBook (same content model, project namespace)
    probe = project_xml(QdaProject(name="codebook", codes=codes))
    errors = schema_errors(probe)
    if errors:
        raise DataError(
            "the codebook does not validate against the REFI-QDA schema: " + "; ".join(errors[:3])
        )
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_qdc(codes: tuple[QdaCode, ...], path: str | Path) -> Path:
    """Write a validated ``.qdc`` codebook."""
    path = Path(path)
    data = qdc_bytes(codes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
