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


# -- instruments of any shape ---------------------------------------------------------


def _instrument(items: list[dict], scale: tuple[int, int] = (1, 5), constructs=()):
    from smekit.survey.instrument import Instrument

    lo, hi = scale
    return Instrument.model_validate(
        {
            "kind": "questionnaire",
            "id": "t",
            "title": "t",
            "scales": {"s": {"min": lo, "max": hi, "anchors": {lo: "low", hi: "high"}}},
            "constructs": [{"id": c, "label": c} for c in constructs],
            "sections": [{"id": "sec", "title": "sec", "items": items}],
        }
    )


def _likert(n: int, **extra) -> list[dict]:
    return [{"id": f"q{j}", "text": "q", "type": "likert", "scale": "s", **extra} for j in range(n)]


def test_instrument_without_required_items():
    """Before: TypeError "ufunc 'bitwise_and'" from the missing-share rule."""
    inst = _instrument(_likert(3, required=False))
    df = pd.DataFrame({"q0": [1, 4, np.nan], "q1": [2, np.nan, np.nan], "q2": [3, 5, np.nan]})
    rep = check_quality(df, inst)
    assert len(rep.kept) == 3
    assert rep.flags["missing_share"].tolist() == [0.0, 0.0, 0.0]
    assert rep.flags["missing_required"].tolist() == [0, 0, 0]
    assert "missing_required" not in set(rep.problems["rule"])


@pytest.mark.parametrize(
    ("kw", "typo", "closest"),
    [
        ({"id_column": "ridd"}, "ridd", "rid"),
        ({"duration_column": "sec"}, "sec", "secs"),
        ({"duration_column": "SECS"}, "SECS", "secs"),
    ],
)
def test_named_column_missing_from_the_data_is_an_error(kw, typo, closest):
    """Before: the duplicate-id or speeder rule was silently switched off."""
    from smekit.core.errors import DataError

    df = good_rows(20)
    kw = {"id_column": "rid", "duration_column": "secs", **kw}
    with pytest.raises(DataError) as err:
        check_quality(df, MINI, source="resp.csv", **kw)
    message = str(err.value)
    assert message.startswith(f"resp.csv, column '{typo}': ")
    assert f"closest columns: '{closest}'" in message


# -- small integer dtypes and views -------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "int16", "Int8", "Int16", "float32"])
def test_small_integer_item_columns_give_the_same_report(dtype):
    df = good_rows(150, seed=5)
    df.loc[0, LIKERT] = 4  # straight-liner
    df.loc[1, "secs"] = 30  # speeder
    df.loc[3, "chk"] = 5  # failed attention check
    df.loc[7, "a1"] = 9  # out of range
    ref = run(df)
    small = df.copy()
    for col in [*LIKERT, "chk", "sector"]:
        small[col] = small[col].astype(dtype)
    rep = run(small)
    pd.testing.assert_frame_equal(rep.flags, ref.flags)
    # the offending value is quoted as the file's column holds it: 9 or 9.0
    assert rep.problems.loc[rep.problems["rule"] == "out_of_range", "value"].tolist() in (
        ["9"],
        ["9.0"],
    )
    cols = ["file", "row", "column", "rule", "message"]
    pd.testing.assert_frame_equal(rep.problems[cols], ref.problems[cols])
    assert str(rep.kept["a2"].dtype) == dtype  # kept in its own dtype, not widened to float
    # a column with an invalid code becomes nullable (int8 -> Int8) with the cell missing
    assert pd.isna(rep.kept.set_index("rid").loc["r7", "a1"])
    assert rep.kept["a1"].dtype.kind in "iuf"


def test_clean_columns_are_shared_not_copied():
    df = good_rows(50)
    for col in LIKERT:
        df[col] = df[col].astype("int8")
    rep = run(df)
    assert len(rep.exclusions) == 0
    for col in LIKERT:
        assert np.shares_memory(rep.kept[col].to_numpy(), df[col].to_numpy()), col
    df.loc[0, "a1"] = 9  # the input is never modified through the report
    rep = run(df)
    assert df.loc[0, "a1"] == 9 and pd.isna(rep.kept.loc[0, "a1"])


# -- boundary cases of every threshold ---------------------------------------------------------
# Each rule is tested exactly at its cut-off, just below and just above, with hand-worked rows.

ONLY = {"incomplete": False, "straightlining": False, "speeders": False, "mahalanobis": False}


