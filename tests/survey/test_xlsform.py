"""XLSForm export: sheet layout, and conversion to an XForm by pyxform.

The expected XForm shapes follow the XLSForm specification (https://xlsform.org)
and the ODK XForms specification (https://getodk.github.io/xforms-spec/): a
``relevant``/``constraint``/``required`` cell becomes an attribute of the
question's ``bind``; ``${name}`` references become absolute instance paths;
``integer`` binds have ``type="int"``; choice lists become secondary instances
named after the list; ``select_one`` is a ``select1`` body control.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from pyxform.xls2xform import convert

from smekit.core.errors import SmekitError
from smekit.core.yamlio import read_yaml
from smekit.survey.instrument import Instrument, ItemType, library_dir, library_path
from smekit.survey.instrument import load_instrument as load
from smekit.survey.xlsform import constraint_of, language_label, write_xlsform, xlsform_frames

NS = {"xf": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
JR_CONSTRAINT_MSG = "{http://openrosa.org/javarosa}constraintMsg"


def _questionnaires() -> list[Path]:
    paths = []
    for path in sorted(library_dir().glob("*.yaml")):
        doc = read_yaml(path)
        if isinstance(doc, dict) and doc.get("kind", "questionnaire") == "questionnaire":
            paths.append(path)
    return paths


QUESTIONNAIRES = _questionnaires()


class XForm:
    """The parts of a converted XForm the tests look at."""

    def __init__(self, xml: str):
        self.root = ET.fromstring(xml)
        model = self.root.find("h:head/xf:model", NS)
        self.binds = {b.get("nodeset"): b for b in model.findall("xf:bind", NS)}
        self.instances = {
            i.get("id"): [
                (it.findtext("xf:name", namespaces=NS), it.findtext("xf:label", namespaces=NS))
                for it in i.findall("xf:root/xf:item", NS)
            ]
            for i in model.findall("xf:instance", NS)
            if i.get("id")
        }
        body = self.root.find("h:body", NS)
        self.controls = {el.get("ref"): el for el in body.iter() if el.get("ref")}

    def path(self, name: str) -> str:
        hits = [p for p in self.binds if p.rsplit("/", 1)[-1] == name]
        assert len(hits) == 1, f"{name}: {hits}"
        return hits[0]

    def bind(self, name: str) -> ET.Element:
        return self.binds[self.path(name)]


def _convert(instrument: Instrument, tmp_path: Path) -> tuple[XForm, list[str]]:
    path = write_xlsform(instrument, tmp_path / f"{instrument.id}.xlsx")
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    return XForm(result.xform), warnings


def _squash(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _resolve(expression: str, xform: XForm) -> str:
    """Replace ``${name}`` by the node's path as pyxform does (padded with spaces)."""
    return _squash(re.sub(r"\$\{(\w+)\}", lambda m: f" {xform.path(m.group(1))} ", expression))


@pytest.fixture(scope="module")
def s1() -> Instrument:
    return load(library_path("s1_resilience_dt"))


# -- the sheets ------------------------------------------------------------------
def test_s1_survey_sheet_rows(s1):
    survey = xlsform_frames(s1)["survey"].set_index("name", drop=False)
    assert survey.loc["employees", "type"] == "integer"
    assert survey.loc["employees", "constraint"] == ". >= 1 and . <= 500"
    assert survey.loc["employees", "constraint_message"] == "Enter a number from 1 to 500."
    assert survey.loc["export_share", "type"] == "decimal"
    assert survey.loc["export_share", "required"] == "no"
    assert survey.loc["sector", "type"] == "select_one sector"
    assert survey.loc["platforms", "type"] == "select_multiple platforms"
    assert survey.loc["retail_sub", "relevant"] == "${sector} = 'retail'"
    assert survey.loc["main_challenge", "type"] == "text"
    assert survey.loc["dt1", "type"] == "select_one agree5"
    assert survey.loc["dt1", "appearance"] == "likert"
    assert survey.loc["dt4", "smekit_reverse"] == "yes"
    assert pd.isna(survey.loc["dt1", "smekit_reverse"])
    assert survey.loc["sc1", "smekit_construct"] == "supply_chain_div"
    assert survey.loc["attn1", "smekit_attention_check"] == "2"
    assert survey.loc["digital_tools", "type"] == "begin_group"
    assert survey.loc["digital_tools", "label"] == "Digital tools"


def test_s1_groups_balance_and_likert_runs(s1):
    survey = xlsform_frames(s1)["survey"]
    types = survey["type"].tolist()
    depth = 0
    for t in types:
        depth += {"begin_group": 1, "end_group": -1}.get(t, 0)
        assert depth >= 0
    assert depth == 0
    assert types.count("begin_group") == len(s1.sections) + 5  # five Likert runs
    # The Customers section is one field-list run that includes the attention check.
    names = survey["name"].tolist()
    start = names.index("customers_agree5")
    run = survey.iloc[start:].reset_index(drop=True)
    assert run.loc[0, "appearance"] == "field-list"
    end = run["type"].tolist().index("end_group")
    inside = run.loc[1 : end - 1]
    assert inside["name"].tolist() == [
        "customers_note",
        "ce1",
        "ce2",
        "ce3",
        "attn1",
        "ce4",
        "ce5",
    ]


