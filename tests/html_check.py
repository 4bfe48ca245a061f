"""HTML structure checks shared by the printable-renderer tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from smekit.core.yamlio import read_yaml
from smekit.survey.instrument import library_dir

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


def by_kind(kind: str) -> list[Path]:
    paths = []
    for path in sorted(library_dir().glob("*.yaml")):
        doc = read_yaml(path)
        if isinstance(doc, dict) and doc.get("kind", "questionnaire") == kind:
            paths.append(path)
    return paths
