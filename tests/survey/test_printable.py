"""Printable questionnaires, protocols and codebooks (HTML and DOCX)."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from smekit.errors import SmekitError
from smekit.interviews.codebook import Codebook, load_codebook
from smekit.interviews.protocol import Protocol, load_protocol
from smekit.survey.instrument import Instrument, ItemType, library_dir, library_path
from smekit.survey.instrument import load_instrument as load
from smekit.survey.printable import (
    BOX,
    describe_condition,
    question_numbers,
    render_codebook_html,
    render_html,
    render_protocol_html,
    write_codebook_docx,
    write_docx,
    write_html,
    write_protocol_docx,
)
from smekit.yamlio import read_yaml

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class StrictParser(HTMLParser):
    """Checks that every element is closed in order; collects text and Likert rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.rows: dict[str, int] = {}  # Likert row id → number of answer cells
        self.headers: list[list[str]] = []  # header texts of each Likert table
        self._row: str | None = None
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("id", "").startswith("q-"):
            self._row = attrs["id"][2:]
            self.rows[self._row] = 0
        if tag == "td" and self._row and attrs.get("class") == "point":
            self.rows[self._row] += 1
        if tag == "table" and attrs.get("class") == "likert":
            self.headers.append([])
        if tag == "th" and self.headers:
            self._in_th = True
            self.headers[-1].append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag == "th":
            self._in_th = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else ''}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._in_th:
            self.headers[-1][-1] += data


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    return parser


def text_of(parser: StrictParser) -> str:
    return " ".join("".join(parser.text).split())


def _by_kind(kind: str) -> list[Path]:
    paths = []
    for path in sorted(library_dir().glob("*.yaml")):
        doc = read_yaml(path)
        if isinstance(doc, dict) and doc.get("kind", "questionnaire") == kind:
            paths.append(path)
    return paths


@pytest.fixture(scope="module")
def s1() -> Instrument:
    return load(library_path("s1_resilience_dt"))


def _likert_blocks(instrument: Instrument) -> list[list[str]]:
    blocks: list[list[str]] = []
    for section in instrument.sections:
        prev = None
        for item in section.items:
            if item.type == ItemType.likert:
                if prev is not None and prev.type == ItemType.likert and prev.scale == item.scale:
                    blocks[-1].append(item.id)
                else:
                    blocks.append([item.id])
            prev = item
    return blocks


# -- questionnaire HTML ------------------------------------------------------------
@pytest.mark.parametrize("path", _by_kind("questionnaire"), ids=lambda p: p.stem)
def test_html_has_every_item_and_anchor(path):
    instrument = load(path)
    page = render_html(instrument)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page and "http" not in page.split("<body>")[0]
    parser = parse(page)
    text = text_of(parser)
    for item in instrument.iter_items():
        assert html.escape(item.text, quote=True) in page, item.id
        assert " ".join(item.text.split()) in text, item.id
    for scale in instrument.scales.values():
        for label in scale.anchors.values():
            assert html.escape(label, quote=True) in page
    for section in instrument.sections:
        assert f"<h2>{html.escape(section.title, quote=True)}</h2>" in page
    # One grid row per Likert item, one answer cell per scale point.
    likert = [i for i in instrument.iter_items() if i.type == ItemType.likert]
    assert set(parser.rows) == {i.id for i in likert}
    for item in likert:
        assert parser.rows[item.id] == len(instrument.scale_of(item).points), item.id