def test_s1_choices_and_settings(s1):
    frames = xlsform_frames(s1)
    choices = frames["choices"]
    agree = choices[choices["list_name"] == "agree5"]
    assert agree["name"].tolist() == ["1", "2", "3", "4", "5"]
    assert agree["label"].tolist() == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    sector = choices[choices["list_name"] == "sector"]
    assert sector["name"].tolist() == ["retail", "manufacturing", "services"]
    # Each list is written once even though several items share it.
    assert (choices["list_name"] == "yes_no").sum() == 2
    settings = frames["settings"].iloc[0].to_dict()
    assert settings == {
        "form_title": s1.title,
        "form_id": "s1_resilience_dt",
        "version": "1.0",
        "default_language": "English (en)",
    }


def test_constraint_text_for_one_sided_ranges():
    inst = Instrument.model_validate(
        {
            "id": "t",
            "title": "T",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "items": [
                        {"id": "a", "text": "A", "type": "integer", "min": 0},
                        {"id": "b", "text": "B", "type": "decimal", "max": 2.5},
                        {"id": "c", "text": "C", "type": "decimal"},
                    ],
                }
            ],
        }
    )
    assert constraint_of(inst.item("a")) == (". >= 0", "Enter a number of at least 0.")
    assert constraint_of(inst.item("b")) == (". <= 2.5", "Enter a number of at most 2.5.")
    assert constraint_of(inst.item("c")) is None


def test_language_label():
    assert language_label("en") == "English (en)"
    assert language_label("zh-CN") == "Chinese (zh-CN)"
    assert language_label("xx") == "xx"


# -- conversion by pyxform -------------------------------------------------------
def test_s1_converts_to_xform(s1, tmp_path):
    xform, warnings = _convert(s1, tmp_path)
    assert warnings == []
    sector = xform.path("sector")
    assert sector.endswith("/profile/sector")
    assert _squash(xform.bind("retail_sub").get("relevant")) == f"{sector} = 'retail'"
    employees = xform.bind("employees")
    assert employees.get("type") == "int"
    assert employees.get("constraint") == ". >= 1 and . <= 500"
    assert employees.get(JR_CONSTRAINT_MSG) == "Enter a number from 1 to 500."
    assert xform.bind("export_share").get("required") == "false()"
    assert xform.bind("dt1").get("required") == "true()"
    assert xform.instances["agree5"] == [
        ("1", "Strongly disagree"),
        ("2", "Disagree"),
        ("3", "Neither agree nor disagree"),
        ("4", "Agree"),
        ("5", "Strongly agree"),
    ]
    dt1 = xform.controls[xform.path("dt1")]
    assert dt1.tag == f"{{{NS['xf']}}}select1"
    assert dt1.get("appearance") == "likert"
    group = xform.controls[xform.path("dt1").rsplit("/", 1)[0]]
    assert group.get("appearance") == "field-list"
    platforms = xform.controls[xform.path("platforms")]
    assert platforms.tag == f"{{{NS['xf']}}}select"
    title = xform.root.findtext("h:head/h:title", namespaces=NS)
    assert title == s1.title


@pytest.mark.parametrize("path", QUESTIONNAIRES, ids=lambda p: p.stem)
def test_library_questionnaire_converts(path, tmp_path):
    instrument = load(path)
    xform, warnings = _convert(instrument, tmp_path)
    assert warnings == []
    paths = {name: xform.path(name) for name in instrument.items}
    assert len(set(paths.values())) == len(paths)
    for item in instrument.iter_items():
        bind = xform.bind(item.id)
        assert bind.get("required") == ("true()" if item.required else "false()"), item.id
        expected = instrument.relevant_xpath(item)
        if expected is None:
            assert bind.get("relevant") is None, item.id
        else:
            assert _squash(bind.get("relevant")) == _resolve(expected, xform), item.id
        constraint = (
            constraint_of(item) if item.type in (ItemType.integer, ItemType.decimal) else None
        )
        assert bind.get("constraint") == (constraint[0] if constraint else None), item.id
        control = xform.controls[paths[item.id]]
        if item.type == ItemType.likert:
            scale = instrument.scale_of(item)
            assert control.get("appearance") == "likert"
            assert xform.instances[item.scale] == [
                (str(p), scale.anchors.get(p, str(p))) for p in scale.points
            ]
        if item.type in (ItemType.single_choice, ItemType.multiple_choice):
            list_name = control.find("xf:itemset", NS).get("nodeset").split("'")[1]
            assert xform.instances[list_name] == [
                (c.xls_name, c.label) for c in instrument.choices_of(item)
            ]


