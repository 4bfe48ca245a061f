"""Shared pieces of the printable HTML and DOCX renderers (questionnaires, protocols, codebooks).

One stylesheet and a few helpers, used by :mod:`smekit.survey.printable` and
:mod:`smekit.interviews.printable` so every printed instrument looks alike.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor

from smekit.core.docxio import save_docx, write_output

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
