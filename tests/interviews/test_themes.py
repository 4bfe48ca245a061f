"""Thematic clustering: recovery of the demo's themes, determinism, modes and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.core.errors import DataError, ModelError
from smekit.interviews.codebook import load_codebook
from smekit.interviews.preprocess import load_preprocessor
from smekit.interviews.themes import (
    default_k,
    fit_themes,
    label_agreement,
    overlap_matrix,
    segment_themes,
    theme_keywords,
)
from smekit.interviews.transcripts import read_corpus
from smekit.survey.instrument import library_path


@pytest.fixture(scope="module")
def demo(demo_study):
    study = demo_study
    segments = read_corpus(study.root / "data" / "transcripts").segments
    truth = {}
    for pid, p in study.truth["interviews"]["participants"].items():
        for theme, turns in p["theme_turns"].items():
            for k in turns:  # truth.json numbers turns from 1, segment ids from 0
                truth[f"{pid}:{k - 1:04d}"] = theme
    return segments, pd.Series(truth)


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(library_path("s1_codebook"))


@pytest.fixture(scope="module")
def pre():
    return load_preprocessor()


@pytest.fixture(scope="module")
def guided(demo, codebook, pre):
    segments, _ = demo
    return fit_themes(segments, mode="guided", codebook=codebook, seed=0, preprocessor=pre)


def _truth_codings(segments: pd.DataFrame, truth: pd.Series, keep) -> pd.DataFrame:
    seg = segments.set_index("segment_id")
    ids = [i for i in truth.index if keep(i)]
    return pd.DataFrame(
        {
            "segment_id": ids,
            "transcript_id": [i.split(":")[0] for i in ids],
            "start": seg.loc[ids, "char_start"].to_numpy(),
            "end": seg.loc[ids, "char_end"].to_numpy(),
            "code": truth[ids].to_numpy(),
            "coder": "A",
            "memo": None,
        }
    )


def test_guided_recovers_the_demo_themes(demo, guided):
    _, truth = demo
    topics = guided.assignments.set_index("segment_id")["topic"]
    agree = label_agreement(topics, truth)
    # Demo seed 20240601: ARI 0.645, NMI 0.710 on the 107 clustered turns that voice a theme.
    assert agree["n"] > 100
    assert agree["ari"] > 0.55
    assert agree["nmi"] > 0.65
    # The same partition with shuffled labels is near chance.
    shuffled = pd.Series(np.random.default_rng(0).permutation(topics.to_numpy()), topics.index)
    assert label_agreement(shuffled, truth)["ari"] < 0.1
    # Every codebook theme is the nearest theme of exactly one topic.
    assert sorted(guided.topics["theme"]) == sorted(truth.unique())


def test_same_topics_across_runs_and_document_order(demo, codebook, pre, guided):
    segments, _ = demo
    shuffled = segments.sample(frac=1.0, random_state=7).reset_index(drop=True)
    again = fit_themes(shuffled, mode="guided", codebook=codebook, seed=0, preprocessor=pre)
    pd.testing.assert_frame_equal(again.assignments, guided.assignments)
    pd.testing.assert_frame_equal(again.terms, guided.terms)
    assert again.to_dict() == guided.to_dict()


def test_topics_have_words_representatives_and_exclusions(guided):
    m = guided
    assert m.info["k"] == 5 and m.info["embedding"] == "tfidf"
    assert m.info["preprocessing"] == {"pipeline": "blank:en+lookups", "lemmas": "lookup"}
    assert set(m.info["seed_topic_list"]) == set(m.topics["theme"])
    assert (m.terms.groupby("topic").size() == 10).all()
    staff = m.topics.loc[m.topics["theme"] == "employee_training_engagement", "keywords"].iloc[0]
    assert "staff" in staff.split(", ")
    reps = m.representatives
    assert (reps.groupby("topic").size() == 3).all()
    # Representatives are the segments most similar to their topic's centroid.
    for t, part in m.assignments.groupby("topic"):
        top = part["similarity"].max()
        assert reps.loc[(reps["topic"] == t) & (reps["rank"] == 1), "similarity"].iloc[0] == top
    # Interviewer turns and short answers are listed, not silently dropped.
    assert len(m.assignments) + len(m.excluded) == 368
    assert m.excluded["reason"].str.startswith("speaker role interviewer").sum() == 184
    assert (m.excluded["reason"].str.contains("content words")).sum() > 0
    assert set(m.assignments["segment_id"]).isdisjoint(m.excluded["segment_id"])
    assert -1 not in set(m.assignments["topic"])


def test_zeroshot_reports_threshold_and_assignments(demo, codebook, pre):
    segments, truth = demo
    m = fit_themes(
        segments,
        mode="zeroshot",
        codebook=codebook,
        seed=0,
        zeroshot_threshold=0.3,
        preprocessor=pre,
    )
    assigned = m.info["zeroshot_assigned"]
    assert m.info["zeroshot_threshold"] == 0.3
    assert sum(assigned.values()) + m.info["zeroshot_unassigned"] == len(m.assignments)
    assert int(m.assignments["zeroshot"].sum()) == sum(assigned.values())
    zs = m.topics[m.topics["source"] == "zeroshot"]
    assert set(zs["theme"]) == {t for t, n in assigned.items() if n}
    agree = label_agreement(m.assignments.set_index("segment_id")["topic"], truth)
    assert agree["ari"] > 0.5
    # A higher threshold assigns fewer segments.
    strict = fit_themes(
        segments,
        mode="zeroshot",
        codebook=codebook,
        seed=0,
        zeroshot_threshold=0.6,
        preprocessor=pre,
    )
    assert sum(strict.info["zeroshot_assigned"].values()) < sum(assigned.values())


def test_semisupervised_learns_from_manual_codes(demo, codebook, pre):
    segments, truth = demo
    # The "researcher" coded the odd-numbered participants; agreement is judged on the others.
    odd = _truth_codings(segments, truth, lambda i: int(i[1:3]) % 2 == 1)
    m = fit_themes(
        segments,
        mode="semisupervised",
        codebook=codebook,
        codings=odd,
        seed=0,
        preprocessor=pre,
    )
    held_out = truth[[i for i in truth.index if int(i[1:3]) % 2 == 0]]
    agree = label_agreement(m.assignments.set_index("segment_id")["topic"], held_out)
    assert agree["ari"] > 0.6  # 0.741 with seed 0
    assert m.agreement["manual"]["n"] > 40
    # Overlap: each topic's coded segments fall mostly under one theme.
    share = m.overlap.max(axis=1) / m.overlap.sum(axis=1)
    assert share.min() > 0.7


def test_unsupervised_on_separable_text_is_exact():
    words = {
        "a": "cloud software dashboard automation analytics system data",
        "b": "supplier factory warehouse carrier route freight container",
        "c": "staff training course workshop employee coaching wellbeing",
    }
    rng = np.random.default_rng(0)
    rows, truth = [], {}
    for g, vocab in words.items():
        for i in range(8):
            picked = rng.choice(vocab.split(), size=6, replace=False)
            sid = f"{g.upper()}:{i:04d}"
            rows.append({"segment_id": sid, "text": " ".join(picked)})
            truth[sid] = g
    m = fit_themes(pd.DataFrame(rows), mode="unsupervised", k=3, seed=1)
    agree = label_agreement(m.assignments.set_index("segment_id")["topic"], pd.Series(truth))
    assert agree == {"ari": 1.0, "nmi": 1.0, "n": 24}
    assert m.topics["theme"].isna().all()


def test_hdbscan_option_reassigns_outliers(demo, codebook, pre):
    segments, _ = demo
    m = fit_themes(
        segments,
        mode="unsupervised",
        codebook=codebook,
        clustering="hdbscan",
        seed=0,
        preprocessor=pre,
    )
    assert -1 not in set(m.assignments["topic"])
    assert m.info["clustering"] == "hdbscan"


def test_missing_sentence_transformer_falls_back_and_says_so(demo, codebook, pre, tmp_path):
    segments, _ = demo
    m = fit_themes(
        segments.head(120),
        mode="unsupervised",
        k=3,
        embedding=str(tmp_path / "no-model"),
        seed=0,
        preprocessor=pre,
    )
    assert m.info["embedding"] == "tfidf"
    assert "skipped" in m.info["notes"][0]


def test_seed_words_and_default_k(codebook, pre):
    seeds = theme_keywords(codebook, pre)
    assert list(seeds) == [t.id for t in codebook.themes()]
    assert all(len(w) == 10 for w in seeds.values())
    assert "supplier" in seeds["supply_chain_diversification"]
    assert "customer" in seeds["customer_engagement"]
    assert default_k(184, 5) == 5 and default_k(200, 0) == 10 and default_k(10**6, 0) == 20


def test_manual_themes_majority_and_span_codings(demo, codebook):
    segments, _ = demo
    row = segments.iloc[5]
    codings = pd.DataFrame(
        {
            "segment_id": [row.segment_id, row.segment_id, None],
            "transcript_id": [row.transcript_id] * 3,
            "start": [row.char_start, row.char_start, row.char_start + 2],
            "end": [row.char_end, row.char_end, row.char_start + 9],
            "code": ["pc_logistics", "dt_analytics", "pc_supply_shortage"],
            "coder": ["A", "B", "B"],
            "memo": [None] * 3,
        }
    )
    themes = segment_themes(codings, codebook, segments)
    # Two pandemic codings (one a span without segment id) outvote one digital-tools coding.
    assert themes.to_dict() == {row.segment_id: "pandemic_challenges"}
    a = pd.DataFrame({"segment_id": [row.segment_id], "topic": [0]})
    table = overlap_matrix(a, codings, segments, codebook)
    assert table.loc[0].to_dict() == {"pc_logistics": 1, "pc_supply_shortage": 1, "dt_analytics": 1}
    assert list(table.columns) == ["pc_logistics", "pc_supply_shortage", "dt_analytics"]


def test_bad_input():
    with pytest.raises(ModelError, match="unknown themes mode"):
        fit_themes(pd.DataFrame({"segment_id": ["a"], "text": ["x"]}), mode="magic")
    with pytest.raises(ModelError, match="needs a codebook"):
        fit_themes(pd.DataFrame({"segment_id": ["a"], "text": ["x"]}), mode="guided")
    with pytest.raises(DataError, match="no column"):
        fit_themes(pd.DataFrame({"id": ["a"]}), mode="unsupervised")
    with pytest.raises(DataError, match="used twice"):
        fit_themes(
            pd.DataFrame({"segment_id": ["a", "a"], "text": ["x", "y"]}), mode="unsupervised"
        )
    with pytest.raises(DataError, match="too few to cluster"):
        fit_themes(pd.DataFrame({"segment_id": ["a"], "text": ["yes fine"]}), mode="unsupervised")


def test_semisupervised_without_codes_is_an_error(demo, codebook, pre):
    segments, _ = demo
    with pytest.raises(ModelError, match="needs manual codes"):
        fit_themes(segments, mode="semisupervised", codebook=codebook, preprocessor=pre)