def _rules(**on):
    return QualityRules.from_config({**ONLY, **on, "attention_checks": False})


def test_incomplete_boundary_is_strictly_more_than_the_share():
    """5 required items, max_missing_share 0.2: 1 missing (0.2) is kept, 2 (0.4) excluded."""
    inst = _instrument([{"id": f"n{j}", "text": "n", "type": "integer"} for j in range(5)])
    rows = [[1] * 5, [1, 1, 1, 1, None], [1, 1, 1, None, None], [1, 1, None, None, None]]
    df = pd.DataFrame(rows, columns=[f"n{j}" for j in range(5)])
    rep = check_quality(df, inst, _rules(incomplete={"max_missing_share": 0.2}))
    assert rep.flags["missing_share"].tolist() == [0.0, 0.2, 0.4, 0.6]
    assert rep.flags["incomplete"].tolist() == [False, False, True, True]
    rep = check_quality(df, inst, _rules(incomplete={"max_missing_share": 0.4}))
    assert rep.flags["incomplete"].tolist() == [False, False, False, True]
    rep = check_quality(df, inst, _rules(incomplete={"max_missing_share": 0.0}))
    assert rep.flags["incomplete"].tolist() == [False, True, True, True]


def test_incomplete_counts_only_relevant_required_items():
    """``shop`` applies only when sector == 1: 1 of 2 applicable missing is 0.5, not 1 of 1."""
    inst = _instrument(
        [
            {"id": "sector", "text": "s", "type": "integer"},
            {"id": "shop", "text": "s", "type": "integer", "relevant": "sector == 1"},
        ]
    )
    df = pd.DataFrame({"sector": [1, 2, 1], "shop": [np.nan, np.nan, 3]})
    rep = check_quality(df, inst, _rules(incomplete={"max_missing_share": 0.5}))
    assert rep.flags["missing_share"].tolist() == [0.5, 0.0, 0.0]
    assert not rep.flags["incomplete"].any()


def test_straightlining_min_items_boundary():
    """min_items 10 on 12 Likert items: 9 identical answers are not enough, 10 and 11 are."""
    inst = _instrument(_likert(12, required=False))
    cols = [f"q{j}" for j in range(12)]
    rows = [[3] * k + [np.nan] * (12 - k) for k in (9, 10, 11, 12)]
    df = pd.DataFrame(rows, columns=cols)
    rep = check_quality(df, inst, _rules(straightlining={"min_items": 10, "max_run_share": 1.0}))
    assert rep.flags["likert_answered"].tolist() == [9, 10, 11, 12]
    assert rep.flags["longest_run"].tolist() == [9, 10, 11, 12]
    assert rep.flags["straightliner"].tolist() == [False, True, True, True]


def test_straightlining_run_share_boundary():
    """10 answers, max_run_share 0.8: a run of 8 (= 0.8 x 10) is flagged, 7 is not."""
    inst = _instrument(_likert(10, required=False))
    cols = [f"q{j}" for j in range(10)]
    rows = [[2] * 7 + [1, 5, 1], [2] * 8 + [1, 5], [2] * 9 + [1]]
    df = pd.DataFrame(rows, columns=cols)
    rep = check_quality(df, inst, _rules(straightlining={"min_items": 2, "max_run_share": 0.8}))
    assert rep.flags["longest_run"].tolist() == [7, 8, 9]
    assert rep.flags["straightliner"].tolist() == [False, True, True]


def test_speeder_boundary_is_strictly_below_the_share_of_the_median():
    """Median 100 s, share 0.3: 29 s is a speeder, 30 s (exactly 30%) and 31 s are not."""
    inst = _instrument(_likert(2, required=False))
    secs = [29, 30, 31, *([100] * 8)]
    df = pd.DataFrame({"secs": secs, "q0": 1, "q1": 2})
    rep = check_quality(
        df, inst, _rules(speeders={"min_share_of_median": 0.3}), duration_column="secs"
    )
    assert rep.flags["speeder"].tolist() == [True, False, False, *([False] * 8)]
    # share 0.5 of a 60 s median: 30 s is exactly half (kept), 29.5 s excluded
    df = pd.DataFrame({"secs": [29.5, 30, 30.5, *([60] * 8)], "q0": 1, "q1": 2})
    rep = check_quality(
        df, inst, _rules(speeders={"min_share_of_median": 0.5}), duration_column="secs"
    )
    assert rep.flags["speeder"].tolist() == [True, False, False, *([False] * 8)]


