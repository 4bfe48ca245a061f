"""REFI-QDA 1.5: .qdpx and .qdc read and write, positions, tolerance of real exports, XSD."""

from __future__ import annotations

import io
import zipfile

import docx
import pandas as pd
import pytest
from lxml import etree

from smekit.core.errors import DataError
from smekit.interviews.codebook import Codebook
from smekit.interviews.refiqda import read_qdc, read_qdpx
from smekit.interviews.refiqda_convert import from_smekit, parse_description, to_smekit
from smekit.interviews.refiqda_write import (
    PROJECT_FILE,
    project_schema,
    qdc_bytes,
    qdpx_bytes,
    write_qdc,
    write_qdpx,
)

TEXT = {
    "crlf": "Interviewer: Why?\r\nAnn: Costs rose.\r\n",
    "bom": "\ufeffNote: a text that starts with a BOM character kept as content",
    "emoji": "Bo: We sell 🍵 and 😀 things 👍🏽 online.",
    "cjk": "李伟: 我们在疫情期间开始在线销售。Then English.",
}
BOOK = Codebook.model_validate(
    {
        "kind": "codebook",
        "id": "b",
        "title": "Book",
        "codes": [
            {
                "id": "theme",
                "name": "A theme",
                "definition": "Top.",
                "include": ["x", "y"],
                "exclude": ["z"],
                "example": '"Quote."',
                "color": "#1F77B4",
                "keywords": ["cloud"],
                "construct": "digital_tools",
            },
            {"id": "child", "name": "A child", "parent": "theme", "definition": "Mid."},
            {
                "id": "leaf",
                "name": "A leaf",
                "parent": "child",
                "definition": "Low.",
                "colour": "#00FF00",
            },
        ],
    }
)


def _codings():
    rows = [
        ("crlf", 13, 17, "theme", "ann", "memo one"),
        ("crlf", 24, 35, "leaf", "bo", None),
        ("emoji", 12, 13, "child", "ann", None),  # the tea emoji alone
        ("emoji", 27, 29, "leaf", "ann", None),  # thumbs-up + skin tone: two code points
        ("cjk", 4, 20, "theme", "bo", "多语言 memo ✓"),
        ("crlf", 13, 17, "leaf", "bo", None),  # same span, second code and coder
    ]
    return pd.DataFrame(
        rows, columns=["transcript_id", "start", "end", "code", "coder", "memo"]
    ).assign(segment_id=None)[
        ["segment_id", "transcript_id", "start", "end", "code", "coder", "memo"]
    ]


SHEET = pd.DataFrame(
    {"participant_id": ["P1", "P2"], "transcript_id": ["crlf", "cjk"], "sector": ["Retail", "服务"]}
)


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    path = tmp_path_factory.mktemp("qdpx") / "p.qdpx"
    project = from_smekit(TEXT, BOOK, _codings(), SHEET, name="test")
    write_qdpx(project, path)
    return path, to_smekit(read_qdpx(path))


def test_round_trip_loses_nothing(roundtrip):
    _, back = roundtrip
    assert back.sources == TEXT  # CRLF, BOM character, emoji and CJK unchanged
    assert back.codebook.codes == BOOK.codes  # ids, names, hierarchy, colours, texts
    cols = ["transcript_id", "start", "end", "code", "coder", "memo"]
    got = back.codings[cols].sort_values(cols[:5]).reset_index(drop=True)
    want = _codings()[cols].sort_values(cols[:5]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got.astype(object).where(got.notna(), None),
        want.astype(object).where(want.notna(), None),
        check_dtype=False,
    )
    assert back.cases[["case", "transcript_id", "sector"]].values.tolist() == [
        ["P1", "crlf", "Retail"],
        ["P2", "cjk", "服务"],
    ]
    assert back.problems.empty


def test_selection_text_is_the_code_point_slice(roundtrip):
    path, _ = roundtrip
    project = read_qdpx(path)
    frame = project.codings_frame()
    texts = {s.guid: s.text for s in project.sources}
    for r in frame.itertuples():
        assert r.text == texts[r.source][r.start : r.end]
    assert set(frame["text"]) >= {"Why?", "🍵", "👍🏽", "Costs rose."}
    # CRLF counts as two code points: "Costs rose." starts after "Why?\r\nAnn: "
    assert TEXT["crlf"][24:35] == "Costs rose."


def test_export_validates_against_the_refi_schema(roundtrip):
    path, _ = roundtrip
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        root = etree.fromstring(z.read(PROJECT_FILE))
    assert project_schema().validate(root), project_schema().error_log
    assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 4
    ns = {"q": "urn:QDA-XML:project:1.0"}
    # three-level hierarchy: leaf nested inside child inside theme
    assert root.xpath(
        "//q:Code[@name='A theme']/q:Code[@name='A child']/q:Code[@name='A leaf']", namespaces=ns
    )
    assert root.xpath("//q:Code[@name='A theme']/@color", namespaces=ns) == ["#1F77B4"]
    assert len(root.xpath("//q:User", namespaces=ns)) == 2
    assert len(root.xpath("//q:Note", namespaces=ns)) == 2
    assert len(root.xpath("//q:Case/q:VariableValue", namespaces=ns)) == 2