def test_s1_html_layout(s1):
    page = render_html(s1)
    parser = parse(page)
    text = text_of(parser)
    assert "Answer if: Q5 (Which sector best describes your firm's main business?) = Retail" in text
    assert "6. Which kind of products does your firm mainly sell?" in text
    assert "Whole number from 1 to 500" in text
    assert "Number from 0 to 100" in text
    # Five Likert grids, each headed by the statement column and the five anchors.
    anchors = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree"]
    anchors.append("Strongly agree")
    assert len(parser.headers) == 5
    for header in parser.headers:
        # Each header cell is the anchor label followed by its code.
        assert header == ["", *(f"{a}{k}" for k, a in enumerate(anchors, start=1))]
    # Choice items: one tick box per option; text items: ruled lines.
    n_choice_boxes = sum(
        len(s1.choices_of(i))
        for i in s1.iter_items()
        if i.type in (ItemType.single_choice, ItemType.multiple_choice)
    )
    n_likert_boxes = 5 * sum(1 for i in s1.iter_items() if i.type == ItemType.likert)
    assert page.count('<span class="box"></span>') == n_choice_boxes + n_likert_boxes
    assert page.count('<div class="line"></div>') == 3 * 2
    assert page.count('<span class="numbox"></span>') == 3


def test_html_escapes_text(tmp_path):
    nasty = "Is revenue < 5 & \"growing\" or 'flat'? <script>x</script>"
    inst = Instrument.model_validate(
        {
            "id": "esc",
            "title": "Title & <b>bold</b>",
            "description": "A <i>description</i>.",
            "sections": [
                {
                    "id": "s",
                    "title": "<Section>",
                    "items": [
                        {
                            "id": "a",
                            "text": nasty,
                            "type": "single_choice",
                            "choices": [{"value": 1, "label": "R&D <yes>"}],
                        },
                        {"id": "b", "text": "Then?", "type": "text", "relevant": "a == 1"},
                    ],
                }
            ],
        }
    )
    page = render_html(inst)
    for raw in ("<script>", "<b>", "<i>", "<Section>", "<yes>"):
        assert raw not in page
    assert html.escape(nasty, quote=True) in page
    assert "&lt;script&gt;" in page and "&quot;growing&quot;" in page and "&#x27;flat&#x27;" in page
    assert "Title &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    text = text_of(parse(page))
    assert nasty in text
    assert f"Answer if: Q1 ({nasty}) = R&D <yes>" in text
    out = write_html(inst, tmp_path / "q.html")
    assert out.read_text(encoding="utf-8") == page


# -- relevance conditions in words ---------------------------------------------------
def test_describe_condition_forms(s1):
    def inst_with(relevant: str) -> tuple[Instrument, str]:
        data = s1.model_dump(by_alias=True, exclude_none=True)
        data["sections"][-1]["items"].append(
            {"id": "probe", "text": "Probe", "type": "text", "relevant": relevant}
        )
        inst = Instrument.model_validate(data)
        return inst, describe_condition(inst, inst.item("probe"))

    n = question_numbers(s1)
    sector = f"Q{n['sector']} (Which sector best describes your firm's main business?)"
    platforms = f"Q{n['platforms']} ({s1.item('platforms').text})"
    employees = f"Q{n['employees']} ({s1.item('employees').text})"
    dt1 = f"Q{n['dt1']} ({s1.item('dt1').text})"
    assert inst_with("3 in platforms")[1] == f"{platforms} includes AliExpress"
    assert inst_with("3 not in platforms")[1] == f"{platforms} does not include AliExpress"
    assert inst_with("sector in [1, 3]")[1] == f"{sector} is one of: Retail, Services"
    assert inst_with("sector != 2")[1] == f"{sector} \u2260 Manufacturing"
    assert inst_with("dt1 >= 4")[1] == f"{dt1} \u2265 4 (Agree)"
    assert inst_with("employees < 50 or (sector == 1 and not 1 in platforms)")[1] == (
        f"{employees} < 50 or ({sector} = Retail and not ({platforms} includes Amazon))"
    )
    assert inst_with("1 == sector")[1] == f"Retail = {sector}"
    assert describe_condition(s1, s1.item("sector")) is None