# -- Mahalanobis against R psych::outlier -----------------------------------------------------

REFERENCE = Path(__file__).parent / "reference"
ATTITUDE = ["rating", "complaints", "privileges", "learning", "raises", "critical", "advance"]


@pytest.fixture(scope="module")
def attitude() -> pd.DataFrame:
    """R's ``attitude`` data with psych::outlier D² and chi-square p (reference/mahalanobis.R)."""
    return pd.read_csv(REFERENCE / "mahalanobis.csv")


def test_mahalanobis_matches_r_psych_outlier(attitude):
    """psych 2.2.9 ``outlier(attitude, plot = FALSE)``; p = pchisq(D2, df = 7, lower = FALSE)."""
    d2, p = mahalanobis(attitude[ATTITUDE].to_numpy(dtype=float))
    np.testing.assert_allclose(d2, attitude["d2"], rtol=1e-10)
    np.testing.assert_allclose(p, attitude["p"], rtol=1e-9)
    # the degrees of freedom are the number of items (k = 7), not k - 1
    assert not np.allclose(p, attitude["p_df_minus_1"], rtol=1e-3)
    # the same from a frame of small integers read block by block
    d2_frame, _ = mahalanobis(attitude[ATTITUDE].astype("int16"))
    np.testing.assert_allclose(d2_frame, attitude["d2"], rtol=1e-10)


def test_outlier_rule_flags_exactly_the_rows_r_puts_below_alpha(attitude):
    items = [
        {"id": c, "text": c, "type": "integer", "min": 0, "max": 100, "construct": "att"}
        for c in ATTITUDE
    ]
    inst = _instrument(items, constructs=["att"])
    r_p = attitude["p"].to_numpy()
    # alpha between the two smallest p-values: exactly one row is an outlier
    lowest, second = np.sort(r_p)[:2]
    for alpha, expected in [
        ((lowest + second) / 2, {int(np.argmin(r_p))}),
        (second * 1.000001, set(np.argsort(r_p)[:2].tolist())),
        (lowest * 0.999999, set()),
    ]:
        rep = check_quality(attitude[ATTITUDE], inst, _rules(mahalanobis={"alpha": alpha}))
        assert set(np.flatnonzero(rep.flags["outlier"])) == expected, alpha
        np.testing.assert_allclose(rep.flags["mahalanobis_p"], r_p, rtol=1e-9)


# -- result protocol -------------------------------------------------------------------------


def test_report_to_dict_is_json_ready():
    import json

    df = good_rows(60)
    df.loc[1, "secs"] = 30
    df.loc[2, "a1"] = 9
    rep = run(df)
    out = rep.to_dict()
    assert out["n_input"] == 60 and out["n_kept"] == 59 and out["n_excluded"] == 1
    assert out["flagged"]["speeder"] == 1
    assert out["exclusions"] == [
        {
            "row": 3,
            "id": "r1",
            "reasons": "speeder (< 30% of median duration)",
            "first_reason": "speeder (< 30% of median duration)",
        }
    ]
    assert out["problems_by_rule"]["out_of_range"] == 1
    assert out["rules"]["speeders"]["min_share_of_median"] == 0.3
    json.dumps(out, allow_nan=False)
    assert rep.to_frame() is rep.flags


def test_id_groups_on_integer_text_ids():
    """Integer text ids are grouped as integers, increasing ones skip the grouping;
    the answer is the same as grouping the text."""
    from smekit.survey.quality_rules import id_groups

    cases = [
        ["1", "2", "3", "10"],  # increasing: no copies
        ["1", "3", "2", "3", "1"],
        ["5", "5"],
        ["007", "7", "07"],  # written differently: different ids
        ["1", None, "1", None],
        ["a", "b", "a"],
    ]
    for ids in cases:
        text = pd.Series(ids, dtype="str")
        any_copy, later = id_groups(text)
        as_objects = pd.Series(ids, dtype=object)
        expected_any = (as_objects.duplicated(keep=False) & as_objects.notna()).tolist()
        expected_later = (as_objects.duplicated(keep="first") & as_objects.notna()).tolist()
        assert any_copy.tolist() == expected_any, ids
        assert later.tolist() == expected_later, ids
