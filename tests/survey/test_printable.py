"""Printable questionnaires (HTML and DOCX)."""

from __future__ import annotations

import html

import docx
import pytest
from html_check import by_kind, parse, text_of

from smekit.survey.instrument import Instrument, ItemType, library_path
from smekit.survey.instrument import load_instrument as load
from smekit.survey.printable import (
    BOX,
    describe_condition,
    question_numbers,
    render_html,
    write_docx,
    write_html,
)


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
@pytest.mark.parametrize("path", by_kind("questionnaire"), ids=lambda p: p.stem)
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
@pytest.mark.parametrize("path", by_kind("questionnaire"), ids=lambda p: p.stem)
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
