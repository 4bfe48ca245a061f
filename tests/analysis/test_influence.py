"""Influence measures against R influence.measures / ls.diag and statsmodels OLSInfluence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import OLSInfluence

from smekit.analysis.design import build_design
from smekit.analysis.influence import (
    RULES,
    compare_models,
    influence,
    refit_without_flagged,
)
from smekit.analysis.ols import fit_ols
from smekit.core.errors import ModelError

R_RESULTS = Path(statsmodels.__file__).parent / "stats" / "tests" / "results"


def test_first_cases_match_r_influence_measures(macro):
    # R: fm <- lm(g_realinv ~ g_realgdp + realint); influence.measures(fm) rows 1-4, recorded
    # in statsmodels' stats/tests/results/influence_measures_R.csv (columns dfb.1_,
    # dfb.ggdp, dfb.lint, dffit, cov.r, cook.d, hat) and ls.diag(fm) in
    # influence_lsdiag_R.json (std.res = rstandard, stud.res = rstudent).
    r_rows = np.array(
        [
            [
                0.00441265074628045,
                -0.0276220080672388,
                0.00820003383763133,
                -0.0317691297817947,
                1.04133845994251,
                0.000338059505147097,
                0.0256401118204194,
            ],
            [
                -0.157853502778310,
                0.113535527733652,
                0.0220165237589744,
                -0.161770345833471,
                0.987643068137894,
                0.00865723178904938,
                0.0102912791219414,
            ],
            [
                0.122568803310737,
                -0.0570659253028159,
                -0.00992921234127727,
                0.131905685550953,
                0.979229034686558,
                0.0057474287115453,
                0.00615382823137815,
            ],
            [
                -0.0618024933201239,
                0.154029136886195,
                0.0918846063568454,
                0.206044283477855,
                1.01099941450810,
                0.0140938976496562,
                0.0228915240076030,
            ],
        ]
    )
    std_res = [-0.196316563909338, -1.58040782007861, 1.66872327572338, 1.34341508583876]
    stud_res = [-0.195841650155928, -1.58641911384379, 1.67629486670585, 1.34615356839809]
    infl = influence(macro)
    np.testing.assert_allclose(infl.dfbetas[:4], r_rows[:, :3], rtol=1e-10)
    np.testing.assert_allclose(infl.dffits[:4], r_rows[:, 3], rtol=1e-10)
    np.testing.assert_allclose(infl.covratio[:4], r_rows[:, 4], rtol=1e-10)
    np.testing.assert_allclose(infl.cooks_d[:4], r_rows[:, 5], rtol=1e-10)
    np.testing.assert_allclose(infl.leverage[:4], r_rows[:, 6], rtol=1e-10)
    np.testing.assert_allclose(infl.student_internal[:4], std_res, rtol=1e-10)
    np.testing.assert_allclose(infl.student_external[:4], stud_res, rtol=1e-10)


@pytest.mark.skipif(
    not (R_RESULTS / "influence_measures_R.csv").exists(),
    reason="statsmodels installed without its test results",
)
def test_all_cases_match_r_result_files(macro):
    infl = influence(macro)
    measures = pd.read_csv(R_RESULTS / "influence_measures_R.csv", index_col=0).to_numpy()
    lsdiag = json.loads((R_RESULTS / "influence_lsdiag_R.json").read_text(encoding="utf-8"))
    np.testing.assert_allclose(infl.dfbetas, measures[:, :3], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(infl.dffits, measures[:, 3], rtol=1e-9)
    np.testing.assert_allclose(infl.covratio, measures[:, 4], rtol=1e-9)
    np.testing.assert_allclose(infl.cooks_d, measures[:, 5], rtol=1e-9)
    np.testing.assert_allclose(infl.leverage, measures[:, 6], rtol=1e-9)
    np.testing.assert_allclose(infl.cooks_d, lsdiag["cooks"], rtol=1e-9)
    np.testing.assert_allclose(infl.student_internal, lsdiag["std.res"], rtol=1e-9)
    np.testing.assert_allclose(infl.student_external, lsdiag["stud.res"], rtol=1e-9)


def compare_with_statsmodels(res, rtol):
    infl = influence(res)
    ref = OLSInfluence(sm.OLS(res.design.y, res.design.X).fit())
    np.testing.assert_allclose(infl.leverage, ref.hat_matrix_diag, rtol=rtol)
    np.testing.assert_allclose(infl.student_internal, ref.resid_studentized_internal, rtol=rtol)
    np.testing.assert_allclose(infl.student_external, ref.resid_studentized_external, rtol=rtol)
    np.testing.assert_allclose(infl.cooks_d, ref.cooks_distance[0], rtol=rtol)
    np.testing.assert_allclose(infl.dffits, ref.dffits[0], rtol=rtol)
    np.testing.assert_allclose(infl.dfbetas, ref.dfbetas, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(infl.covratio, ref.cov_ratio, rtol=rtol)


def test_stackloss_matches_statsmodels():
    data = sm.datasets.stackloss.load_pandas().data
    compare_with_statsmodels(
        fit_ols(build_design(data, "STACKLOSS ~ AIRFLOW + WATERTEMP + ACIDCONC")), 1e-8
    )


def test_longley_matches_statsmodels():
    data = sm.datasets.longley.load_pandas().data
    res = fit_ols(build_design(data, "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"))
    infl = influence(res)
    ref = OLSInfluence(sm.OLS(res.design.y, res.design.X).fit())
    np.testing.assert_allclose(infl.leverage, ref.hat_matrix_diag, rtol=1e-8)
    np.testing.assert_allclose(infl.cooks_d, ref.cooks_distance[0], rtol=1e-8)
    np.testing.assert_allclose(infl.student_external, ref.resid_studentized_external, rtol=1e-8)
    np.testing.assert_allclose(infl.dfbetas, ref.dfbetas, rtol=1e-8)
    # COVRATIO raises (s_(i)/s) to the power 2p = 14, so the ill-conditioning of Longley
    # (condition number 4.9e9) shows at 1e-7 between the two implementations.
    np.testing.assert_allclose(infl.covratio, ref.cov_ratio, rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_random_designs_match_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = 40
    data = pd.DataFrame(rng.standard_normal((n, 3)), columns=["a", "b", "c"])
    data["g"] = rng.integers(0, 3, n)
    data["y"] = data["a"] - data["b"] + rng.standard_normal(n)
    compare_with_statsmodels(fit_ols(build_design(data, "y ~ a + b + c + C(g)")), 1e-9)


def planted_outlier():
    rng = np.random.default_rng(42)
    n = 50
    data = pd.DataFrame({"firm": [f"F{i:02d}" for i in range(n)], "x": rng.normal(0, 1, n)})
    data["z"] = rng.normal(0, 1, n)
    data["y"] = 2 + data["x"] + 0.5 * data["z"] + rng.normal(0, 0.5, n)
    data.loc[7, ["x", "y"]] = [6.0, -10.0]
    return data


def test_flags_follow_the_rules():
    data = planted_outlier()
    res = fit_ols(build_design(data, "y ~ x + z", id_column="firm"))
    infl = influence(res)
    n, p = res.nobs, res.k
    assert infl.thresholds == pytest.approx(
        {"cooks_4n": 4 / n, "leverage_2p": 2 * p / n, "leverage_3p": 3 * p / n}
    )
    expected = {
        "cooks_gt_1": infl.cooks_d > 1,
        "cooks_gt_4n": infl.cooks_d > 4 / n,
        "leverage_gt_2p": infl.leverage > 2 * p / n,
        "leverage_gt_3p": infl.leverage > 3 * p / n,
        "student_gt_3": np.abs(infl.student_external) > 3,
        "leverage_1": np.zeros(n, dtype=bool),
    }
    for rule, mask in expected.items():
        np.testing.assert_array_equal(infl.flags[rule].to_numpy(), mask, err_msg=rule)
    flagged = infl.flagged.set_index("id")
    assert "F07" in flagged.index
    assert set(flagged.loc["F07", "rules"].split(", ")) >= {
        "cooks_gt_1",
        "cooks_gt_4n",
        "leverage_gt_2p",
        "leverage_gt_3p",
        "student_gt_3",
    }
    any_flag = np.column_stack(list(expected.values())).any(axis=1)
    assert sorted(flagged.index) == sorted(np.asarray(res.design.ids)[any_flag].tolist())
    assert "F07" in infl.verdict()
    d = infl.to_dict()
    assert {"id": "F07", "rules": flagged.loc["F07", "rules"].split(", ")} in d["flagged"]
    assert set(d["dfbetas"]["F07"]) == {"Intercept", "x", "z"}
    assert d["cooks_d"]["F07"] == pytest.approx(float(infl.cooks_d[7]))
    json.dumps(d)
    frame = infl.to_frame()
    assert frame.loc[7, "id"] == "F07" and "cooks_gt_1" in frame.loc[7, "rules"]
    assert {"dfb_Intercept", "dfb_x", "dfb_z", "cooks_d", "leverage"} <= set(frame.columns)


def test_refit_without_flagged_equals_fit_on_remaining_rows():
    data = planted_outlier()
    res = fit_ols(build_design(data, "y ~ x + z", id_column="firm"))
    infl = influence(res)
    reduced = refit_without_flagged(res, infl)
    drop = infl.flags["cooks_gt_1"].to_numpy() | infl.flags["leverage_gt_2p"].to_numpy()
    keep_ids = set(np.asarray(res.design.ids)[~drop])
    ref = fit_ols(build_design(data[data["firm"].isin(keep_ids)], "y ~ x + z", id_column="firm"))
    np.testing.assert_allclose(reduced.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)
    assert reduced.nobs == int((~drop).sum())
    only_cook = refit_without_flagged(res, infl, ("cooks_gt_1",))
    assert only_cook.nobs == res.nobs - int(infl.flags["cooks_gt_1"].sum())
    both = refit_without_flagged(res, infl, ("cooks_gt_1", "leverage_gt_3p"), how="all")
    assert both.nobs == res.nobs - int(
        (infl.flags["cooks_gt_1"] & infl.flags["leverage_gt_3p"]).sum()
    )
    clean = data.drop(index=7)
    res_clean = fit_ols(build_design(clean, "y ~ x + z", id_column="firm"))
    infl_clean = influence(res_clean)
    assert refit_without_flagged(res_clean, infl_clean, ("cooks_gt_1",)) is res_clean

    table = compare_models(res, reduced, labels=("all", "trimmed"))
    assert table["term"].tolist() == ["Intercept", "x", "z"]
    np.testing.assert_allclose(
        table["diff"].to_numpy(), (reduced.params - res.params).to_numpy(), rtol=1e-12
    )
    assert table.attrs["n_all"] == 50 and table.attrs["n_trimmed"] == reduced.nobs
    assert {"coef_all", "se_all", "p_all", "coef_trimmed", "rel_diff"} <= set(table.columns)


def test_leverage_one_case_is_flagged_not_nan_everywhere():
    rng = np.random.default_rng(9)
    n = 25
    data = pd.DataFrame({"x": rng.standard_normal(n), "d": np.r_[np.zeros(n - 1), 1.0]})
    data["y"] = data["x"] + rng.standard_normal(n)
    infl = influence(fit_ols(build_design(data, "y ~ x + d")))
    assert infl.flags["leverage_1"].tolist() == [False] * (n - 1) + [True]
    assert np.isnan(infl.cooks_d[-1]) and np.isfinite(infl.cooks_d[:-1]).all()
    assert np.isfinite(infl.dfbetas[:-1]).all()
    assert infl.to_dict()["cooks_d"][str(n - 1)] is None


def test_id_labels_and_bad_input(macro):
    res = macro
    labels = [f"q{i}" for i in range(res.nobs)]
    infl = influence(res, id_labels=labels)
    assert list(infl.ids[:2]) == ["q0", "q1"]
    assert set(infl.to_dict()["leverage"]) == set(labels)
    with pytest.raises(ModelError, match="id_labels has 3 labels"):
        influence(res, id_labels=["a", "b", "c"])
    with pytest.raises(ModelError, match="unknown influence rule"):
        refit_without_flagged(res, infl, ("cooks_gt_2",))
    with pytest.raises(ModelError, match="'any' or 'all'"):
        infl.mask(("cooks_gt_1",), how="some")
    tiny = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, 4.0], "z": [1.0, 0.0, 1.0, 3.0], "y": [1.0, 2.5, 2.0, 5.0]}
    )
    with pytest.raises(ModelError, match="at least 5 rows"):
        influence(fit_ols(build_design(tiny, "y ~ x + z")))
    other = influence(fit_ols(build_design(planted_outlier(), "y ~ x + z")))
    with pytest.raises(ModelError, match="same fitted model"):
        refit_without_flagged(res, other)
    assert set(RULES) == set(infl.flags.columns)