# -- questionnaire DOCX ------------------------------------------------------------
@pytest.mark.parametrize("path", _by_kind("questionnaire"), ids=lambda p: p.stem)
def test_docx_sections_and_likert_tables(path, tmp_path):
    instrument = load(path)
    out = write_docx(instrument, tmp_path / "q.docx")
    assert out == tmp_path / "q.docx"
    document = docx.Document(str(out))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert [t for s, t in styles if s == "Title"] == [instrument.title]
    assert [t for s, t in styles if s == "Heading 1"] == [s.title for s in instrument.sections]
    blocks = _likert_blocks(instrument)
    assert len(document.tables) == len(blocks)
    numbers = question_numbers(instrument)
    for table, block in zip(document.tables, blocks, strict=True):
        scale = instrument.scale_of(instrument.item(block[0]))
        assert len(table.rows) == len(block) + 1  # header row + one row per item
        assert len(table.columns) == len(scale.points) + 1  # statement + one per point
        header = [c.text for c in table.rows[0].cells]
        assert header[0] == ""
        assert header[1:] == [f"{scale.anchors.get(p, '')}\n{p}" for p in scale.points]
        for row, item_id in zip(table.rows[1:], block, strict=True):
            item = instrument.item(item_id)
            assert row.cells[0].text.startswith(f"{numbers[item_id]}. {item.text}")
            assert [c.text for c in row.cells[1:]] == [BOX] * len(scale.points)
    body = [p.text for p in document.paragraphs]
    for item in instrument.iter_items():
        if item.type in (ItemType.single_choice, ItemType.multiple_choice):
            assert f"{numbers[item.id]}. {item.text}" in body
            for c in instrument.choices_of(item):
                assert f"{BOX}  {c.label}  [{c.value}]" in body


def test_s1_docx_condition(s1, tmp_path):
    document = docx.Document(str(write_docx(s1, tmp_path / "s1.docx")))
    body = [p.text for p in document.paragraphs]
    i = body.index("6. Which kind of products does your firm mainly sell?")
    assert body[i + 1] == (
        "Answer if: Q5 (Which sector best describes your firm's main business?) = Retail"
    )


# -- protocol and codebook ---------------------------------------------------------
PROTOCOL = {
    "kind": "protocol",
    "id": "p",
    "title": "Interview <protocol> & guide",
    "duration_minutes": 60,
    "mode": "video call",
    "consent": "Thank you for taking part.\n\nWe will record this call & transcribe it.",
    "opening": "Please tell me about your firm.",
    "areas": [
        {
            "id": "problems",
            "title": "Cross-border trade problems",
            "purpose": "What went wrong in 2020.",
            "questions": [
                {
                    "id": "q1",
                    "text": "What problems did you meet?",
                    "probes": ["Which markets?", "How long did it last?"],
                    "codes": ["supply_chain"],
                },
                {"id": "q2", "text": "Who was affected?"},
            ],
        },
        {
            "id": "strategies",
            "title": "Resilience strategies",
            "questions": [{"id": "q3", "text": "What did you do about it?", "probes": ["Why?"]}],
        },
    ],
    "closing": "Thank you.",
}

CODEBOOK = {
    "kind": "codebook",
    "id": "cb",
    "title": "S1 codebook",
    "codes": [
        {
            "id": "digital_tools",
            "name": "Adoption of digital tools",
            "definition": "Moving work onto digital tools.",
            "include": ["cloud software", "analytics <dashboards>"],
            "example": "We put everything on the cloud.",
        },
        {
            "id": "automation",
            "name": "Automation",
            "definition": "Automating routine tasks & paperwork.",
            "include": ["invoicing bots"],
            "exclude": ["manual spreadsheets"],
            "example": "Invoices now go out by themselves.",
            "parent": "digital_tools",
        },
    ],
}


def _protocol(path: Path | None) -> Protocol:
    return Protocol.model_validate(PROTOCOL) if path is None else load_protocol(path)


def _codebook(path: Path | None) -> Codebook:
    return Codebook.model_validate(CODEBOOK) if path is None else load_codebook(path)


def _ids(path: Path | None) -> str:
    return "synthetic" if path is None else path.stem


