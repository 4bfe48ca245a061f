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
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

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
from smekit.survey import conditions
from smekit.survey.instrument import Instrument, Item, ItemType
from smekit.survey.xlsform import likert_runs

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


# -- entry points -------------------------------------------------------------------
def render_html(instrument: Instrument) -> str:
    """A questionnaire as a printable HTML page (see :func:`render_instrument_html`)."""
    _require(instrument, "HTML")
    return render_instrument_html(instrument)


def _require(model: object, what: str) -> None:
    if not isinstance(model, Instrument):
        raise SmekitError(
            f"cannot write {type(model).__name__} as a questionnaire {what}",
            fix="pass a questionnaire; protocols and codebooks are written by "
            "smekit.interviews.printable",
        )


def write_html(instrument: Instrument, path: str | Path) -> Path:
    """Write :func:`render_html` of a questionnaire to ``path`` (UTF-8).

    Returns
    -------
    The path written.
    """
    return _write_text(render_html(instrument), path)


def write_docx(instrument: Instrument, path: str | Path) -> Path:
    """Write a questionnaire as a Word document (``python-docx``).

    Returns
    -------
    The path written.
    """
    _require(instrument, "DOCX")
    return _save_docx(instrument_docx(instrument), path)
