"""The questionnaire model: validation, look-ups and one-line errors naming file and line."""

from pathlib import Path

import pytest

from smekit.core.errors import InstrumentError
from smekit.survey.instrument import (
    ItemType,
    library_path,
    load_instrument,
    resolve_instrument,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_instrument(FIXTURES / "mini_questionnaire.yaml")


def test_loads_items_constructs_and_lookups(mini):
    assert list(mini.items)[:4] == ["size", "sector", "shop", "channels"]
    assert [i.id for i in mini.construct_items("a")] == ["a1", "a2", "a3"]
    assert mini.construct("b").scoring == "sum"
    assert mini.codes(mini.item("a1")) == [1, 2, 3, 4, 5]
    assert mini.labels(mini.item("sector")) == {1: "Retail", 2: "Services"}
    assert mini.item("a3").reverse is True
    assert mini.item("shop").type is ItemType.single_choice
    assert [i.id for i in mini.attention_items] == ["chk"]
    assert mini.multiple_choice_ids == ["channels"]
    assert mini.relevant_xpath(mini.item("shop")) == "${sector} = 'retail'"
    assert mini.scale_of(mini.item("a1")).reverse(2) == 4


def test_unknown_item_and_construct_lookups_raise(mini):
    with pytest.raises(InstrumentError, match="no item 'zz'"):
        mini.item("zz")
    with pytest.raises(InstrumentError, match="no construct 'zz'"):
        mini.construct("zz")


def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


BASE = """kind: questionnaire
id: t
title: T
scales:
  s: {min: 1, max: 5, anchors: {1: low, 5: high}}
sections:
  - id: one
    title: One
    items:
      - id: q1
        text: Q1
        type: likert
        scale: s
"""


def test_valid_base_loads(tmp_path):
    assert load_instrument(_write(tmp_path, BASE)).items["q1"].scale == "s"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (BASE + "        colour: red\n", 14, "key 'sections.0.items.0.colour': unknown key"),
        (BASE.replace("        scale: s\n", ""), 10, "a likert item needs `scale`"),
        (BASE.replace("scale: s\n", "scale: nope\n"), None, "unknown scale 'nope'"),
        (BASE.replace("type: likert", "type: slider"), 12, "key 'sections.0.items.0.type'"),
        (BASE + "      - id: q1\n        text: again\n        type: text\n", None, "used twice"),
        (
            BASE + "      - {id: q2, text: Q2, type: text, relevant: 'q9 == 1'}\n",
            None,
            "not earlier items",
        ),
        (
            BASE + "      - {id: q2, text: Q2, type: text, relevant: '__import__(1)'}\n",
            14,
            "not allowed",
        ),
    ],
)
def test_bad_files_name_file_line_and_key(tmp_path, text, line, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    msg = str(err.value)
    assert "bad.yaml" in msg
    assert fragment in msg
    if line is not None:
        assert f"bad.yaml:{line}:" in msg
    assert "\n" not in msg


def test_malformed_yaml_reports_line(tmp_path):
    path = _write(tmp_path, "kind: questionnaire\nid: t\nsections:\n  - id: [unclosed\n")
    with pytest.raises(InstrumentError, match=r"bad.yaml:\d+: invalid YAML"):
        load_instrument(path)


def test_empty_file_and_wrong_kind(tmp_path):
    with pytest.raises(InstrumentError, match="empty"):
        load_instrument(_write(tmp_path, "  \n"))
    with pytest.raises(InstrumentError, match="'codebook' file, not a questionnaire"):
        load_instrument(_write(tmp_path, "kind: codebook\nid: x\n"))


def test_library_lookup():
    assert library_path("s1_resilience_dt").name == "s1_resilience_dt.yaml"
    assert resolve_instrument("s1_resilience_dt.yaml").exists()
    with pytest.raises(InstrumentError, match="available:"):
        library_path("no_such_instrument")