def test_protocol_html_content():
    protocol = Protocol.model_validate(PROTOCOL)
    page = render_protocol_html(protocol)
    assert render_html(protocol) == page
    assert "<protocol>" not in page and "Interview &lt;protocol&gt; &amp; guide" in page
    text = text_of(parse(page))
    assert "Interview protocol · about 60 minutes · video call · version 1.0" in text
    assert "Thank you for taking part." in text
    assert "We will record this call & transcribe it." in text
    assert "1. What problems did you meet?" in text
    assert "2. Who was affected?" in text
    assert "3. What did you do about it?" in text  # numbering runs across areas
    assert "Probes: Which markets? How long did it last?" in text
    assert "Codes: supply_chain" in text


@pytest.mark.parametrize("path", [None, *_by_kind("protocol")], ids=_ids)
def test_protocol_docx(path, tmp_path):
    protocol = _protocol(path)
    out = write_protocol_docx(protocol, tmp_path / "p.docx")
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = ["Consent"] + (["Opening"] if protocol.opening else [])
    expected += [a.title for a in protocol.areas] + (["Closing"] if protocol.closing else [])
    assert headings == expected
    body = [p.text for p in document.paragraphs]
    questions = [q for a in protocol.areas for q in a.questions]
    for k, q in enumerate(questions, start=1):
        assert f"{k}. {' '.join(q.text.split())}" in [" ".join(b.split()) for b in body]
        for probe in q.probes:
            assert probe in body
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert len(bullets) == sum(len(q.probes) for q in questions)
    assert parse(render_protocol_html(protocol)).errors == []


@pytest.mark.parametrize("path", [None, *_by_kind("codebook")], ids=_ids)
def test_codebook_html_and_docx(path, tmp_path):
    codebook = _codebook(path)
    page = render_codebook_html(codebook)
    text = text_of(parse(page))
    for code in codebook.codes:
        assert html.escape(code.definition, quote=True) in page
        assert " ".join(code.definition.split()) in text
        for entry in code.include + code.exclude:
            assert f"<li>{html.escape(entry, quote=True)}</li>" in page
    out = write_codebook_docx(codebook, tmp_path / "cb.docx")
    table = docx.Document(str(out)).tables[0]
    assert len(table.rows) == len(codebook.codes) + 1
    assert [c.text for c in table.rows[0].cells] == [
        "Code",
        "Definition",
        "Include",
        "Exclude",
        "Example",
    ]
    for row, code in zip(table.rows[1:], codebook.codes, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0].split("\n")[:2] == [code.name, code.id]
        assert cells[1] == code.definition
        assert cells[2] == "\n".join(f"\u2022 {e}" for e in code.include)
        assert cells[3] == "\n".join(f"\u2022 {e}" for e in code.exclude)
        assert cells[4] == code.example


def test_codebook_theme_and_escaping():
    page = render_codebook_html(Codebook.model_validate(CODEBOOK))
    assert "analytics &lt;dashboards&gt;" in page and "<dashboards>" not in page
    assert "Theme: Adoption of digital tools" in text_of(parse(page))


def test_writers_dispatch_on_model(tmp_path):
    protocol = Protocol.model_validate(PROTOCOL)
    codebook = Codebook.model_validate(CODEBOOK)
    assert write_html(protocol, tmp_path / "p.html").read_text(encoding="utf-8") == (
        render_protocol_html(protocol)
    )
    assert write_html(codebook, tmp_path / "c.html").read_text(encoding="utf-8") == (
        render_codebook_html(codebook)
    )
    doc = docx.Document(str(write_docx(codebook, tmp_path / "c.docx")))
    assert len(doc.tables[0].rows) == 3
    with pytest.raises(SmekitError, match="cannot write dict"):
        write_html({"id": "x"}, tmp_path / "x.html")
    with pytest.raises(SmekitError, match="cannot write"):
        write_docx(codebook, tmp_path / "missing" / "c.docx")
