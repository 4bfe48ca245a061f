"""Printable questionnaires, interview protocols and codebooks (HTML and DOCX).

A paper or PDF version of an instrument is needed for piloting, ethics review,
interviewer training and appendices. :func:`render_html` turns a questionnaire
into one self-contained, print-friendly HTML page (inline CSS, no external
files); :func:`write_docx` builds the same layout as a Word document with
``python-docx``. Interview protocols (:class:`~smekit.interviews.protocol.Protocol`)
and codebooks (:class:`~smekit.interviews.codebook.Codebook`) have their own
renderers. :func:`write_html` and :func:`write_docx` accept any of the three
models.

Layout of a questionnaire
-------------------------
* Questions are numbered 1, 2, ... through the whole questionnaire.
* A run of consecutive Likert items on one scale is a grid: one row per item,
  one column per scale point headed by its anchor label (or the point's number).
* Choice items list their options with tick boxes and the numeric codes used in
  the data; numeric items have an answer box and the allowed range; text items
  have ruled lines.
* A relevance condition is printed as an instruction,
  ``Answer if: Q5 (Which sector ...?) = Retail`` (see :func:`describe_condition`).

Example
-------
>>> from smekit.survey.instrument import load_instrument, library_path
>>> page = render_html(load_instrument(library_path("s1_resilience_dt")))
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

from smekit.docxio import save_docx, write_output
from smekit.errors import SmekitError
from smekit.interviews.codebook import Codebook
from smekit.interviews.protocol import Protocol
from smekit.survey import conditions
from smekit.survey.instrument import Instrument, Item, ItemType
from smekit.survey.xlsform import likert_runs

Printable = Instrument | Protocol | Codebook

BOX = "\u2610"  # ☐
_SYMBOLS = {
    ast.Eq: "=",
    ast.NotEq: "\u2260",
    ast.Lt: "<",
    ast.LtE: "\u2264",
    ast.Gt: ">",
    ast.GtE: "\u2265",
}
_TEXT_LINES = 3
_CHOICE_TYPES = (ItemType.single_choice, ItemType.multiple_choice)
_GREY = RGBColor(0x6B, 0x6B, 0x6B)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CSS = """
@page { size: A4; margin: 18mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; font-size: 11pt;
       line-height: 1.4; color: #111; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 13.5pt; margin: 18pt 0 6pt; padding-bottom: 2pt; border-bottom: 1.5pt solid #333; }
.meta { color: #555; font-size: 9.5pt; margin: 0 0 8pt; }
.description { margin: 4pt 0 10pt; }
.question { margin: 0 0 12pt; break-inside: avoid; page-break-inside: avoid; }
.stem { margin: 0 0 3pt; font-weight: 600; }
.number { display: inline-block; min-width: 2.2em; }
.condition { margin: 0 0 3pt; font-style: italic; color: #444; font-size: 9.5pt; }
.hint, .instruction { margin: 0 0 3pt; color: #555; font-size: 9.5pt; }
.choices { list-style: none; margin: 2pt 0 0 2.2em; padding: 0; }
.choices li { margin: 2pt 0; }
.box { display: inline-block; width: 10pt; height: 10pt; border: 1pt solid #111;
       vertical-align: -1pt; margin-right: 6pt; }
.code { color: #777; font-size: 8pt; margin-left: 4pt; }
.numbox { display: inline-block; width: 32mm; height: 16pt; border: 1pt solid #111;
          vertical-align: middle; margin: 2pt 6pt 0 2.2em; }
.range { color: #555; font-size: 9.5pt; }
.lines { margin: 4pt 0 0 2.2em; }
.line { border-bottom: 0.75pt solid #777; height: 18pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 14pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.75pt solid #999; padding: 3pt 4pt; vertical-align: top; }
table.likert th { font-size: 8.5pt; font-weight: 600; text-align: center; vertical-align: bottom; }
table.likert th .code { display: block; margin: 2pt 0 0; }
table.likert td.point { text-align: center; vertical-align: middle; width: 11%; }
table.likert td.point .box { margin: 0; }
table.likert td.statement .condition, table.likert td.statement .hint { margin-top: 2pt; }
table.codebook th { background: #eee; text-align: left; font-size: 9.5pt; }
table.codebook td { font-size: 9.5pt; }
table.codebook ul { margin: 0; padding-left: 1.1em; }
.consent { border: 0.75pt solid #999; padding: 6pt 9pt; margin: 0 0 8pt; }
.probes { margin: 2pt 0 0 2.2em; padding-left: 1.1em; }
.probes-label { margin: 3pt 0 0 2.2em; font-size: 9.5pt; color: #555; }
.codes { margin: 2pt 0 0 2.2em; font-size: 9pt; color: #666; }
@media print { body { padding: 0; max-width: none; } }
""".strip()


# -- shared helpers -----------------------------------------------------------
def _e(text: object) -> str:
    """Escape text for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def _paragraphs(text: str | None) -> list[str]:
    """Split a block of text into paragraphs at blank lines; join wrapped lines."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(b.split()) for b in blocks if b.strip()]


def _page(title: str, language: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{_e(language)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>\n{CSS}\n</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _write_text(text: str, path: str | Path) -> Path:
    return write_output(path, text)


def _save_docx(document: DocxDocument, path: str | Path) -> Path:
    return save_docx(document, path)


def _x(text: object) -> str:
    """Text safe for a Word document (XML 1.0 forbids most control characters)."""
    return _XML_ILLEGAL.sub("", str(text))


def _new_docx(title: str) -> DocxDocument:
    document = docx.Document()
    document.core_properties.title = _x(title)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    return document


def _small(paragraph, text: str, italic: bool = False) -> None:
    run = paragraph.add_run(_x(text))
    run.font.size = Pt(9)
    run.italic = italic
    run.font.color.rgb = _GREY


def _column_widths(document: DocxDocument, table, shares: list[float]) -> None:
    """Give a table's columns the shares of the text width (Word reads cell widths)."""
    section = document.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin
    table.autofit = False
    for j, share in enumerate(shares):
        width = int(text_width * share)
        table.columns[j].width = width
        for cell in table.columns[j].cells:
            cell.width = width


def _cell_text(cell, text: str, bold: bool = False, size: float | None = None) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(_x(text))
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)


# -- questionnaire: plain-language pieces ---------------------------------------
def question_numbers(instrument: Instrument) -> dict[str, int]:
    """Item id → question number (1, 2, ... in questionnaire order)."""
    return {item_id: k for k, item_id in enumerate(instrument.items, start=1)}


def _const(node: ast.AST):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    return None


def _is_const(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    )


def describe_condition(
    instrument: Instrument, item: Item, numbers: dict[str, int] | None = None
) -> str | None:
    """An item's relevance condition in plain language, or ``None`` if it has none.

    Item ids become ``Q<n> (<question text>)`` and codes of choice and Likert
    items become their labels, so ``sector == 1`` reads
    ``Q5 (Which sector best describes your firm's main business?) = Retail``;
    ``3 in platforms`` reads ``Q8 (...) includes AliExpress`` and
    ``sector in [1, 2]`` reads ``Q5 (...) is one of: Retail, Manufacturing``.

    Parameters
    ----------
    instrument
        The questionnaire the item belongs to.
    item
        The item whose ``relevant`` condition is described.
    numbers
        Item id → question number; defaults to :func:`question_numbers`.
    """
    if not item.relevant:
        return None
    numbers = numbers if numbers is not None else question_numbers(instrument)
    items = instrument.items

    def ref(name: str) -> str:
        other = items.get(name)
        if other is None:
            return name
        return f"Q{numbers.get(name, '?')} ({other.text})"

    def value(node: ast.AST, about: ast.AST | None) -> str:
        if isinstance(node, ast.Name):
            return ref(node.id)
        v = _const(node)
        target = items.get(about.id) if isinstance(about, ast.Name) else None
        if target is not None and isinstance(v, int) and not isinstance(v, bool):
            coded = target.type in (ItemType.likert, *_CHOICE_TYPES)
            label = instrument.labels(target).get(v) if coded else None
            if label is not None and target.type == ItemType.likert:
                return f"{v} ({label})"
            if label is not None:
                return label
        if isinstance(v, str):
            return f"\u201c{v}\u201d"
        return str(v)

    def operand(node: ast.AST, other: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return ref(node.id)
        if _is_const(node):
            return value(node, other)
        return go(node)

    def compare(left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        negated = isinstance(op, ast.NotIn)
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, ast.Name):
                verb = "does not include" if negated else "includes"
                return f"{ref(right.id)} {verb} {value(left, right)}"
            if isinstance(right, (ast.List, ast.Tuple)):
                options = ", ".join(value(e, left) for e in right.elts)
                verb = "is not one of" if negated else "is one of"
                return f"{operand(left, right)} {verb}: {options}"
        symbol = _SYMBOLS[type(op)]
        return f"{operand(left, right)} {symbol} {operand(right, left)}"

    def go(node: ast.AST, nested: bool = False) -> str:
        if isinstance(node, ast.Expression):
            return go(node.body)
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            text = joiner.join(go(v, nested=True) for v in node.values)
            return f"({text})" if nested else text
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"not ({go(node.operand)})"
        if isinstance(node, ast.Name):
            return f"{ref(node.id)} is answered"
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(compare(left, op, right))
                left = right
            text = " and ".join(parts)
            return f"({text})" if nested and len(parts) > 1 else text
        return str(_const(node))

    return go(conditions.parse(item.relevant))


def _range_text(item: Item) -> str:
    kind = "Whole number" if item.type == ItemType.integer else "Number"

    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)

    if item.min is not None and item.max is not None:
        return f"{kind} from {fmt(item.min)} to {fmt(item.max)}"
    if item.min is not None:
        return f"{kind}, at least {fmt(item.min)}"
    if item.max is not None:
        return f"{kind}, at most {fmt(item.max)}"
    return kind


def _instruction(item: Item) -> str | None:
    if item.type == ItemType.single_choice:
        return "Tick one box."
    if item.type == ItemType.multiple_choice:
        return "Tick all that apply."
    return None


def _point_headers(instrument: Instrument, item: Item) -> list[tuple[int, str]]:
    scale = instrument.scale_of(item)
    return [(p, scale.anchors.get(p, "")) for p in scale.points]


# -- questionnaire: HTML ----------------------------------------------------------
def _html_question(instrument: Instrument, item: Item, numbers: dict[str, int]) -> list[str]:
    n = numbers[item.id]
    out = [
        f'<div class="question" id="q-{_e(item.id)}">',
        f'<p class="stem"><span class="number">{n}.</span> {_e(item.text)}</p>',
    ]
    condition = describe_condition(instrument, item, numbers)
    if condition:
        out.append(f'<p class="condition">Answer if: {_e(condition)}</p>')
    if item.hint:
        out.append(f'<p class="hint">{_e(item.hint)}</p>')
    instruction = _instruction(item)
    if instruction:
        out.append(f'<p class="instruction">{_e(instruction)}</p>')
    if item.type in (ItemType.single_choice, ItemType.multiple_choice):
        kind = "single" if item.type == ItemType.single_choice else "multiple"
        out.append(f'<ul class="choices {kind}">')
        for c in instrument.choices_of(item):
            out.append(
                f'<li><span class="box"></span>{_e(c.label)}'
                f'<span class="code">[{_e(c.value)}]</span></li>'
            )
        out.append("</ul>")
    elif item.type in (ItemType.integer, ItemType.decimal):
        out.append(
            f'<p><span class="numbox"></span><span class="range">{_e(_range_text(item))}</span></p>'
        )
    elif item.type == ItemType.text:
        out.append('<div class="lines">' + '<div class="line"></div>' * _TEXT_LINES + "</div>")
    out.append("</div>")
    return out


def _html_likert_table(
    instrument: Instrument, block: list[Item], numbers: dict[str, int]
) -> list[str]:
    headers = _point_headers(instrument, block[0])
    out = [
        '<div class="likert-block">',
        '<p class="instruction">Tick one box in each row.</p>',
        '<table class="likert">',
        '<thead><tr><th class="statement"></th>',
    ]
    for point, label in headers:
        out.append(f'<th>{_e(label)}<span class="code">{point}</span></th>')
    out.append("</tr></thead>")
    out.append("<tbody>")
    for item in block:
        cell = [f'<span class="number">{numbers[item.id]}.</span> {_e(item.text)}']
        condition = describe_condition(instrument, item, numbers)
        if condition:
            cell.append(f'<div class="condition">Answer if: {_e(condition)}</div>')
        if item.hint:
            cell.append(f'<div class="hint">{_e(item.hint)}</div>')
        out.append(f'<tr id="q-{_e(item.id)}"><td class="statement">{"".join(cell)}</td>')
        out.extend('<td class="point"><span class="box"></span></td>' for _ in headers)
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return out


def render_instrument_html(instrument: Instrument) -> str:
    """A questionnaire as a self-contained, print-friendly HTML page.

    All text is HTML-escaped; the page carries its own CSS (A4 page, grids that
    repeat their header row across page breaks, questions kept on one page).
    """
    numbers = question_numbers(instrument)
    body = ["<header>", f"<h1>{_e(instrument.title)}</h1>"]
    body.append(
        f'<p class="meta">Questionnaire {_e(instrument.id)}, version {_e(instrument.version)}</p>'
    )
    body.extend(f'<p class="description">{_e(p)}</p>' for p in _paragraphs(instrument.description))
    body.append("</header>")
    for section in instrument.sections:
        body.append(f'<section id="section-{_e(section.id)}">')
        body.append(f"<h2>{_e(section.title)}</h2>")
        body.extend(f'<p class="description">{_e(p)}</p>' for p in _paragraphs(section.description))
        for block in likert_runs(section.items):
            if block[0].type == ItemType.likert:
                body.extend(_html_likert_table(instrument, block, numbers))
            else:
                body.extend(_html_question(instrument, block[0], numbers))
        body.append("</section>")
    return _page(instrument.title, instrument.language, body)


# -- questionnaire: DOCX ----------------------------------------------------------
def _docx_stem(document: DocxDocument, number: int, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.add_run(f"{number}. ").bold = True
    paragraph.add_run(_x(text)).bold = True


def _docx_note(document: DocxDocument, text: str, italic: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.paragraph_format.keep_with_next = True
    _small(paragraph, text, italic=italic)


def _docx_question(
    document: DocxDocument, instrument: Instrument, item: Item, numbers: dict[str, int]
) -> None:
    _docx_stem(document, numbers[item.id], item.text)
    condition = describe_condition(instrument, item, numbers)
    if condition:
        _docx_note(document, f"Answer if: {condition}", italic=True)
    if item.hint:
        _docx_note(document, item.hint)
    instruction = _instruction(item)
    if instruction:
        _docx_note(document, instruction)
    if item.type in _CHOICE_TYPES:
        for c in instrument.choices_of(item):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run(f"{BOX}  {_x(c.label)}")
            _small(paragraph, f"  [{c.value}]")
    elif item.type in (ItemType.integer, ItemType.decimal):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(18)
        paragraph.add_run("[" + "\u2002" * 16 + "]  ")
        _small(paragraph, _range_text(item))
    elif item.type == ItemType.text:
        for _ in range(_TEXT_LINES):
            paragraph = document.add_paragraph("_" * 72)
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.paragraph_format.space_after = Pt(0)


def _docx_likert_table(
    document: DocxDocument, instrument: Instrument, block: list[Item], numbers: dict[str, int]
) -> None:
    headers = _point_headers(instrument, block[0])
    _docx_note(document, "Tick one box in each row.")
    table = document.add_table(rows=1 + len(block), cols=1 + len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _column_widths(document, table, [0.4] + [0.6 / len(headers)] * len(headers))
    for j, (point, label) in enumerate(headers, start=1):
        cell = table.cell(0, j)
        _cell_text(cell, label, bold=True, size=8)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        code = cell.add_paragraph()
        code.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _small(code, str(point))
    for i, item in enumerate(block, start=1):
        cell = table.cell(i, 0)
        _cell_text(cell, f"{numbers[item.id]}. {item.text}", size=9.5)
        condition = describe_condition(instrument, item, numbers)
        if condition:
            _small(cell.add_paragraph(), f"Answer if: {condition}", italic=True)
        if item.hint:
            _small(cell.add_paragraph(), item.hint)
        for j in range(1, len(headers) + 1):
            box = table.cell(i, j)
            _cell_text(box, BOX)
            box.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph()


def instrument_docx(instrument: Instrument) -> DocxDocument:
    """A questionnaire as a ``python-docx`` document (not yet saved).

    The title is the document title; each section is a level-1 heading; each
    Likert block is a table with a header row of anchor labels, then one row per
    item and one column per scale point after the statement column.
    """
    numbers = question_numbers(instrument)
    document = _new_docx(instrument.title)
    document.add_heading(_x(instrument.title), level=0)
    meta = document.add_paragraph()
    _small(meta, f"Questionnaire {instrument.id}, version {instrument.version}")
    for p in _paragraphs(instrument.description):
        document.add_paragraph(_x(p))
    for section in instrument.sections:
        document.add_heading(_x(section.title), level=1)
        for p in _paragraphs(section.description):
            document.add_paragraph(_x(p))
        for block in likert_runs(section.items):
            if block[0].type == ItemType.likert:
                _docx_likert_table(document, instrument, block, numbers)
            else:
                _docx_question(document, instrument, block[0], numbers)
    return document


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
    if isinstance(model, Instrument):
        return render_instrument_html, instrument_docx
    if isinstance(model, Protocol):
        return render_protocol_html, protocol_docx
    if isinstance(model, Codebook):
        return render_codebook_html, codebook_docx
    raise SmekitError(
        f"cannot write {type(model).__name__} as {what}",
        fix="pass a questionnaire, an interview protocol or a codebook",
    )


def render_html(model: Printable) -> str:
    """A questionnaire, interview protocol or codebook as a printable HTML page."""
    return _pick(model, "HTML")[0](model)


def write_html(model: Printable, path: str | Path) -> Path:
    """Write :func:`render_html` of a questionnaire, protocol or codebook to ``path`` (UTF-8).

    Returns
    -------
    The path written.
    """
    return _write_text(render_html(model), path)


def write_docx(model: Printable, path: str | Path) -> Path:
    """Write a questionnaire, protocol or codebook as a Word document (``python-docx``).

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
