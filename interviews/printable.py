"""Printable interview protocols and codebooks (HTML and DOCX).

:func:`render_html` turns an interview protocol
(:class:`~smekit.interviews.protocol.Protocol`) or a codebook
(:class:`~smekit.interviews.codebook.Codebook`) into one self-contained,
print-friendly HTML page; :func:`write_docx` builds the same layout as a Word
document. Questionnaires are printed by :mod:`smekit.survey.printable`; both
share the stylesheet of :mod:`smekit.core.printing`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocxDocument

from smekit.core.errors import SmekitError
from smekit.core.printing import (
    _cell_text,
    _column_widths,
    _docx_note,
    _docx_stem,
    _e,
    _new_docx,
    _page,
    _paragraphs,
    _save_docx,
    _small,
    _write_text,
    _x,
)
from smekit.interviews.codebook import Codebook
from smekit.interviews.protocol import Protocol

Printable = Protocol | Codebook


# -- interview protocol -------------------------------------------------------------
def _protocol_meta(protocol: Protocol) -> str:
    bits = ["Interview protocol"]
    if protocol.duration_minutes:
        bits.append(f"about {protocol.duration_minutes} minutes")
    if protocol.mode:
        bits.append(protocol.mode)
    bits.append(f"version {protocol.version}")
    return " \u00b7 ".join(bits)


def render_protocol_html(protocol: Protocol) -> str:
    """An interview protocol as a self-contained, print-friendly HTML page.

    Consent script, opening, one section per area (purpose, then numbered main
    questions with their probes and expected codes) and closing; all text escaped.
    """
    body = [
        "<header>",
        f"<h1>{_e(protocol.title)}</h1>",
        f'<p class="meta">{_e(_protocol_meta(protocol))}</p>',
        "</header>",
        '<section id="consent">',
        "<h2>Consent</h2>",
        '<div class="consent">',
        *(f"<p>{_e(p)}</p>" for p in _paragraphs(protocol.consent)),
        "</div>",
        "</section>",
    ]
    if protocol.opening:
        body += ['<section id="opening">', "<h2>Opening</h2>"]
        body += [f"<p>{_e(p)}</p>" for p in _paragraphs(protocol.opening)]
        body.append("</section>")
    n = 0
    for area in protocol.areas:
        body += [f'<section id="area-{_e(area.id)}">', f"<h2>{_e(area.title)}</h2>"]
        body += [f'<p class="description">{_e(p)}</p>' for p in _paragraphs(area.purpose)]
        for question in area.questions:
            n += 1
            body += [
                f'<div class="question" id="q-{_e(question.id)}">',
                f'<p class="stem"><span class="number">{n}.</span> {_e(question.text)}</p>',
            ]
            if question.probes:
                body.append('<p class="probes-label">Probes:</p>')
                body.append('<ul class="probes">')
                body += [f"<li>{_e(probe)}</li>" for probe in question.probes]
                body.append("</ul>")
            if question.codes:
                body.append(f'<p class="codes">Codes: {_e(", ".join(question.codes))}</p>')
            body.append("</div>")
        body.append("</section>")
    if protocol.closing:
        body += ['<section id="closing">', "<h2>Closing</h2>"]
        body += [f"<p>{_e(p)}</p>" for p in _paragraphs(protocol.closing)]
        body.append("</section>")
    return _page(protocol.title, protocol.language, body)


def protocol_docx(protocol: Protocol) -> DocxDocument:
    """An interview protocol as a ``python-docx`` document (not yet saved).

    Level-1 headings: Consent, Opening (if any), one per area, Closing (if any).
    """
    document = _new_docx(protocol.title)
    document.add_heading(_x(protocol.title), level=0)
    _small(document.add_paragraph(), _protocol_meta(protocol))
    document.add_heading("Consent", level=1)
    for p in _paragraphs(protocol.consent):
        document.add_paragraph(_x(p))
    if protocol.opening:
        document.add_heading("Opening", level=1)
        for p in _paragraphs(protocol.opening):
            document.add_paragraph(_x(p))
    n = 0
    for area in protocol.areas:
        document.add_heading(_x(area.title), level=1)
        for p in _paragraphs(area.purpose):
            paragraph = document.add_paragraph()
            paragraph.add_run(_x(p)).italic = True
        for question in area.questions:
            n += 1
            _docx_stem(document, n, question.text)
            if question.probes:
                _docx_note(document, "Probes:")
                for probe in question.probes:
                    document.add_paragraph(_x(probe), style="List Bullet")
            if question.codes:
                _small(document.add_paragraph(), "Codes: " + ", ".join(question.codes))
    if protocol.closing:
        document.add_heading("Closing", level=1)
        for p in _paragraphs(protocol.closing):
            document.add_paragraph(_x(p))
    return document


# -- codebook -----------------------------------------------------------------------
CODEBOOK_COLUMNS = ["Code", "Definition", "Include", "Exclude", "Example"]


def _theme_names(codebook: Codebook) -> dict[str, str]:
    return {c.id: c.name for c in codebook.codes}


def render_codebook_html(codebook: Codebook) -> str:
    """A codebook as a self-contained HTML page: one table row per code.

    Columns: code (name, id and parent theme), definition, include criteria,
    exclude criteria and example; all text escaped.
    """
    names = _theme_names(codebook)
    meta = f"Codebook {codebook.id}, version {codebook.version}"
    body = [
        "<header>",
        f"<h1>{_e(codebook.title)}</h1>",
        f'<p class="meta">{_e(meta)}</p>',
    ]
    body += [f'<p class="description">{_e(p)}</p>' for p in _paragraphs(codebook.source)]
    body += ["</header>", '<table class="codebook">', "<thead><tr>"]
    body += [f"<th>{_e(c)}</th>" for c in CODEBOOK_COLUMNS]
    body += ["</tr></thead>", "<tbody>"]

    def bullets(entries: list[str]) -> str:
        if not entries:
            return ""
        return "<ul>" + "".join(f"<li>{_e(e)}</li>" for e in entries) + "</ul>"

    for code in codebook.codes:
        label = f"<strong>{_e(code.name)}</strong><br><code>{_e(code.id)}</code>"
        if code.parent:
            label += f'<br><span class="code">Theme: {_e(names[code.parent])}</span>'
        body += [
            f'<tr id="code-{_e(code.id)}">',
            f"<td>{label}</td>",
            f"<td>{_e(code.definition)}</td>",
            f"<td>{bullets(code.include)}</td>",
            f"<td>{bullets(code.exclude)}</td>",
            f"<td><em>{_e(code.example)}</em></td>",
            "</tr>",
        ]
    body += ["</tbody>", "</table>"]
    return _page(codebook.title, "en", body)


def codebook_docx(codebook: Codebook) -> DocxDocument:
    """A codebook as a ``python-docx`` document: a header row, then one row per code."""
    names = _theme_names(codebook)
    document = _new_docx(codebook.title)
    document.add_heading(_x(codebook.title), level=0)
    _small(document.add_paragraph(), f"Codebook {codebook.id}, version {codebook.version}")
    for p in _paragraphs(codebook.source):
        document.add_paragraph(_x(p))
    table = document.add_table(rows=1 + len(codebook.codes), cols=len(CODEBOOK_COLUMNS))
    table.style = document.styles["Table Grid"]
    _column_widths(document, table, [0.18, 0.22, 0.2, 0.2, 0.2])
    for j, header in enumerate(CODEBOOK_COLUMNS):
        _cell_text(table.cell(0, j), header, bold=True, size=9.5)
    for i, code in enumerate(codebook.codes, start=1):
        cell = table.cell(i, 0)
        _cell_text(cell, code.name, bold=True, size=9)
        _small(cell.add_paragraph(), code.id)
        if code.parent:
            _small(cell.add_paragraph(), f"Theme: {names[code.parent]}")
        _cell_text(table.cell(i, 1), code.definition, size=9)
        _cell_text(table.cell(i, 2), "\n".join(f"\u2022 {e}" for e in code.include), size=9)
        _cell_text(table.cell(i, 3), "\n".join(f"\u2022 {e}" for e in code.exclude), size=9)
        cell = table.cell(i, 4)
        _cell_text(cell, code.example, size=9)
        cell.paragraphs[0].runs[0].italic = True
    return document


# -- entry points -------------------------------------------------------------------
def _pick(model: Printable, what: str) -> tuple[Callable, Callable]:
    if isinstance(model, Protocol):
        return render_protocol_html, protocol_docx
    if isinstance(model, Codebook):
        return render_codebook_html, codebook_docx
    raise SmekitError(
        f"cannot write {type(model).__name__} as {what}",
        fix="pass an interview protocol or a codebook; "
        "questionnaires are written by smekit.survey.printable",
    )


def render_html(model: Printable) -> str:
    """An interview protocol or codebook as a printable HTML page."""
    return _pick(model, "HTML")[0](model)


def write_html(model: Printable, path: str | Path) -> Path:
    """Write :func:`render_html` of a protocol or codebook to ``path`` (UTF-8).

    Returns
    -------
    The path written.
    """
    return _write_text(render_html(model), path)


def write_docx(model: Printable, path: str | Path) -> Path:
    """Write a protocol or codebook as a Word document (``python-docx``).

    Returns
    -------
    The path written.
    """
    return _save_docx(_pick(model, "DOCX")[1](model), path)


def write_protocol_html(protocol: Protocol, path: str | Path) -> Path:
    """Write :func:`render_protocol_html` to ``path``."""
    return _write_text(render_protocol_html(protocol), path)


def write_protocol_docx(protocol: Protocol, path: str | Path) -> Path:
    """Write :func:`protocol_docx` to ``path``."""
    return _save_docx(protocol_docx(protocol), path)


def write_codebook_html(codebook: Codebook, path: str | Path) -> Path:
    """Write :func:`render_codebook_html` to ``path``."""
    return _write_text(render_codebook_html(codebook), path)


def write_codebook_docx(codebook: Codebook, path: str | Path) -> Path:
    """Write :func:`codebook_docx` to ``path``."""
    return _save_docx(codebook_docx(codebook), path)