def test_exports_are_reproducible():
    project = from_smekit(TEXT, BOOK, _codings(), SHEET, name="test")
    assert qdpx_bytes(project) == qdpx_bytes(
        from_smekit(TEXT, BOOK, _codings(), SHEET, name="test")
    )


def test_schema_rejects_an_invalid_document():
    root = etree.fromstring(b'<Project xmlns="urn:QDA-XML:project:1.0"><Users/></Project>')
    assert not project_schema().validate(root)  # no name attribute, empty Users


def test_qdc_round_trip_and_validation(tmp_path):
    codes = from_smekit({}, BOOK).codes
    path = write_qdc(codes, tmp_path / "b.qdc")
    root = etree.fromstring(path.read_bytes())
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    back = read_qdc(path)
    assert back.codes == codes
    assert parse_description(codes[0].description)["include"] == ["x", "y"]
    with pytest.raises(DataError, match="at least one code"):
        qdc_bytes(())


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return out.getvalue()


_FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project name="From another tool" origin="Other QDA 3.1" xmlns="urn:QDA-XML:project:1.5">
  <Users><User guid="{U1}" name="Maria"/></Users>
  <CodeBook><Codes>
    <Code guid="{C1}" name="Logistics" isCodable="true" color="#f0a">
      <Description>Shipping problems.</Description>
      <Code guid="{C2}" name="Ports closed" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{S1}" name="Interview 1.txt"
                plainTextPath="interview1.txt">
      <PlainTextSelection guid="{E1}" startPosition="5" endPosition="9"
                          creatingUser="{U1}">
        <Coding guid="{G1}" creatingUser="{U1}">
          <CodeRef targetGUID="{C2}"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{E2}" startPosition="0" endPosition="3"/>
      <PlainTextSelection guid="{E3}" startPosition="2" endPosition="999">
        <Coding guid="{G2}"><CodeRef targetGUID="{C1}"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="{S2}" name="Interview 2"
                plainTextPath="internal://missing.txt">
      <PlainTextSelection guid="{E4}" startPosition="0" endPosition="3"/>
    </TextSource>
    <TextSource guid="{S3}" name="Interview 3"
                richTextPath="internal://three.docx">
      <Coding guid="{G3}"><CodeRef targetGUID="{C1}"/></Coding>
    </TextSource>
    <TextSource guid="{S4}" name="Inline">
      <PlainTextContent>Inline text here.</PlainTextContent>
    </TextSource>
  </Sources>
