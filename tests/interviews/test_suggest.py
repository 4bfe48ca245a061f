"""Code suggestions: keyword, regex and embedding suggesters, and accepting them."""

from __future__ import annotations

import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.codebook import load_codebook
from smekit.interviews.preprocess import load_preprocessor
from smekit.interviews.suggest import (
    CODING_COLUMNS,
    SUGGESTION_COLUMNS,
    accept_suggestions,
    embedding_suggestions,
    keyword_suggestions,
    regex_suggestions,
    suggest,
)
from smekit.interviews.transcripts import read_corpus
from smekit.survey.instrument import library_path


@pytest.fixture(scope="module")
def pre():
    return load_preprocessor()


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(library_path("s1_codebook"))


@pytest.fixture(scope="module")
def demo(demo_study):
    study = demo_study
    segments = read_corpus(study.root / "data" / "transcripts").segments
    truth = {}
    for pid, p in study.truth["interviews"]["participants"].items():
        for theme, turns in p["theme_turns"].items():
            for k in turns:
                truth[f"{pid}:{k - 1:04d}"] = theme
    return segments, pd.Series(truth)


SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["P01:0003", "P01:0005", "P02:0001"],
        "transcript_id": ["P01", "P01", "P02"],
        "role": ["participant"] * 3,
        "char_start": [100, 300, 20],
        "char_end": [180, 420, 90],
        "text": [
            "We found two new suppliers and a second factory in Vietnam.",
            "Staff took an online course; we also opened a Shopify web shop.",
            "Yes, that's fine.",
        ],
    }
)


def test_keyword_rules_match_lemmas(codebook, pre):
    rules = {"scd_sourcing": ["supplier", "factory", "nearshoring"], "etr_upskilling": ["course"]}
    out = keyword_suggestions(SEGMENTS, codebook, pre, rules)
    assert list(out.columns) == SUGGESTION_COLUMNS
    got = {(r.segment_id, r.code): (r.score, r.rationale) for r in out.itertuples()}
    # "suppliers" and "factory" are two of the three sourcing keywords.
    assert got[("P01:0003", "scd_sourcing")] == (round(2 / 3, 6), "keywords: factory, supplier")
    assert got[("P01:0005", "etr_upskilling")] == (1.0, "keywords: course")
    assert not any(s == "P02:0001" for s, _ in got)


def test_regex_rules(codebook):
    out = regex_suggestions(SEGMENTS, {"scd_channels": [r"shopify|web ?shop"]})
    assert out[["segment_id", "code", "score", "suggester"]].values.tolist() == [
        ["P01:0005", "scd_channels", 1.0, "regex"]
    ]
    assert "'Shopify'" in out["rationale"].iloc[0]
    with pytest.raises(DataError, match="invalid"):
        regex_suggestions(SEGMENTS, {"x": ["("]})


def test_embedding_suggestions_point_at_the_voiced_theme(demo, codebook, pre):
    segments, truth = demo
    part = segments[segments["segment_id"].isin(truth.index)]
    out = embedding_suggestions(part, codebook, pre, threshold=0.0, top_n=1)
    assert (out["suggester"] == "embedding").all() and out["score"].between(-1, 1).all()
    theme = out.assign(theme=[codebook.theme_of(c) for c in out["code"]]).set_index("segment_id")
    hit = (theme["theme"] == truth.reindex(theme.index)).mean()
    assert hit > 0.6  # top code's theme is the voiced theme for most themed turns (chance 0.2)


def test_suggest_combines_and_accepting_makes_codings(codebook, pre):
    sug = suggest(
        SEGMENTS,
        codebook,
        pre,
        keywords={"scd_sourcing": ["supplier"]},
        patterns={"scd_channels": ["shopify"]},
        embedding_threshold=0.0,
    )
    assert set(sug["suggester"]) == {"keyword", "regex", "embedding"}
    # Nothing is a coding until accepted.
    chosen = [("P01:0003", "scd_sourcing"), ("P01:0005", "scd_channels")]
    codings = accept_suggestions(sug, SEGMENTS, chosen, coder="Researcher A")
    assert list(codings.columns) == CODING_COLUMNS
    assert codings[
        ["segment_id", "transcript_id", "start", "end", "code", "coder"]
    ].values.tolist() == [
        ["P01:0003", "P01", 100, 180, "scd_sourcing", "Researcher A"],
        ["P01:0005", "P01", 300, 420, "scd_channels", "Researcher A"],
    ]
    assert codings["memo"].tolist() == [
        "accepted keyword suggestion (score 1.00)",
        "accepted regex suggestion (score 1.00)",
    ]
    # Accepting again adds nothing; a boolean mask works too.
    again = accept_suggestions(
        sug, SEGMENTS, sug["code"] == "scd_sourcing", "Researcher A", codings
    )
    assert len(again) == 2
    with pytest.raises(DataError, match="not suggestions"):
        accept_suggestions(sug, SEGMENTS, [("P02:0001", "scd_sourcing")], coder="A")
    with pytest.raises(DataError, match="coder"):
        accept_suggestions(sug, SEGMENTS, [0], coder="")


def test_rules_for_unknown_codes_are_an_error(codebook, pre):
    with pytest.raises(DataError, match="not in the codebook"):
        keyword_suggestions(SEGMENTS, codebook, pre, {"no_such_code": ["x"]})
