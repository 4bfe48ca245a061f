"""Intercoder agreement against published values and hand-computed cases.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
Communication Departmental Papers 43, section C (4 observers, 12 units, missing values):
alpha nominal = 0.743.
Cohen's kappa worked examples, Wikipedia "Cohen's kappa" (revision of 2024), sections "Simple
example" (20/5/10/15 → κ = 0.4) and "Same percentages but different numbers"
(45/15/25/15 → κ = 0.1304; 25/35/5/35 → κ = 0.2593).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.core.errors import DataError
from smekit.interviews.agreement import (
    agreement,
    brennan_prediger,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
)

NAN = float("nan")
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _table(yy, yn, ny, nn):
    """Two raters' yes/no decisions from a 2 x 2 table (rows: rater A, columns: rater B)."""
    a = [1] * (yy + yn) + [0] * (ny + nn)
    b = [1] * yy + [0] * yn + [1] * ny + [0] * nn
    return a, b


def test_krippendorff_2011_nominal_alpha():
    assert krippendorff_alpha(KRIPPENDORFF_2011_C) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize(
    ("cells", "kappa"),
    [((20, 5, 10, 15), 0.4), ((45, 15, 25, 15), 0.1304), ((25, 35, 5, 35), 0.2593)],
)
def test_cohen_kappa_textbook_tables(cells, kappa):
    a, b = _table(*cells)
    assert cohen_kappa(a, b) == pytest.approx(kappa, abs=5e-5)


def test_brennan_prediger_and_percent_agreement():
    a, b = _table(45, 15, 25, 15)
    assert percent_agreement(a, b) == 0.6
    # (p_o - 1/2) / (1 - 1/2) with p_o = 0.6
    assert brennan_prediger(a, b) == pytest.approx(0.2)
    assert brennan_prediger(a, b, q=4) == pytest.approx((0.6 - 0.25) / 0.75)


def test_alpha_two_coders_matches_the_closed_form():
    """Two coders, no missing values: alpha = 1 - (2n - 1)(1 - p_o) / (2n (1 - p_e)),
    with p_e from the pooled category shares (Krippendorff 2011, section A)."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 200)
    b = np.where(rng.random(200) < 0.8, a, 1 - a)
    n = len(a)
    po = np.mean(a == b)
    share = np.concatenate([a, b]).mean()
    pe = share**2 + (1 - share) ** 2
    expected = 1 - (2 * n - 1) * (1 - po) / (2 * n * (1 - pe))
    assert krippendorff_alpha([a, b]) == pytest.approx(expected, abs=1e-12)


def test_no_variation_gives_nan_not_a_number_pretending():
    assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))
    assert np.isnan(krippendorff_alpha([[0, 0, 0], [0, 0, 0]]))


SEG = pd.DataFrame(
    {
        "segment_id": [f"T:{k}" for k in range(4)],
        "transcript_id": "T",
        "char_start": [0, 10, 20, 30],
        "char_end": [10, 20, 30, 40],
    }
)


def _codings(rows):
    return pd.DataFrame(
        [
            {
                "segment_id": None,
                "transcript_id": "T",
                "start": s,
                "end": e,
                "code": c,
                "coder": who,
                "memo": None,
            }
            for who, s, e, c in rows
        ]
    )


def test_segment_rule_overlap_threshold():
    # x codes segment 0 fully; y codes half of it (0-5)
    c = _codings([("x", 0, 10, "a"), ("y", 0, 5, "a")])
    any_overlap = agreement(c, "segment", 0.0, SEG)
    assert any_overlap.pooled["percent_agreement"] == 1.0
    strict = agreement(c, "segment", 0.9, SEG)  # MAXQDA's default of 90 %
    assert strict.pooled["percent_agreement"] == 0.75
    assert strict.disagreements[["unit", "applied_by", "not_by"]].values.tolist() == [
        ["T:0", "x", "y"]
    ]


def test_character_and_document_rules():
    c = _codings([("x", 0, 10, "a"), ("y", 0, 5, "a"), ("y", 30, 40, "b")])
    chars = agreement(c, "character", sources={"T": "z" * 40})
    per = chars.per_code.set_index("code")
    # code a: 5 of 40 characters differ; code b: 10 of 40
    assert per.loc["a", "percent_agreement"] == pytest.approx(35 / 40)
    assert per.loc["b", "percent_agreement"] == pytest.approx(30 / 40)
    assert chars.disagreements[["unit", "code"]].values.tolist() == [
        ["T[5:10]", "a"],
        ["T[30:40]", "b"],
    ]
    docs = agreement(c, "document", sources={"T": "z" * 40, "U": "w" * 5})
    per = docs.per_code.set_index("code")
    assert per.loc["a", "percent_agreement"] == 1.0
    assert per.loc["b", "percent_agreement"] == 0.5
    assert per.loc["b", "n_units"] == 2


def test_three_coders_use_alpha_for_all_and_pairwise_means():
    c = _codings([("x", 0, 10, "a"), ("y", 0, 10, "a"), ("z", 10, 20, "a")])
    a = agreement(c, "segment", segments=SEG)
    assert a.coders == ("x", "y", "z")
    # pairs: x-y agree on 4/4, x-z and y-z on 2/4
    assert a.pooled["percent_agreement"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    mat = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], float)
    assert a.pooled["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(mat))


def test_one_coder_or_bad_unit_is_a_clear_error():
    c = _codings([("x", 0, 10, "a")])
    with pytest.raises(DataError, match="at least two coders"):
        agreement(c, "segment", segments=SEG)
    with pytest.raises(DataError, match="unknown unit 'word'"):
        agreement(c, "word")  # type: ignore[arg-type]


def test_demo_coders_agree_substantially_but_not_perfectly(demo_study):
    from smekit.interviews.codings import check_codings, read_codings
    from smekit.interviews.transcripts import read_corpus

    corpus = read_corpus(demo_study.root / "data" / "transcripts")
    frames = [read_codings(demo_study.root / "data" / "codings" / f"coder_{k}.csv") for k in (1, 2)]
    checked = check_codings(pd.concat(frames), None, corpus.sources, corpus.segments)
    assert checked.problems.empty
    seg = corpus.segments[corpus.segments.role == "participant"]
    a = agreement(checked.codings, "segment", segments=seg, sources=corpus.sources)
    assert 0.6 < a.pooled["cohen_kappa"] < 0.95
    assert len(a.disagreements) > 5
    chars = agreement(checked.codings, "character", sources=corpus.sources)
    # partial spans by coder 2 show up only under the character rule
    assert chars.pooled["percent_agreement"] < 1.0