</Project>
"""
GUIDS = {
    "U1": "AAAAAAAA-0000-0000-0000-000000000001",
    "C1": "C0000000-0000-0000-0000-000000000001",
    "C2": "C0000000-0000-0000-0000-000000000002",
    "E1": "E0000000-0000-0000-0000-000000000001",
    "E2": "E0000000-0000-0000-0000-000000000002",
    "E3": "E0000000-0000-0000-0000-000000000003",
    "E4": "E0000000-0000-0000-0000-000000000004",
    "G1": "G0000000-0000-0000-0000-000000000001",
    "G2": "G0000000-0000-0000-0000-000000000002",
    "G3": "G0000000-0000-0000-0000-000000000003",
    "S1": "S0000000-0000-0000-0000-000000000001",
    "S2": "S0000000-0000-0000-0000-000000000002",
    "S3": "S0000000-0000-0000-0000-000000000003",
    "S4": "S0000000-0000-0000-0000-000000000004",
}
FOREIGN = _FOREIGN.format(**GUIDS)


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    d = docx.Document()
    d.add_paragraph("First paragraph.")
    d.add_paragraph("Second one.")
    buf = io.BytesIO()
    d.save(buf)
    path = tmp_path_factory.mktemp("foreign") / "other.qdpx"
    path.write_bytes(
        _zip(
            {
                "project.qde": FOREIGN.encode(),
                "sources/interview1.txt": "\ufeffAnn: ports shut.".encode(),
                "sources/three.docx": buf.getvalue(),
            }
        )
    )
    return read_qdpx(path)


def test_foreign_export_namespace_paths_docx_and_inline_text(foreign):
    assert foreign.name == "From another tool"
    texts = {s.name: s.text for s in foreign.sources}
    assert texts["Interview 1.txt"] == "Ann: ports shut."  # BOM dropped, no internal:// prefix
    assert texts["Interview 3"] == "First paragraph.\nSecond one."  # from the DOCX
    assert texts["Inline"] == "Inline text here."
    assert texts["Interview 2"] is None
    frame = foreign.codings_frame()
    assert frame[["code_name", "text"]].values.tolist() == [
        ["Ports closed", "port"],
        ["Logistics", "First paragraph.\nSecond one."],  # a coding on the whole source
    ]
    assert frame["coder"][0] == "Maria" and pd.isna(frame["coder"][1])
    codes = foreign.codes_frame()
    assert pd.isna(codes["parent_name"][0]) and codes["parent_name"][1] == "Logistics"
    assert foreign.to_dict()["n_selections_without_codings"] == 1


def test_foreign_problems_name_the_file_and_selection(foreign):
    problems = foreign.problems_frame()
    assert problems["file"].str.endswith("other.qdpx!project.qde").all()
    text = " | ".join(problems["place"] + ": " + problems["problem"])
    assert (
        "source 'Interview 2' (internal://missing.txt): source file missing from the archive"
        in text
    )
    assert "selection E0000000-0000-0000-0000-000000000003 in 'Interview 1.txt' [2:999]" in text
    assert "positions run past the text (16 characters)" in text
    assert f"selection {GUIDS['E4']} in 'Interview 2' [0:3]: its source has no text" in text


def test_foreign_to_smekit_codebook_and_codings(foreign):
    imp = to_smekit(foreign)
    assert [c.id for c in imp.codebook.codes] == ["logistics", "ports_closed"]
    assert imp.codebook.code("ports_closed").parent == "logistics"
    assert imp.codebook.code("logistics").colour == "#FF00AA"  # #f0a expanded
    assert imp.codebook.code("logistics").definition == "Shipping problems."
    assert imp.codings["transcript_id"].tolist() == ["Interview 1", "Interview 3"]


def test_not_a_project_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a zip archive"):
        read_qdpx(bad)
    bad.write_bytes(_zip({"readme.txt": b"x"}))
    with pytest.raises(DataError, match=r"no \.qde project document"):
        read_qdpx(bad)
    bad.write_bytes(_zip({"p.qde": b"<Project"}))
    with pytest.raises(DataError, match=r"x\.qdpx!p\.qde: not well-formed XML"):
        read_qdpx(bad)


def test_demo_round_trip(demo_study, tmp_path):
    from smekit.interviews.codebook import load_codebook
    from smekit.interviews.codings import check_codings, read_codings
    from smekit.interviews.transcripts import read_corpus
    from smekit.survey.instrument import library_path

    corpus = read_corpus(demo_study.root / "data" / "transcripts")
    book = load_codebook(library_path("s1_codebook"))
    frames = [read_codings(demo_study.root / "data" / "codings" / f"coder_{k}.csv") for k in (1, 2)]
    codings = check_codings(pd.concat(frames), book.ids, corpus.sources).codings
    path = write_qdpx(from_smekit(corpus.sources, book, codings, name="demo"), tmp_path / "d.qdpx")
    back = to_smekit(read_qdpx(path))
    assert back.sources == corpus.sources
    assert back.codebook.codes == book.codes
    key = ["transcript_id", "start", "end", "code", "coder"]
    assert sorted(map(tuple, back.codings[key].values.tolist())) == sorted(
        map(tuple, codings[key].values.tolist())
    )


@pytest.mark.parametrize(
    "ns", ['xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:QDA-XML:project:1.5"', ""]
)
def test_namespace_variants_and_bare_qde(tmp_path, ns):
    xml = _FOREIGN.format(**GUIDS).replace('xmlns="urn:QDA-XML:project:1.5"', ns)
    path = tmp_path / "p.qde"
    path.write_text(xml, encoding="utf-8")
    project = read_qdpx(path)  # a bare .qde: inline text only, the files are reported missing
    assert [c.name for c in project.codes] == ["Logistics", "Ports closed"]
    assert {s.name: s.text for s in project.sources}["Inline"] == "Inline text here."
    assert project.problems_frame()["problem"].str.contains("source file missing").sum() == 3


def test_crlf_counted_as_one_by_another_tool(tmp_path):
    text = "Interviewer: Why?\r\nAnn: Costs rose.\r\n"
    # the same selection ("Costs rose.") as a tool counting CRLF as one character writes it
    lf_start = text.replace("\r\n", "\n").index("Costs")
    xml = f"""<Project name="p" xmlns="urn:QDA-XML:project:1.0"><CodeBook><Codes>
      <Code guid="{GUIDS["C1"]}" name="Costs" isCodable="true"/></Codes></CodeBook>
      <Sources><TextSource guid="{GUIDS["S1"]}" name="T" plainTextPath="internal://t.txt">
        <PlainTextSelection guid="{GUIDS["E1"]}" startPosition="{lf_start}"
                            endPosition="{lf_start + 11}">
          <Coding guid="{GUIDS["G1"]}"><CodeRef targetGUID="{GUIDS["C1"]}"/></Coding>
        </PlainTextSelection></TextSource></Sources></Project>"""
    path = tmp_path / "p.qdpx"
    path.write_bytes(_zip({"p.qde": xml.encode(), "sources/t.txt": text.encode()}))
    as_stored = read_qdpx(path).codings_frame()["text"][0]
    assert as_stored == " Costs rose"  # off by one: one CRLF before the selection
    fixed = read_qdpx(path, newlines="crlf-as-one").codings_frame()
    assert fixed["text"][0] == "Costs rose."
    assert (fixed["start"][0], fixed["end"][0]) == (lf_start + 1, lf_start + 12)
