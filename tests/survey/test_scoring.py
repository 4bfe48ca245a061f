"""Construct scoring: reverse coding, the minimum-valid-items rule, sums and z-scores."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.survey.instrument import load_instrument
from smekit.survey.scoring import default_min_valid, recode_items, score_constructs

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_instrument(FIXTURES / "mini_questionnaire.yaml")


def test_reverse_coding_min_valid_and_sum(mini):
    data = pd.DataFrame(
        {
            "rid": ["r1", "r2", "r3"],
            "a1": [5, 4, np.nan],
            "a2": [3, np.nan, np.nan],
            "a3": [1, 2, 4],  # reverse: 5, 4, 2
            "b1": [1, 2, 3],
            "b2": [2, 2, np.nan],
            "b3": [3, np.nan, np.nan],
            "b4": [4, 9, 5],  # 9 is off the scale -> missing
        }
    )
    res = score_constructs(data, mini, id_column="rid")
    s = res.scores
    assert s["rid"].tolist() == ["r1", "r2", "r3"]
    # a: mean of (5, 3, 5) = 13/3 ; r2: (4, 4) = 4 ; r3 only one valid item < min_valid 2
    assert s["a"].iloc[0] == pytest.approx(13 / 3)
    assert s["a"].iloc[1] == pytest.approx(4.0)
    assert np.isnan(s["a"].iloc[2])
    # b: prorated sum over 4 items with min_valid 3: r1 = 10; r2 has 2 valid -> missing
    assert s["b"].iloc[0] == pytest.approx(10.0)
    assert np.isnan(s["b"].iloc[1])
    assert np.isnan(s["b"].iloc[2])
    assert res.items["a3"].tolist() == [5.0, 4.0, 2.0]
    assert pd.isna(res.items["b4"].iloc[1])
    summary = res.summary.set_index("construct")
    assert summary.loc["a", "n_scored"] == 2
    assert summary.loc["b", "min_valid"] == 3


def test_z_scores_have_mean_zero_sd_one(mini):
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        rng.integers(1, 6, size=(200, 7)), columns=["a1", "a2", "a3", "b1", "b2", "b3", "b4"]
    )
    res = score_constructs(data, mini)
    assert res.z["a"].mean() == pytest.approx(0, abs=1e-12)
    assert res.z["a"].std(ddof=1) == pytest.approx(1)
    full = res.to_frame()
    assert {"a", "b", "a_z", "b_z"} <= set(full.columns)


def test_missing_item_column_gives_missing_scores(mini):
    data = pd.DataFrame({"a1": [5, 4], "a2": [4, 4]})
    res = score_constructs(data, mini)
    assert res.scores["a"].tolist() == [4.5, 4.0]
    assert res.scores["b"].isna().all()


def test_recode_items_drops_invalid_codes(mini):
    data = pd.DataFrame({"a1": [0, 6, 3], "size": [1, 1, 1]})
    out = recode_items(data, mini)
    assert out["a1"].isna().tolist() == [True, True, False]


def test_default_min_valid():
    assert [default_min_valid(k) for k in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


# -- boundary cases: scale ends, 0-based and 0-10 scales, min_valid ------------------------


def _scale_instrument(lo: int, hi: int, n_items: int = 3, min_valid: int | None = None):
    from smekit.survey.instrument import Instrument

    construct = {"id": "c", "label": "C"}
    if min_valid is not None:
        construct["min_valid"] = min_valid
    return Instrument.model_validate(
        {
            "kind": "questionnaire",
            "id": "t",
            "title": "t",
            "scales": {"s": {"min": lo, "max": hi, "anchors": {lo: "low", hi: "high"}}},
            "constructs": [construct],
            "sections": [
                {
                    "id": "sec",
                    "title": "sec",
                    "items": [
                        {
                            "id": f"q{j}",
                            "text": "q",
                            "type": "likert",
                            "scale": "s",
                            "construct": "c",
                            "reverse": j == n_items - 1,
                        }
                        for j in range(n_items)
                    ],
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("lo", "hi", "raw", "reversed_"),
    [
        (1, 5, [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
        (1, 7, [1, 4, 7], [7, 4, 1]),
        (0, 4, [0, 1, 2, 3, 4], [4, 3, 2, 1, 0]),  # max + 1 - x would give 5 ... 1
        (0, 10, [0, 3, 5, 7, 10], [10, 7, 5, 3, 0]),  # max + 1 - x would give 11, 8, 6, 4, 1
    ],
)
def test_reverse_coding_is_min_plus_max_minus_x(lo, hi, raw, reversed_):
    inst = _scale_instrument(lo, hi, n_items=2, min_valid=1)
    data = pd.DataFrame({"q0": raw, "q1": raw})
    res = score_constructs(data, inst)
    assert res.items["q0"].tolist() == raw
    assert res.items["q1"].tolist() == reversed_
    # the score of identical raw answers is the midpoint of the scale whatever the answer
    assert res.scores["c"].tolist() == pytest.approx([(lo + hi) / 2] * len(raw))


@pytest.mark.parametrize("dtype", ["int8", "Int8", "int16", "float64"])
def test_scale_ends_are_valid_and_one_beyond_is_missing(dtype):
    """0-10 scale: 0 and 10 are answers; -1, 11 and 2.5 are not (set to missing)."""
    inst = _scale_instrument(0, 10, n_items=2, min_valid=1)
    values = [-1, 0, 10, 11] if dtype != "float64" else [-1, 0, 10, 11, 2.5]
    data = pd.DataFrame({"q0": values, "q1": values}).astype(dtype)
    res = score_constructs(data, inst)
    expected = [None, 0, 10, None] + ([None] if dtype == "float64" else [])
    got = [None if pd.isna(v) else v for v in res.items["q0"]]
    assert got == expected
    got = [None if pd.isna(v) else v for v in res.items["q1"]]
    assert got == [None if v is None else 10 - v for v in expected]
    scores = res.scores["c"].tolist()
    assert np.isnan(scores[0]) and scores[1:3] == [5.0, 5.0] and np.isnan(scores[3])


def test_min_valid_boundary():
    """4 items, min_valid 3: 2 answered -> missing, 3 (exactly min_valid) and 4 -> scored."""
    inst = _scale_instrument(1, 5, n_items=4, min_valid=3)
    data = pd.DataFrame(
        {
            "q0": [2, 2, 2],
            "q1": [4, 4, 4],
            "q2": [np.nan, 3, 3],
            "q3": [np.nan, np.nan, 5],  # reverse-coded: 5 -> 1
        }
    )
    res = score_constructs(data, inst)
    s = res.scores["c"].tolist()
    assert np.isnan(s[0])
    assert s[1] == pytest.approx(3.0)  # (2 + 4 + 3) / 3
    assert s[2] == pytest.approx(2.5)  # (2 + 4 + 3 + 1) / 4
    summary = res.summary.set_index("construct")
    assert summary.loc["c", "n_scored"] == 2 and summary.loc["c", "n_missing"] == 1


def test_default_min_valid_boundary_and_prorated_sum(mini):
    """Construct b: 4 items scored as a prorated sum with min_valid 3."""
    data = pd.DataFrame(
        {"b1": [1, 1, 1], "b2": [2, 2, 2], "b3": [np.nan, 3, 3], "b4": [np.nan, np.nan, 4]}
    )
    res = score_constructs(data, mini)
    s = res.scores["b"].tolist()
    assert np.isnan(s[0])
    assert s[1] == pytest.approx(4 * (1 + 2 + 3) / 3)
    assert s[2] == pytest.approx(10.0)


def test_recoded_items_share_memory_with_unchanged_columns(mini):
    data = pd.DataFrame(
        {c: np.array([1, 2, 3, 4, 5], dtype="int8") for c in ["a1", "a2", "a3", "b1"]}
    )
    items = recode_items(data, mini)
    assert np.shares_memory(items["a1"].to_numpy(), data["a1"].to_numpy())
    assert items["a3"].dtype == np.int8 and items["a3"].tolist() == [5, 4, 3, 2, 1]
    assert not np.shares_memory(items["a3"].to_numpy(), data["a3"].to_numpy())
    assert data["a3"].tolist() == [1, 2, 3, 4, 5]  # the input is untouched


def test_score_result_to_dict_is_json_ready(mini):
    import json

    data = pd.DataFrame({"a1": [5, 4], "a2": [4, 4]})
    out = score_constructs(data, mini).to_dict()
    assert out["n"] == 2
    b = next(c for c in out["constructs"] if c["construct"] == "b")
    assert b["n_scored"] == 0 and b["mean"] is None and b["sd"] is None
    a = next(c for c in out["constructs"] if c["construct"] == "a")
    assert a["mean"] == pytest.approx(4.25)
    json.dumps(out, allow_nan=False)
