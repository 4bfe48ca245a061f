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
    assert np.isnan(res.items["b4"].iloc[1])
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