def _edge_instrument() -> Instrument:
    """Inline choices, clashing names, a bipolar scale with a blank midpoint, two runs."""
    return Instrument.model_validate(
        {
            "id": "edge",
            "title": "Edge cases",
            "language": "fr",
            "scales": {
                "bipolar": {"min": -2, "max": 2, "anchors": {-2: "Much worse", 2: "Much better"}},
                "channel": {"min": 1, "max": 4, "anchors": {1: "Never", 4: "Always"}},
            },
            "choice_lists": {
                "channel": [{"value": 1, "label": "Online"}, {"value": 2, "label": "Shop"}],
                "q_choices": [{"value": 9, "label": "Named list"}],
            },
            "sections": [
                {
                    "id": "q",
                    "title": "Section named like an item",
                    "description": "Intro text.",
                    "items": [
                        {
                            "id": "q",
                            "text": "Pick one",
                            "type": "single_choice",
                            "choices": [{"value": 1, "label": "A"}, {"value": -1, "label": "B"}],
                        },
                        {
                            "id": "w",
                            "text": "Named",
                            "type": "single_choice",
                            "choices": "q_choices",
                        },
                        {
                            "id": "c",
                            "text": "Where?",
                            "type": "multiple_choice",
                            "choices": "channel",
                        },
                        {"id": "l1", "text": "L1", "type": "likert", "scale": "bipolar"},
                        {"id": "l2", "text": "L2", "type": "likert", "scale": "bipolar"},
                        {"id": "m1", "text": "M1", "type": "likert", "scale": "channel"},
                        {"id": "m2", "text": "M2", "type": "likert", "scale": "channel"},
                        {"id": "solo", "text": "Solo", "type": "likert", "scale": "bipolar"},
                        {
                            "id": "n",
                            "text": "How many?",
                            "type": "integer",
                            "min": 0,
                            "relevant": "2 in c and q != -1",
                            "hint": "Count them",
                        },
                    ],
                }
            ],
        }
    )


def test_edge_cases_sheets():
    frames = xlsform_frames(_edge_instrument())
    survey = frames["survey"]
    lists = dict(zip(survey["name"], survey["type"], strict=True))
    # Section group renamed away from the item id "q"; the inline list of "q"
    # clashes with the named list "q_choices", and the scale "channel" with the
    # choice list "channel": later ones get a suffix.
    assert survey.loc[0, "name"] == "q_2"
    assert lists["q"] == "select_one q_choices"
    assert lists["w"] == "select_one q_choices_2"
    assert lists["c"] == "select_multiple channel"
    assert lists["l1"] == "select_one bipolar"
    assert lists["m1"] == "select_one channel_2"
    choices = frames["choices"]
    assert choices[choices["list_name"] == "q_choices"]["name"].tolist() == ["c1", "cm1"]
    bipolar = choices[choices["list_name"] == "bipolar"]
    assert bipolar["name"].tolist() == ["-2", "-1", "0", "1", "2"]
    assert bipolar["label"].tolist() == ["Much worse", "-1", "0", "1", "Much better"]
    # Two runs of two on different scales become two field-lists; the single
    # Likert item stands alone; the section note sits on its own (first item is not Likert).
    field_lists = survey[survey["appearance"] == "field-list"]["name"].tolist()
    assert field_lists == ["q_bipolar", "q_channel"]
    row = survey.set_index("name").loc["n"]
    assert row["relevant"] == "(selected(${c}, 'c2') and ${q} != 'cm1')"
    assert row["hint"] == "Count them"
    assert frames["settings"].loc[0, "default_language"] == "French (fr)"


def test_edge_cases_convert(tmp_path):
    inst = _edge_instrument()
    xform, warnings = _convert(inst, tmp_path)
    assert warnings == []
    assert xform.instances["bipolar"][0] == ("-2", "Much worse")
    assert xform.instances["channel_2"] == [("1", "Never"), ("2", "2"), ("3", "3"), ("4", "Always")]
    assert _squash(xform.bind("n").get("relevant")) == _resolve(
        "(selected(${c}, 'c2') and ${q} != 'cm1')", xform
    )
    assert xform.path("q") == "/data/q_2/q"
    assert xform.bind("n").get("constraint") == ". >= 0"


def test_write_xlsform_rejects_bad_paths(s1, tmp_path):
    with pytest.raises(SmekitError, match=r"\.xlsx"):
        write_xlsform(s1, tmp_path / "form.xls")
    with pytest.raises(SmekitError, match="cannot write"):
        write_xlsform(s1, tmp_path / "missing" / "form.xlsx")


def test_write_xlsform_roundtrips_sheets(s1, tmp_path):
    path = write_xlsform(s1, tmp_path / "s1.xlsx")
    assert path == tmp_path / "s1.xlsx"
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    assert list(sheets) == ["survey", "choices", "settings"]
    frames = xlsform_frames(s1)
    assert (
        sheets["survey"]["name"].fillna("").tolist() == frames["survey"]["name"].fillna("").tolist()
    )
    assert len(sheets["choices"]) == len(frames["choices"])
