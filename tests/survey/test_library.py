"""The instrument library: every file loads, and each study's instruments meet their spec.

The specs are the study summaries in SEEDS.md (S1-S4): the constructs each questionnaire must
measure, the S1 interview areas and themes, and the S4 framework's layers and barriers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smekit.core.errors import InstrumentError
from smekit.core.yamlio import read_yaml
from smekit.interviews.codebook import Codebook, load_codebook
from smekit.interviews.protocol import Protocol, load_protocol
from smekit.survey.instrument import (
    Instrument,
    ItemType,
    library_dir,
    library_path,
    load_instrument,
)

LOADERS = {
    "questionnaire": load_instrument,
    "protocol": load_protocol,
    "codebook": load_codebook,
}
MODELS = {"questionnaire": Instrument, "protocol": Protocol, "codebook": Codebook}

LIBRARY_FILES = sorted(library_dir().glob("*.yaml"))

QUESTIONNAIRES = [
    "s1_resilience_dt",
    "s2_supply_chain_resilience",
    "s3_trade_resilience",
    "s4_digital_green_supply_chain",
]

# Codebook → the questionnaire whose constructs its themes are set against.
CODEBOOK_QUESTIONNAIRE = {
    "s1_codebook": "s1_resilience_dt",
    "s4_green_codebook": "s4_digital_green_supply_chain",
}


def _kind(path: Path) -> str:
    document = read_yaml(path, InstrumentError)
    return document.get("kind", "questionnaire")


def _load(name: str):
    path = library_path(name)
    return LOADERS[_kind(path)](path)


def _texts(inst: Instrument, construct_id: str) -> str:
    return " ".join(i.text.lower() for i in inst.construct_items(construct_id))


# -- every file --------------------------------------------------------------------------


def test_library_holds_every_study_file():
    stems = {p.stem for p in LIBRARY_FILES}
    expected = {
        *QUESTIONNAIRES,
        "s1_interview_protocol",
        "s1_codebook",
        "s4_green_practices_module",
        "s4_green_codebook",
    }
    assert expected <= stems


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: p.name)
def test_every_file_loads_with_the_loader_for_its_kind(path: Path):
    kind = _kind(path)
    assert kind in LOADERS, f"{path.name}: unknown kind {kind!r}"
    loaded = LOADERS[kind](path)
    assert isinstance(loaded, MODELS[kind])
    assert loaded.id == path.stem


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: p.name)
def test_every_file_opens_with_a_header_comment(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ")


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_questionnaire_scales_label_every_point(name: str):
    inst = _load(name)
    assert inst.scales
    for scale in inst.scales.values():
        assert sorted(scale.anchors) == scale.points == [1, 2, 3, 4, 5]
        assert all(label.strip() for label in scale.anchors.values())


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_questionnaire_constructs_are_documented_and_scorable(name: str):
    inst = _load(name)
    for c in inst.constructs:
        items = inst.construct_items(c.id)
        assert len(items) >= 4, c.id
        assert c.label and c.description, c.id
        assert c.scoring == "mean"
        assert c.min_valid is not None and 1 <= c.min_valid <= len(items)
        assert all(i.type == ItemType.likert for i in items), c.id
    assert any(i.reverse for i in inst.iter_items())


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_questionnaire_can_be_fielded_alone(name: str):
    inst = _load(name)
    for item_id in ("employees", "firm_age", "sector", "region", "role"):
        assert item_id in inst.items, item_id
    employees = inst.item("employees")
    assert employees.type == ItemType.integer
    assert (employees.min, employees.max) == (1, 500)  # SMEs: at most 500 employees
    assert inst.attention_items
    assert any(i.type == ItemType.text for i in inst.iter_items())


# -- S1 questionnaire ---------------------------------------------------------------------


def test_s1_questionnaire_profile():
    inst = _load("s1_resilience_dt")
    profile = (
        "employees",
        "firm_age",
        "sector",
        "retail_sub",
        "region",
        "platforms",
        "markets",
        "role",
    )
    for item_id in profile:
        assert item_id in inst.items, item_id
    assert inst.item("retail_sub").relevant == "sector == 1"
    assert {"platforms", "markets"} <= set(inst.multiple_choice_ids)


def test_s1_questionnaire_constructs():
    inst = _load("s1_resilience_dt")
    strategies = ["digital_tools", "supply_chain_div", "employee_training", "customer_engagement"]
    assert [c.id for c in inst.constructs] == [*strategies, "digital_transformation"]
    for cid in strategies:
        items = inst.construct_items(cid)
        assert len(items) >= 4 and all(i.type == ItemType.likert for i in items), cid

    outcome = inst.construct_items("digital_transformation")
    assert len(outcome) >= 5
    texts = [i.text.lower() for i in outcome]
    assert any(re.search(r"\b(abroad|foreign)\b", t) for t in texts)
    assert any(re.search(r"\b(domestic|at home)\b", t) for t in texts)

    assert any(i.reverse for i in inst.iter_items())
    assert [i.id for i in inst.attention_items] == ["attn1"]
    assert inst.item("attn1").attention_check.expected == [2]
    assert inst.item("attn1").construct_id is None
    assert any(i.type == ItemType.text for i in inst.iter_items())


# -- S2-S4 questionnaires -----------------------------------------------------------------


def test_s2_has_the_four_resilience_dimensions_and_digital_economy_predictor():
    inst = _load("s2_supply_chain_resilience")
    ids = [c.id for c in inst.constructs]
    dimensions = ["resistance", "recovery", "responsiveness", "learning_innovation"]
    assert ids == [*dimensions, "digital_economy"]
    for cid in ids:
        assert len(inst.construct_items(cid)) >= 4
    assert sum(i.reverse for i in inst.iter_items()) >= 1
    # The digital-economy items are firm-level counterparts of the index's four dimensions.
    text = _texts(inst, "digital_economy")
    for word in ("internet", "digital services", "digital systems", "develop"):
        assert word in text, word


def test_s3_has_the_three_trade_resilience_dimensions():
    inst = _load("s3_trade_resilience")
    ids = [c.id for c in inst.constructs]
    assert ids == ["resistance_capacity", "recovery_capacity", "transformation_capacity"]
    for cid in ids:
        items = inst.construct_items(cid)
        assert len(items) >= 4
        assert any(i.reverse for i in items), cid
    assert inst.item("city").type == ItemType.text


# Every sub-topic of an S4 layer or barrier must be asked about by at least one item.
S4_TOPICS = {
    "technical_layer": {
        "blockchain traceability": r"blockchain|traceab",
        "green certification": r"certificat|eco-label",
        "IoT warehousing": r"sensor|connected device",
        "digital-twin warehousing": r"digital twin",
    },
    "business_layer": {
        "data-driven demand matching": r"sales data|forecast",
        "AI-driven demand matching": r"\bai\b|machine-learning",
        "multimodal routes": r"sea, rail, road and air",
        "cost-time-emissions trade-off": r"cost, delivery time and emissions",
    },
    "policy_ecosystem": {
        "mutual recognition": r"accepted in our main export markets",
        "carbon labelling": r"carbon label",
        "carbon labelling tiers": r"\btier",
        "carbon-asset finance": r"green loans|carbon credits",
        "multi-stakeholder alliances": r"alliance|network",
    },
    "green_barriers": {
        "data interoperability": r"exchange data|formats",
        "computing cost": r"cost of computing|too expensive",
        "institutional friction": r"rules|procedures",
    },
}


def test_s4_has_the_three_layers_and_barriers_covering_every_subtopic():
    inst = _load("s4_digital_green_supply_chain")
    ids = [c.id for c in inst.constructs]
    assert ids == list(S4_TOPICS)
    for cid, topics in S4_TOPICS.items():
        items = inst.construct_items(cid)
        assert len(items) >= (5 if cid != "green_barriers" else 4), cid
        text = _texts(inst, cid)
        missing = [t for t, pattern in topics.items() if not re.search(pattern, text)]
        assert not missing, f"{cid}: no item on {missing}"
    for cid in ids[:3]:
        assert any(i.reverse for i in inst.construct_items(cid)), cid
    # A barrier score is "higher = stronger barrier": no barrier item is reverse-coded.
    assert not any(i.reverse for i in inst.construct_items("green_barriers"))


# -- codebooks and protocols --------------------------------------------------------------

S1_THEMES = {
    "digital_tools_adoption": "digital_tools",
    "supply_chain_diversification": "supply_chain_div",
    "employee_training_engagement": "employee_training",
    "customer_engagement": "customer_engagement",
    "pandemic_challenges": None,
}


@pytest.mark.parametrize("name", sorted(CODEBOOK_QUESTIONNAIRE))
def test_codebook_codes_are_complete(name: str):
    book = _load(name)
    for code in book.codes:
        assert code.definition.strip(), code.id
        assert code.include and all(s.strip() for s in code.include), code.id
        assert code.exclude and all(s.strip() for s in code.exclude), code.id
        assert code.example.strip(), code.id
    themes = [c.id for c in book.codes if c.parent is None]
    for theme in themes:
        children = [c for c in book.codes if c.parent == theme]
        assert 2 <= len(children) <= 4, theme
    frame = book.to_frame()
    assert len(frame) == len(book.codes)
    assert frame["example"].str.len().min() > 0


def test_s1_codebook_has_the_four_themes_and_pandemic_challenges():
    book = _load("s1_codebook")
    themes = {c.id: c.construct_id for c in book.codes if c.parent is None}
    assert themes == S1_THEMES
    for code in book.codes:
        if code.parent is not None:
            assert code.construct_id is None, code.id


@pytest.mark.parametrize("name", sorted(CODEBOOK_QUESTIONNAIRE))
def test_codebook_constructs_exist_in_the_questionnaire(name: str):
    book = _load(name)
    inst = _load(CODEBOOK_QUESTIONNAIRE[name])
    named = {c.construct_id for c in book.codes if c.construct_id}
    assert named
    assert named <= {c.id for c in inst.constructs}


def test_s4_codebook_covers_layers_and_barriers():
    book = _load("s4_green_codebook")
    themes = [c.id for c in book.codes if c.parent is None]
    assert themes == ["technical_layer", "business_layer", "policy_ecosystem", "green_barriers"]
    barriers = [c.id for c in book.codes if c.parent == "green_barriers"]
    assert barriers == [
        "br_data_interoperability",
        "br_computing_cost",
        "br_institutional_friction",
    ]


PROTOCOLS = [p.stem for p in LIBRARY_FILES if _kind(p) == "protocol"]


@pytest.mark.parametrize("name", PROTOCOLS)
def test_protocol_codes_exist_in_its_codebook(name: str):
    protocol = _load(name)
    assert protocol.codebook is not None
    book = _load(protocol.codebook)
    assert isinstance(book, Codebook)
    known = {c.id for c in book.codes}
    named = {k for a in protocol.areas for q in a.questions for k in q.codes}
    assert named, "no question names a code"
    assert named <= known, sorted(named - known)
    # Every theme of the codebook is elicited by at least one question.
    themes = {c.id for c in book.codes if c.parent is None}
    assert themes <= named


@pytest.mark.parametrize("name", PROTOCOLS)
def test_protocol_structure(name: str):
    protocol = _load(name)
    assert protocol.opening and protocol.closing
    for area in protocol.areas:
        assert 3 <= len(area.questions) <= 5, area.id
        for q in area.questions:
            assert 2 <= len(q.probes) <= 4, q.id
            assert q.codes, q.id
    consent = protocol.consent.lower()
    for topic in (
        "purpose",
        "voluntary",
        "skip",
        "stop",
        "record",
        "transcri",
        "pseudonymis",
        "stor",
        "contact",
    ):
        assert topic in consent, topic


def test_s1_protocol_matches_the_study():
    protocol = _load("s1_interview_protocol")
    assert protocol.duration_minutes == 60
    assert "video" in (protocol.mode or "").lower()
    assert protocol.codebook == "s1_codebook"
    assert [a.id for a in protocol.areas] == [
        "pandemic_problems",
        "resilience_strategies",
        "digital_transformation",
    ]


# -- malformed copies ---------------------------------------------------------------------


def _s1_lines() -> list[str]:
    return library_path("s1_resilience_dt").read_text(encoding="utf-8").splitlines(keepends=True)


def _index(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines) if line.rstrip() == text)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _expect(path: Path, line: int, words: str) -> None:
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert path.name in message
    assert f"{path.name}:{line}:" in message
    assert words in message


def test_unknown_key_is_reported_at_its_line(tmp_path: Path):
    lines = _s1_lines()
    at = _index(lines, "      - id: dt2")
    lines.insert(at + 1, "        colour: blue\n")
    path = _write(tmp_path, "unknown_key.yaml", lines)
    _expect(path, at + 2, "colour': unknown key")


def test_likert_item_without_scale_is_reported_at_the_item(tmp_path: Path):
    lines = _s1_lines()
    at = _index(lines, "      - id: dt3")
    scale = next(i for i in range(at, len(lines)) if lines[i].strip() == "scale: agree5")
    del lines[scale]
    path = _write(tmp_path, "no_scale.yaml", lines)
    _expect(path, at + 1, "needs `scale`")


@pytest.mark.parametrize("shift", [-1, -2, 2], ids=["dedent1", "dedent2", "indent2"])
def test_bad_indentation_is_reported_at_its_line(tmp_path: Path, shift: int):
    lines = _s1_lines()
    at = _index(lines, "      - id: dt4")
    target = at + 2
    assert lines[target].strip() == "type: likert"
    lines[target] = lines[target][-shift:] if shift < 0 else " " * shift + lines[target]
    path = _write(tmp_path, f"indent{shift}.yaml", lines)
    _expect(path, target + 1, "invalid YAML")


def test_codebook_unknown_key_is_reported_at_its_line(tmp_path: Path):
    lines = library_path("s1_codebook").read_text(encoding="utf-8").splitlines(keepends=True)
    at = _index(lines, "  - id: dt_analytics")
    lines.insert(at + 1, "    shade: blue\n")  # colour is a key of its own
    path = _write(tmp_path, "bad_codebook.yaml", lines)
    with pytest.raises(InstrumentError) as info:
        load_codebook(path)
    assert f"{path.name}:{at + 2}:" in str(info.value)
    assert "unknown key" in str(info.value)
