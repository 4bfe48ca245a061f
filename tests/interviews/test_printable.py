"""Printable interview protocols and codebooks (HTML and DOCX)."""

from __future__ import annotations

import html
from pathlib import Path

import docx
import pytest
from html_check import by_kind, parse, text_of

from smekit.core.errors import SmekitError
from smekit.interviews.codebook import Codebook, load_codebook
from smekit.interviews.printable import (
    render_codebook_html,
    render_html,
    render_protocol_html,
    write_codebook_docx,
    write_docx,
    write_html,
    write_protocol_docx,
)
from smekit.interviews.protocol import Protocol, load_protocol

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


@pytest.mark.parametrize("path", [None, *by_kind("protocol")], ids=_ids)
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


@pytest.mark.parametrize("path", [None, *by_kind("codebook")], ids=_ids)
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
