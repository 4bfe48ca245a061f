"""Sample profile and construct correlation table."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from smekit.survey.descriptives import correlation_table, sample_profile, stars
from smekit.survey.instrument import load_instrument

FIXTURES = Path(__file__).parent.parent / "fixtures"
MINI = load_instrument(FIXTURES / "mini_questionnaire.yaml")


def test_sample_profile_counts_percentages_and_numbers():
    data = pd.DataFrame(
        {
            "size": [10, 20, 30, np.nan],
            "sector": [1, 1, 2, np.nan],
            "shop": [1, 2, np.nan, np.nan],
            "channels": ["1 2", "2", "1", None],
        }
    )
    prof = sample_profile(data, MINI)
    cat = prof.categorical.set_index(["variable", "category"])
    assert cat.loc[("sector", "Retail"), "n"] == 2
    assert cat.loc[("sector", "Retail"), "percent"] == pytest.approx(200 / 3)
    assert cat.loc[("sector", "Services"), "n"] == 1
    assert cat.loc[("channels", "Web shop"), "n"] == 2
    assert cat.loc[("channels", "Marketplace"), "percent"] == pytest.approx(200 / 3)
    num = prof.numeric.set_index("variable")
    assert num.loc["size", "mean"] == pytest.approx(20)
    assert num.loc["size", "sd"] == pytest.approx(10)
    assert num.loc["size", "n"] == 3
    assert prof.n == 4
    assert len(prof.to_frame()) == len(prof.categorical) + len(prof.numeric)


def test_correlation_table_matches_scipy_pearsonr():
    rng = np.random.default_rng(4)
    x = rng.normal(size=80)
    df = pd.DataFrame({"x": x, "y": x + rng.normal(size=80), "z": rng.normal(size=80)})
    df.loc[3, "z"] = np.nan
    tab = correlation_table(df)
    r, p = stats.pearsonr(df["x"], df["y"])
    assert tab.r.loc["y", "x"] == pytest.approx(r)
    assert tab.p.loc["y", "x"] == pytest.approx(p, rel=1e-8)
    ok = df[["x", "z"]].dropna()
    _, p2 = stats.pearsonr(ok["x"], ok["z"])
    assert tab.p.loc["z", "x"] == pytest.approx(p2, rel=1e-8)
    assert tab.n.loc["z", "x"] == 79
    starred = tab.starred()
    assert starred.loc["y", "x"].endswith("***")
    assert starred.loc["x", "y"] == ""
    assert len(tab.to_frame()) == 3


def test_stars():
    assert [stars(p) for p in (0.2, 0.04, 0.009, 0.0001, float("nan"))] == [
        "",
        "*",
        "**",
        "***",
        "",
    ]


def test_to_dict_is_json_ready_with_none_for_nan():
    import json

    prof = sample_profile(pd.DataFrame({"size": [np.nan, np.nan], "sector": [1, 2]}), MINI)
    out = prof.to_dict()
    assert out["n"] == 2
    size = next(r for r in out["numeric"] if r["variable"] == "size")
    assert size["n"] == 0 and size["mean"] is None and size["sd"] is None
    retail = next(r for r in out["categorical"] if r["category"] == "Retail")
    assert retail == {
        "variable": "sector",
        "label": "Sector",
        "category": "Retail",
        "n": 1,
        "percent": 50.0,
    }
    json.dumps(out, allow_nan=False)
    df = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 1, 4, 3], "z": [np.nan] * 4})
    tab = correlation_table(df).to_dict()
    assert tab["variables"] == ["x", "y", "z"]
    assert tab["r"]["x"]["y"] == pytest.approx(0.6)
    assert tab["r"]["x"]["z"] is None and tab["n"]["x"]["z"] == 0
    json.dumps(tab, allow_nan=False)
