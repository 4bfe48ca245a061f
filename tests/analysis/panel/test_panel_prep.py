"""Panel preparation: interpolation, long gaps, winsorising by period, logs, gap-aware lags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.panel_prep import (
    add_lags,
    check_panel,
    drop_long_gaps,
    interpolate_within_unit,
    lag,
    lead,
    log_columns,
    panel_shape,
    prepare_panel,
    winsorize_by_period,
)
from smekit.core.errors import DataError


def test_duplicated_rows_named():
    d = pd.DataFrame({"id": [1, 2, 2, 3, 3], "t": [1, 1, 1, 1, 1]})
    with pytest.raises(DataError) as e:
        check_panel(d, "id", "t", source="p.csv")
    msg = str(e.value)
    assert "p.csv" in msg and "id=2, t=1 (rows 3, 4)" in msg and "id=3, t=1 (rows 5, 6)" in msg


def test_missing_identifier_named():
    d = pd.DataFrame({"id": [1, None], "t": [1, 2]})
    with pytest.raises(DataError, match="missing 'id' in rows 3"):
        check_panel(d, "id", "t")


def test_interpolation_linear_in_period_and_not_extrapolated():
    d = pd.DataFrame(
        {
            "id": ["a"] * 5 + ["b"] * 3,
            "t": [2000, 2001, 2003, 2004, 2005, 2000, 2001, 2002],
            "x": [np.nan, 1.0, np.nan, 7.0, np.nan, 2.0, np.nan, 4.0],
        }
    ).sample(frac=1.0, random_state=1)  # row order must not matter
    out, rep = interpolate_within_unit(d, "id", "t", ["x"])
    got = out.set_index(["id", "t"])["x"]
    # a: 2001 -> 1, 2004 -> 7, so 2003 = 1 + 6 * 2/3 = 5 (linear in the year, not the row)
    assert got[("a", 2003)] == pytest.approx(5.0)
    assert np.isnan(got[("a", 2000)]) and np.isnan(got[("a", 2005)])
    assert got[("b", 2001)] == pytest.approx(3.0)
    assert sorted(rep.changes["new"].round(6)) == [3.0, 5.0]
    assert d["x"].isna().sum() == 4  # input untouched
    assert list(out.index) == list(d.index)


def test_interpolation_fills_every_demo_gap(s2_demo):
    frame, truth = s2_demo
    cols = sorted({c["column"] for c in truth["missing_cells"]})
    out, rep = interpolate_within_unit(frame, "province_id", "year", cols)
    assert len(rep.changes) == len(truth["missing_cells"])
    assert out[cols].isna().sum().sum() == 0
    got = {(int(r.unit), int(r.time), r.column) for r in rep.changes.itertuples()}
    want = {(c["province_id"], c["year"], c["column"]) for c in truth["missing_cells"]}
    assert got == want


def test_drop_long_gaps_counts_absent_rows():
    # unit 1 has rows for t = 0, 1, 5: periods 2, 3, 4 absent -> run of 3 (kept at K=3, not K=2)
    d = pd.DataFrame(
        {"id": [1, 1, 1, 2, 2, 2, 2, 2, 2], "t": [0, 1, 5, 0, 1, 2, 3, 4, 5], "y": [1.0] * 9}
    )
    out, rep = drop_long_gaps(d, "id", "t", ["y"], max_gap=3)
    assert len(out) == 9 and rep.dropped_units == []
    out, rep = drop_long_gaps(d, "id", "t", ["y"], max_gap=2)
    assert rep.dropped_units == [1] and len(out) == 6
    assert (rep.changes["action"] == "dropped_unit").sum() == 3
    assert "3 consecutive missing periods" in rep.changes["reason"].iloc[0]


def test_winsorize_within_period_matches_numpy_quantiles():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"t": np.repeat([1, 2], 200), "x": rng.standard_t(2, 400)})
    out, rep = winsorize_by_period(d, "t", ["x"], p=0.05)
    for t in (1, 2):
        v = d.loc[d.t == t, "x"].to_numpy()
        lo, hi = np.quantile(v, [0.05, 0.95])
        np.testing.assert_allclose(out.loc[d.t == t, "x"], np.clip(v, lo, hi))
    # 200 values, linear quantiles at 5 %: exactly 10 below and 10 above in each period
    assert len(rep.changes) == 40
    assert (rep.changes["action"] == "winsorized_low").sum() == 20


def test_winsorize_stata_definition():
    # Stata: _pctile with 10 values, 10th pct = mean of 1st and 2nd order statistics
    d = pd.DataFrame({"t": 1, "x": np.arange(1.0, 11.0)})
    out, _ = winsorize_by_period(d, "t", ["x"], p=0.1, method="averaged_inverted_cdf")
    assert out["x"].iloc[0] == 1.5 and out["x"].iloc[-1] == 9.5


def test_log_errors_name_rows_and_missing_option():
    d = pd.DataFrame({"id": [1, 2, 3], "t": 1, "x": [1.0, 0.0, -1.0]})
    with pytest.raises(DataError, match=r"rows 3, 4"):
        log_columns(d, ["x"])
    out, rep = log_columns(d, ["x"], nonpositive="missing", unit="id", time="t")
    assert out["ln_x"].isna().tolist() == [False, True, True]
    assert rep.changes["unit"].tolist() == [2, 3]


def test_lags_are_gap_aware():
    d = pd.DataFrame({"id": [1, 1, 1, 2, 2], "t": [1, 2, 4, 2, 3], "x": [1.0, 2, 4, 20, 30]})
    np.testing.assert_array_equal(
        lag(d, "id", "t", "x").to_numpy(), [np.nan, 1.0, np.nan, np.nan, 20.0]
    )
    np.testing.assert_array_equal(
        lag(d, "id", "t", "x", 2).to_numpy(), [np.nan, np.nan, 2.0, np.nan, np.nan]
    )
    np.testing.assert_array_equal(
        lead(d, "id", "t", "x").to_numpy(), [2.0, np.nan, np.nan, 30.0, np.nan]
    )
    out = add_lags(d, "id", "t", ["x"], lags=(1,))
    np.testing.assert_array_equal(out["L1_x"].to_numpy(), [np.nan, 1.0, np.nan, np.nan, 20.0])


def test_string_periods_use_observed_grid():
    d = pd.DataFrame({"id": [1, 1, 2], "t": ["q1", "q3", "q2"], "x": [1.0, 3.0, 2.0]})
    # grid q1 < q2 < q3: unit 1's q3 has no q2 row -> missing lag
    assert lag(d, "id", "t", "x").isna().all()


def test_prepare_panel_pipeline_on_demo(s2_demo):
    frame, truth = s2_demo
    cols = ["human_capital", "transport", "labour", "trade_dependence"]
    prep = prepare_panel(
        frame, "province_id", "year", interpolate=cols, winsorize=cols, p=0.01, log=["transport"]
    )
    assert prep.shape_before.balanced and prep.shape_after.n_units == 30
    assert prep.data[cols].isna().sum().sum() == 0
    counts = prep.report.counts()
    n_missing = sum(c["column"] in cols for c in truth["missing_cells"])
    assert counts.loc[counts.action == "interpolated", "n"].sum() == n_missing
    # linear quantiles at 1 % of 30 values clip exactly one value in each tail per year
    assert counts.loc[counts.action.str.startswith("winsorized"), "n"].sum() == 2 * 10 * len(cols)
    assert "ln_transport" in prep.data and frame[cols].isna().sum().sum() == n_missing
    assert prep.to_dict()["n_changes"] == len(prep.to_frame())


def test_panel_shape_unbalanced():
    d = pd.DataFrame({"id": [1, 1, 2], "t": [1, 2, 2]})
    s = panel_shape(d, "id", "t")
    assert not s.balanced and s.missing_rows.values.tolist() == [[2, 1]]
