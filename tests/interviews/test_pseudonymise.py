"""Pseudonymisation: lists, variants, patterns, optional NER, stable placeholders, the key apart."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.pseudonymise import entity, leaks, load_ner, pseudonymise, read_names
from smekit.interviews.transcripts import read_corpus

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "interviews"
TEXTS = {
    "T1": (
        "Interviewer: Hello Ann Lee, and thanks.\n"
        "Ann Lee: I run Tealeaf Trading Ltd in Hangzhou. Ann's brother Bo helps. "
        "Mail ann.lee@tealeaf.cn, call +86 571 8888 1234 or see https://tealeaf.cn/about.\n"
    ),
    "T2": "Interviewer: Hi Bo Chen.\nBo Chen: Tealeaf buys from Greenhill Tea Co. in Hangzhou.\n",
}


def _corpus(tmp_path):
    for tid, text in TEXTS.items():
        (tmp_path / f"{tid}.txt").write_text(text, encoding="utf-8")
    return read_corpus(tmp_path)


@pytest.fixture()
def result(tmp_path):
    corpus = _corpus(tmp_path)
    return pseudonymise(corpus.sources, corpus.segments, read_names(FIX / "names.csv"), ner=False)


def test_every_kind_is_replaced_with_stable_placeholders(result):
    t1, t2 = result.sources["T1"], result.sources["T2"]
    assert t1 == (
        "Interviewer: Hello [PERSON_1], and thanks.\n"
        "[PERSON_1]: I run [ORG_1] in [PLACE_1]. [PERSON_1]'s brother [PERSON_2] helps. "
        "Mail [EMAIL_1], call [PHONE_1] or see [URL_1].\n"
    )
    # same person, firm and city → same placeholder in another transcript; new ORG by pattern
    assert (
        t2 == "Interviewer: Hi [PERSON_2].\n[PERSON_2]: [ORG_1] buys from [ORG_2] in [PLACE_1].\n"
    )
    assert (
        leaks(
            result.sources.values(),
            ["Ann", "Lee", "Bo", "Chen", "Tealeaf", "Hangzhou", "Greenhill"],
        )
        == []
    )


def test_segments_follow_the_new_text(result):
    seg = result.segments
    assert seg["speaker"].tolist() == ["Interviewer", "[PERSON_1]", "Interviewer", "[PERSON_2]"]
    for r in seg.itertuples():
        assert result.sources[r.transcript_id][r.char_start : r.char_end] == r.text
    assert seg["text"][3] == "[ORG_1] buys from [ORG_2] in [PLACE_1]."


def test_report_key_and_sources(result):
    report = result.report.set_index(["placeholder", "source"])
    assert (
        report.loc[("[PERSON_1]", "lists"), "count"] == 3
    )  # greeting, label, first-name possessive
    assert report.loc[("[ORG_2]", "patterns"), "transcripts"] == "T2"
    assert report.loc[("[EMAIL_1]", "patterns"), "count"] == 1
    assert "original" not in result.report.columns  # the report never shows the originals
    key = result.key.set_index("placeholder")
    assert key.loc["[PERSON_1]", "original"] == "Ann Lee"
    assert key.loc["[ORG_2]", "original"] == "Greenhill Tea Co."
    assert key.loc["[PHONE_1]", "original"] == "865718888" + "1234"
    assert set(key.loc["[PERSON_1]", "variants"].split("; ")) == {"Ann Lee", "Ann"}
    runs = result.runs.set_index("source")
    assert bool(runs.loc["lists", "ran"]) and bool(runs.loc["patterns", "ran"])
    assert not runs.loc["ner", "ran"] and runs.loc["ner", "detail"] == "switched off"


def test_positions_map_into_the_new_text(result):
    old = TEXTS["T1"]
    a = old.index("Tealeaf Trading Ltd")
    b = old.index("Hangzhou") + len("Hangzhou.")
    codings = pd.DataFrame({"transcript_id": ["T1"], "start": [a], "end": [b], "code": "x"})
    moved = result.map_codings(codings)
    new = result.sources["T1"]
    assert new[moved["start"][0] : moved["end"][0]] == "[ORG_1] in [PLACE_1]."
    # a position inside a replaced name moves to the placeholder's edge
    assert result.map_position("T1", a + 3, "start") == new.index("[ORG_1]")
    assert result.map_position("T1", a + 3, "end") == new.index("[ORG_1]") + len("[ORG_1]")


def test_ner_is_optional_and_says_what_ran(tmp_path):
    corpus = _corpus(tmp_path)
    nlp, _ = load_ner()
    res = pseudonymise(corpus.sources, corpus.segments, [], ner=True)
    ner = res.runs.set_index("source").loc["ner"]
    if nlp is None:
        assert not ner["ran"] and ner["detail"].startswith("skipped: no trained spaCy pipeline")
    else:
        assert ner["ran"] and ner["detail"].startswith("spaCy pipeline")
        assert (res.report["source"] == "ner").any()
    missing, why = load_ner("no_such_pipeline_xyz")
    assert missing is None and "no_such_pipeline_xyz" in why


def test_names_list_formats_and_errors(tmp_path):
    plain = tmp_path / "names.txt"
    plain.write_text("# people\nAnn Lee\norg: Tealeaf Trading Ltd\n")
    got = [(e.kind, e.canonical) for e in read_names(plain)]
    assert got == [("person", "Ann Lee"), ("org", "Tealeaf Trading Ltd")]
    bad = tmp_path / "bad.csv"
    bad.write_text("type,value\nperson,Ann\nanimal,Rex\n")
    with pytest.raises(DataError, match=r"bad\.csv:3: unknown type 'animal'"):
        read_names(bad)
    assert entity("org", "Summit Orchard Ltd", "lists").variants == (
        "Summit Orchard Ltd",
        "Summit Orchard",
        "Summit",
    )


def test_demo_no_planted_name_survives(demo_study):
    truth = json.loads((demo_study.root / "truth.json").read_text())
    corpus = read_corpus(demo_study.root / "data" / "transcripts")
    planted = []
    for ids in truth["identifiers"].values():
        planted += ids["people"] + [ids["firm"], ids["city"]]
    # the planted strings really are in the raw text
    assert set(leaks(corpus.sources.values(), planted)) == set(planted)
    res = pseudonymise(
        corpus.sources,
        corpus.segments,
        read_names(demo_study.root / "data" / "names.csv"),
        ner=False,
    )
    parts = {p for name in planted for p in name.replace(".", "").split() if len(p) > 3}
    parts -= {
        "Trading",
        "Commerce",
        "Goods",
        "Export",
        "Supply",
        "Sourcing",
        "International",
        "Direct",
        "Orchard",
    }
    texts = [*res.sources.values(), *res.segments["text"], *res.segments["speaker"]]
    assert leaks(texts, planted) == []
    assert leaks(texts, sorted(parts)) == []
