"""Quality checks: the problems table, each cleaning rule and the exclusion log."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from smekit.survey.instrument import load_instrument
from smekit.survey.quality import QualityRules, check_quality, longest_run, mahalanobis

FIXTURES = Path(__file__).parent.parent / "fixtures"
MINI = load_instrument(FIXTURES / "mini_questionnaire.yaml")
LIKERT = ["a1", "a2", "a3", "b1", "b2", "b3", "b4"]


def good_rows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "rid": [f"r{i}" for i in range(n)],
            "secs": rng.normal(600, 60, size=n).round(),
            "size": rng.integers(1, 500, size=n),
            "sector": rng.integers(1, 3, size=n),
            "channels": ["1 2"] * n,
            "chk": 2,
        }
    )
    frame["shop"] = np.where(frame["sector"] == 1, 1, np.nan)
    for col in LIKERT:
        frame[col] = np.clip(np.round(3 + f + rng.normal(0, 0.8, size=n)), 1, 5)
    frame["a3"] = 6 - frame["a3"]
    return frame


def run(frame, **kw):
    kw.setdefault("id_column", "rid")
    kw.setdefault("duration_column", "secs")
    return check_quality(frame, MINI, **kw)


def test_clean_data_keeps_everyone():
    rep = run(good_rows(120))
    assert len(rep.kept) == 120
    assert len(rep.exclusions) == 0
    assert set(rep.problems["rule"]) <= {"unknown_column"}


def test_each_rule_flags_its_planted_case():
    df = good_rows(200)
    df.loc[0, LIKERT] = 4  # straight-liner
    df.loc[1, "secs"] = 30  # speeder
    df.loc[2, ["size", "sector", "a1", "a2", "a3", "b1", "b2", "b3"]] = np.nan  # incomplete
    df.loc[3, "chk"] = 5  # failed attention check
    df.loc[4, "rid"] = "r5"  # duplicate id of row 5 -> row 5 kept, the later copy excluded
    df.loc[[4, 5]] = df.loc[[5, 4]].to_numpy()  # put the duplicate after its original
    df.loc[6, LIKERT] = [1, 1, 5, 5, 5, 1, 1]  # inconsistent pattern -> outlier
    rep = run(df, rules=QualityRules(straightlining={"min_items": 5}))
    flags = rep.flags.set_index("row")
    assert flags.loc[2, "straightliner"] and flags.loc[2, "longest_run"] == 7
    assert flags.loc[3, "speeder"]
    assert flags.loc[4, "incomplete"]
    assert flags.loc[5, "attention"] and flags.loc[5, "attention_failed_items"] == "chk"
    assert flags.loc[7, "duplicate"] and not flags.loc[6, "duplicate"]
    assert flags.loc[8, "outlier"]
    excluded_rows = set(rep.exclusions["row"])
    assert {2, 3, 4, 5, 7, 8} <= excluded_rows
    assert len(rep.kept) + len(rep.excluded) == len(df)
    dup = rep.problems[rep.problems["rule"] == "duplicate_id"]
    assert sorted(dup["row"]) == [6, 7]
    reason = rep.exclusions.set_index("row").loc[3, "reasons"]
    assert "speeder" in reason


def test_problems_name_row_column_value_and_rule():
    df = good_rows(30)
    df["size"] = df["size"].astype(object)
    df.loc[0, "size"] = 900  # above max
    df.loc[1, "size"] = "many"  # wrong type
    df.loc[2, "size"] = 2.5  # not a whole number
    df.loc[3, "a1"] = 7  # off the scale
    df.loc[4, "channels"] = "1 9"  # unknown code
    df.loc[5, "sector"] = 2
    df.loc[5, "shop"] = np.nan  # not relevant for services: not missing
    df.loc[6, "sector"] = 1
    df.loc[6, "shop"] = np.nan  # relevant and missing
    rep = run(df, source="resp.csv", unknown_columns=["extra"])
    p = rep.problems

    def one(rule, row):
        hit = p[(p["rule"] == rule) & (p["row"] == row)]
        assert len(hit) == 1, (rule, row, p)
        return hit.iloc[0]

    assert one("out_of_range", 2)["column"] == "size"
    assert one("wrong_type", 3)["value"] == "many"
    assert one("wrong_type", 4)["message"] == "expected a whole number"
    assert one("out_of_range", 5)["column"] == "a1"
    assert one("out_of_range", 6)["value"] == "1 9"
    assert one("missing_required", 8)["column"] == "shop"
    assert p[(p["rule"] == "missing_required") & (p["row"] == 7)].empty
    assert one("unknown_column", 1)["column"] == "extra"
    assert set(p["file"]) == {"resp.csv"}
    # invalid cells are missing in the kept data, raw values stay in the input
    assert np.isnan(rep.kept.loc[3, "a1"])
    assert df.loc[3, "a1"] == 7


def test_rules_can_be_switched_off_and_speeders_need_duration():
    df = good_rows(50)
    df.loc[0, "secs"] = 1
    df.loc[1, LIKERT] = 3
    rules = QualityRules.from_config(
        {"speeders": False, "straightlining": False, "mahalanobis": False}
    )
    rep = run(df, rules=rules)
    assert len(rep.kept) == 50
    rep = run(df, duration_column=None)
    assert not rep.flags["speeder"].any()


def test_file_row_numbers_are_used():
    df = good_rows(10)
    df.loc[2, "chk"] = 4
    rep = run(df, row_numbers=np.arange(10) + 4)  # e.g. a Qualtrics file with 3 header rows
    assert rep.exclusions["row"].tolist() == [6]


def test_longest_run_skips_missing_answers():
    x = np.array([[1, 1, np.nan, 1, 2], [1, 2, 3, 4, 5], [np.nan] * 5, [3, 3, 3, 3, 3]])
    longest, answered = longest_run(x)
    assert longest.tolist() == [3, 1, 0, 5]
    assert answered.tolist() == [4, 5, 0, 5]


def test_mahalanobis_matches_scipy():
    from scipy.spatial.distance import mahalanobis as md

    rng = np.random.default_rng(2)
    x = rng.normal(size=(100, 3))
    d2, p = mahalanobis(x)
    vi = np.linalg.inv(np.cov(x, rowvar=False))
    assert d2[5] == pytest.approx(md(x[5], x.mean(0), vi) ** 2)
    assert 0 < p[5] < 1


item_values = st.one_of(
    st.none(),
    st.integers(-3, 9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        columns=[
            column(c, elements=item_values)
            for c in [
                "rid",
                "secs",
                "size",
                "sector",
                "shop",
                "channels",
                "chk",
                *LIKERT,
                "note",
                "junk",
            ]
        ],
        index=range_indexes(min_size=0, max_size=25),
    )
)
def test_random_tables_never_crash_and_never_lose_rows(df):
    rep = run(df)
    assert len(rep.kept) + len(rep.excluded) == len(df)
    assert len(rep.flags) == len(df)
    assert rep.flags["excluded"].sum() == len(rep.exclusions) == len(rep.excluded)
    assert list(rep.problems.columns) == ["file", "row", "column", "value", "rule", "message"]
