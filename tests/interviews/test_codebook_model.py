"""Codebook model: themes → codes, colours, keywords, and parent cycles as errors."""

from __future__ import annotations

import pytest
import yaml

from smekit.core.errors import InstrumentError
from smekit.interviews.codebook import find_cycle, load_codebook
from smekit.survey.instrument import library_path


def _book(tmp_path, codes):
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump({"kind": "codebook", "id": "b", "title": "B", "codes": codes}))
    return path


def _code(cid, parent=None, **extra):
    return {"id": cid, "name": cid.title(), "definition": f"def {cid}", "parent": parent, **extra}


def test_cycle_is_an_error_naming_the_file_and_codes(tmp_path):
    path = _book(tmp_path, [_code("a", "c"), _code("b", "a"), _code("c", "b"), _code("d")])
    with pytest.raises(InstrumentError) as err:
        load_codebook(path)
    assert str(path) in err.value.message
    assert "parent cycle: a -> c -> b -> a" in err.value.message


def test_self_parent_is_a_cycle():
    assert find_cycle({"a": "a"}) == ["a", "a"]
    assert find_cycle({"a": None, "b": "a", "c": "b"}) == []


def test_themes_children_colour_and_keywords(tmp_path):
    path = _book(
        tmp_path,
        [
            _code("theme", color="#1f77b4", keywords=["cloud", "ERP"]),
            _code("child", "theme", colour="#ABC"),
            _code("grandchild", "child"),
        ],
    )
    book = load_codebook(path)
    assert [c.id for c in book.themes()] == ["theme"]
    assert [c.id for c in book.children("theme")] == ["child"]
    assert book.theme_of("grandchild") == "theme"
    assert book.code("theme").colour == "#1f77b4"
    assert book.code("theme").keywords == ["cloud", "ERP"]
    frame = book.to_frame()
    assert frame["theme"].tolist() == ["theme", "theme", "theme"]


def test_bad_colour_names_the_line(tmp_path):
    path = _book(tmp_path, [_code("a", colour="blue")])
    with pytest.raises(InstrumentError, match=r"book\.yaml:\d+: key 'codes\.0\.colour'"):
        load_codebook(path)


def test_library_codebook_has_five_themes():
    book = load_codebook(library_path("s1_codebook"))
    assert [c.id for c in book.themes()] == [
        "pandemic_challenges",
        "digital_tools_adoption",
        "supply_chain_diversification",
        "employee_training_engagement",
        "customer_engagement",
    ]
    assert all(book.theme_of(c.id) in book.ids for c in book.codes)
