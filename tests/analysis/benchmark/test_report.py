"""The firm report: reproducible HTML and DOCX, own values only, every dimension charted."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from smekit.analysis.benchmark.priorities import Effect, rank_priorities
from smekit.analysis.benchmark.profile import benchmark_firms
from smekit.analysis.benchmark.report import (
    chart_png,
    chart_svg,
    firm_report,
    report_docx,
    report_html,
    write_report,
)

LEVELS = [("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ()]


@pytest.fixture(scope="module")
def setup(make_firms, dims):
    firms = make_firms()
    labels = {
        "tools": "Digital tools",
        "supply": "Supply chain",
        "training": "Training",
        "customers": "Customers",
    }
    bench = benchmark_firms(firms, dims, levels=LEVELS, labels=labels)
    effects = {
        "tools": Effect("tools", 0.45, 0.36, 0.55, 1e-6, "digital_transformation"),
        "supply": Effect("supply", 0.22, 0.12, 0.32, 1e-4, "digital_transformation"),
        "training": Effect("training", 0.10, -0.05, 0.25, 0.2, "digital_transformation"),
    }
    return firms, bench, effects


def _report(setup, firm="B0003"):
    _, bench, effects = setup
    return firm_report(bench, firm, effects, study="Test study", scale=(1, 5))


def test_html_and_docx_are_reproducible_byte_for_byte(setup, tmp_path):
    a = write_report(_report(setup), tmp_path / "a")
    b = write_report(_report(setup), tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.name == pb.name
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert {p.suffix for p in a} == {".html", ".docx", ".svg", ".png"}


def test_report_shows_no_other_firm(setup):
    firms, _, _ = setup
    r = _report(setup)
    html = report_html(r)
    docx_xml = zipfile.ZipFile(io.BytesIO(report_docx(r))).read("word/document.xml").decode()
    others = [f for f in firms["firm_id"] if f != "B0003"]
    for text in (html, docx_xml):
        assert "B0003" in text
        assert not any(f in text for f in others)


def test_html_content(setup):
    r = _report(setup)
    html = report_html(r)
    p = r.profile
    assert "<svg" in html and html.count("<svg") == 1
    for label in ("Digital tools", "Supply chain", "Training", "Customers"):
        assert f"<td>{label}</td>" in html
    for band in p.dimensions["percentile_band"]:
        assert band in html
    assert f"{p.dimensions['peer_median'].iloc[0]:.2f}" in html
    assert "Composite index (equal weights, 0-100)" in html
    assert "at least 5 firms" in html
    for prio in r.priorities:
        assert prio.label in html


def test_chart_has_every_dimension(setup):
    r = _report(setup)
    svg = chart_svg(r)
    for label in ("Digital tools", "Supply chain", "Training", "Customers"):
        assert label in svg
    assert "Peer median" in svg and "This firm" in svg
    png = chart_png(r)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_docx_opens_and_has_the_table(setup):
    import docx

    r = _report(setup)
    d = docx.Document(io.BytesIO(report_docx(r)))
    table = d.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Dimension", "Score", "Percentile band"]
    assert len(table.rows) == 1 + 4 + 1  # header, dimensions, composite
    assert len(d.inline_shapes) == 1
    text = "\n".join(p.text for p in d.paragraphs)
    assert "What to work on first" in text


def test_priorities_in_the_report_follow_the_rule(setup):
    _, bench, effects = setup
    table = rank_priorities(bench.profiles, effects)
    for firm in table["firm_id"].unique()[:10]:
        r = firm_report(bench, firm, effects, table=table)
        mine = table[table["firm_id"] == firm]
        assert [p.dimension for p in r.priorities] == mine["dimension"].tolist()
        for p in r.priorities:
            if p.dimension == "training":
                assert not p.supported and "CI covers zero" in p.note


def test_report_of_a_firm_without_peers(setup):
    firms, _, effects = setup
    small = benchmark_firms(firms.head(3), ["tools", "supply"], levels=[("sector",)])
    r = firm_report(small, firms["firm_id"].iloc[0], effects, scale=(1, 5))
    html = report_html(r)
    assert "No priorities: no peer group is large enough" in html
    assert "no peer group large enough" in html
    assert re.search(r"<td>—</td>", html)


def test_html_elements_are_closed_in_order(setup):
    from html_check import parse, text_of

    page = report_html(_report(setup))
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    parser = parse(page[:start] + page[end:])  # the inline SVG is XML (self-closed elements)
    assert "Where the firm stands" in text_of(parser)
    assert page.count("<svg") == page.count("</svg>") == 1
