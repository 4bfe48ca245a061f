"""OLS fit: NIST/R/SAS reference values, closed forms against statsmodels, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from smekit.analysis.design import Design, build_design
from smekit.analysis.ols import OLSResult, fit_ols
from smekit.core.errors import ModelError

LONGLEY_FORMULA = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"


def longley_fit() -> OLSResult:
    data = sm.datasets.longley.load_pandas().data
    return fit_ols(build_design(data, LONGLEY_FORMULA))


def macro_frame() -> pd.DataFrame:
    """Growth-rate regression of statsmodels' diagnostic tests (R lmtest references)."""
    d = sm.datasets.macrodata.load_pandas().data
    return pd.DataFrame(
        {
            "g_realinv": 400 * np.diff(np.log(d["realinv"].to_numpy())),
            "g_realgdp": 400 * np.diff(np.log(d["realgdp"].to_numpy())),
            "realint": d["realint"].to_numpy()[:-1],
        }
    )


def random_frame(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    y = 1.0 + x @ np.array([0.5, -1.0, 0.25]) + rng.standard_normal(n) * (1 + np.abs(x[:, 0]))
    return pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]})


# NIST StRD Longley certified values
# (https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml; R lm(Employed ~ ., longley)
# reproduces them). Order: constant, GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR.
NIST_BSE = [
    890420.383607373,
    84.9149257747669,
    0.334910077722432e-01,
    0.488399681651699,
    0.214274163161675,
    0.226073200069370,
    455.478499142212,
]
NIST_RSD = 304.854073561965
NIST_RSQ = 0.995479004577296
NIST_F = 330.285339234588
NIST_SSR = 836424.055505915


def test_longley_matches_nist_certified_values(nist_longley_params):
    res = longley_fit()
    np.testing.assert_allclose(res.params.to_numpy(), nist_longley_params, rtol=1e-9)
    np.testing.assert_allclose(res.bse.to_numpy(), NIST_BSE, rtol=1e-9)
    np.testing.assert_allclose(res.sigma, NIST_RSD, rtol=1e-9)
    np.testing.assert_allclose(res.rsquared, NIST_RSQ, rtol=1e-12)
    np.testing.assert_allclose(res.fvalue, NIST_F, rtol=1e-9)
    np.testing.assert_allclose(res.ssr, NIST_SSR, rtol=1e-9)
    assert (res.df_model, res.df_resid, res.nobs) == (6, 9, 16)
    # adjusted R-squared as published (8 digits) in statsmodels'
    # regression/tests/results/results_regression.py, class Longley
    np.testing.assert_allclose(res.rsquared_adj, 0.99246501, atol=5e-9)


def test_longley_hc3_matches_sas_and_statsmodels():
    res = longley_fit()
    # SAS HC3 standard errors recorded in statsmodels'
    # regression/tests/results/results_regression.py (Longley.HC3_se, "values computed
    # with SAS"), order GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR, const; 5 decimals.
    sas = np.array([91.11939, 0.05562, 0.82213, 0.29879, 0.32491, 922.80784, 1799477])
    ours = res.bse_hc3.to_numpy()[[1, 2, 3, 4, 5, 6, 0]]
    np.testing.assert_allclose(ours[:6], sas[:6], rtol=0, atol=5.1e-6)
    np.testing.assert_allclose(ours[6], sas[6], rtol=0, atol=0.51)
    ref = sm.OLS(res.design.y, res.design.X).fit(cov_type="HC3")
    np.testing.assert_allclose(res.bse_hc3.to_numpy(), ref.bse, rtol=1e-8)
    np.testing.assert_allclose(res.cov_hc3, ref.cov_params(), rtol=1e-7)


def test_macrodata_matches_r_lm():
    res = fit_ols(build_design(macro_frame(), "g_realinv ~ g_realgdp + realint"))
    # R: fm <- lm(g_realinv ~ g_realgdp + realint); coefficients recorded in statsmodels'
    # stats/tests/test_diagnostic.py (TestDiagnosticG.test_basic) and standard errors in
    # stats/tests/results/influence_lsdiag_R.json (R ls.diag(fm)$std.err).
    np.testing.assert_allclose(
        res.params.to_numpy(), [-9.48167277465485, 4.3742216647032, -0.613996969478989], rtol=1e-10
    )
    np.testing.assert_allclose(
        res.bse.to_numpy(), [1.06849580666268, 0.214694110888404, 0.284668053608957], rtol=1e-10
    )
    np.testing.assert_allclose(res.sigma, 10.7037959322668, rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_closed_forms_match_statsmodels(seed):
    data = random_frame(seed)
    res = fit_ols(build_design(data, "y ~ x1 + x2 + x3"))
    ref = sm.OLS(res.design.y, res.design.X).fit()
    hc3 = ref.get_robustcov_results("HC3")
    np.testing.assert_allclose(res.params.to_numpy(), ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse, rtol=1e-10)
    np.testing.assert_allclose(res.bse_hc3.to_numpy(), hc3.bse, rtol=1e-10)
    np.testing.assert_allclose(res.tvalues.to_numpy(), ref.tvalues, rtol=1e-10)
    np.testing.assert_allclose(res.pvalues.to_numpy(), ref.pvalues, rtol=1e-8)
    np.testing.assert_allclose(res.rsquared, ref.rsquared, rtol=1e-12)
    np.testing.assert_allclose(res.rsquared_adj, ref.rsquared_adj, rtol=1e-12)
    np.testing.assert_allclose(res.fvalue, ref.fvalue, rtol=1e-10)
    np.testing.assert_allclose(res.f_pvalue, ref.f_pvalue, rtol=1e-8)
    np.testing.assert_allclose(res.resid, ref.resid, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res.fittedvalues, ref.fittedvalues, rtol=1e-12)
    np.testing.assert_allclose(res.xtx_inv, ref.normalized_cov_params, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(res.leverage, ref.get_influence().hat_matrix_diag, rtol=1e-10)
    np.testing.assert_allclose(res.conf_int().to_numpy(), ref.conf_int(), rtol=1e-10)
    np.testing.assert_allclose(res.conf_int(0.1).to_numpy(), ref.conf_int(0.1), rtol=1e-10)
    np.testing.assert_allclose(res.llf, ref.llf, rtol=1e-12)
    # R's AIC/BIC count the error variance as a parameter; statsmodels' do not.
    np.testing.assert_allclose(res.aic, ref.aic + 2.0, rtol=1e-12)
    np.testing.assert_allclose(res.bic, ref.bic + np.log(res.nobs), rtol=1e-12)
    np.testing.assert_allclose(res.cov_params().to_numpy(), ref.cov_params(), rtol=1e-9)


def test_standardised_coefficients_equal_regression_on_z_scores():
    data = random_frame(7)
    res = fit_ols(build_design(data, "y ~ x1 + x2 + x3"))
    z = (data - data.mean()) / data.std(ddof=1)
    ref = sm.OLS(z["y"], sm.add_constant(z[["x1", "x2", "x3"]])).fit()
    np.testing.assert_allclose(
        res.std_betas[["x1", "x2", "x3"]].to_numpy(), ref.params[["x1", "x2", "x3"]], rtol=1e-10
    )
    assert res.std_betas["Intercept"] == 0.0
    assert abs(ref.params["const"]) < 1e-12


def test_model_without_intercept_uses_uncentred_r_squared():
    data = random_frame(4)
    res = fit_ols(build_design(data, "y ~ 0 + x1 + x2"))
    ref = sm.OLS(res.design.y, res.design.X).fit()
    assert not res.has_intercept
    assert res.df_model == 2
    np.testing.assert_allclose(res.rsquared, ref.rsquared, rtol=1e-12)
    np.testing.assert_allclose(res.rsquared_adj, ref.rsquared_adj, rtol=1e-12)
    np.testing.assert_allclose(res.fvalue, ref.fvalue, rtol=1e-10)


def test_frame_and_dict_are_complete_and_json_ready():
    data = random_frame(5)
    data.loc[3, "x2"] = np.nan
    res = fit_ols(build_design(data, "y ~ x1 + x2 + x3"))
    frame = res.to_frame()
    assert list(frame.columns) == [
        "term",
        "coef",
        "se",
        "se_hc3",
        "t",
        "p",
        "ci_low",
        "ci_high",
        "std_beta",
    ]
    assert frame["term"].tolist() == ["Intercept", "x1", "x2", "x3"]
    assert not frame.isna().any().any()
    d = res.to_dict()
    for key in [
        "params",
        "bse",
        "bse_hc3",
        "pvalues",
        "tvalues",
        "conf_int",
        "std_betas",
        "rsquared",
        "rsquared_adj",
        "fvalue",
        "f_pvalue",
        "df_model",
        "df_resid",
        "n",
        "n_dropped",
    ]:
        assert key in d
    assert d["n"] == 59 and d["n_dropped"] == 1
    assert d["params"]["x1"] == pytest.approx(float(res.params["x1"]), rel=1e-15)
    assert d["conf_int"]["x2"][0] < d["params"]["x2"] < d["conf_int"]["x2"][1]
    json.dumps(d)


def test_leverage_one_case_makes_hc3_undefined_with_a_note():
    rng = np.random.default_rng(3)
    n = 20
    data = pd.DataFrame({"x": rng.standard_normal(n), "d": np.r_[1.0, np.zeros(n - 1)]})
    data["y"] = data["x"] + rng.standard_normal(n)
    res = fit_ols(build_design(data, "y ~ x + d"))
    assert res.leverage[0] == pytest.approx(1.0, abs=1e-12)
    assert np.isnan(res.bse_hc3).all()
    assert any("leverage 1" in note for note in res.notes)
    assert res.to_dict()["bse_hc3"]["x"] is None
    assert np.isfinite(res.bse).all()


def manual_design(X: np.ndarray, y: np.ndarray, names: list[str]) -> Design:
    return Design(
        formula="y ~ manual",
        outcome="y",
        y=y,
        X=np.asfortranarray(X),
        names=names,
        ids=pd.RangeIndex(len(y)),
        dropped=pd.DataFrame({"id": [], "reason": []}),
    )


def test_bad_input_raises_model_error():
    data = random_frame(6, n=30)
    data["x4"] = data["x1"] + 2 * data["x2"]
    with pytest.raises(ModelError, match=r"x4.*collinear"):
        fit_ols(build_design(data, "y ~ x1 + x2 + x4", check_rank=False))
    with pytest.raises(ModelError, match=r"x4.*collinear"):
        build_design(data, "y ~ x1 + x2 + x4")
    with pytest.raises(ModelError, match="not found"):
        build_design(data, "y ~ x1 + nope")
    text = data.assign(s=["a"] * 30)
    with pytest.raises(ModelError, match="not numeric"):
        build_design(text, "y ~ x1 + s")
    with pytest.raises(ModelError, match="constant"):
        build_design(data.assign(c=1.0), "y ~ x1 + c")
    with pytest.raises(ModelError, match="outcome 'y' is constant"):
        fit_ols(build_design(data.assign(y=3.0), "y ~ x1 + x2"))
    with pytest.raises(ModelError, match="exact linear function"):
        fit_ols(build_design(data.assign(y=1 + 2 * data["x1"]), "y ~ x1 + x2"))
    inf = data.copy()
    inf.loc[4, "x2"] = np.inf
    with pytest.raises(ModelError, match="infinite"):
        fit_ols(build_design(inf, "y ~ x1 + x2"))
    X_inf = np.column_stack([np.ones(30), inf["x1"], inf["x2"]])
    with pytest.raises(ModelError, match="'x2' is infinite in row 4"):
        fit_ols(manual_design(X_inf, data["y"].to_numpy(), ["Intercept", "x1", "x2"]))
    X = np.column_stack([np.ones(3), np.arange(3.0), np.arange(3.0) ** 2])
    with pytest.raises(ModelError, match="3 rows but 3 parameters"):
        fit_ols(manual_design(X, np.array([1.0, 2.0, 4.0]), ["Intercept", "a", "b"]))
    with pytest.raises(ModelError, match="zero in every row"):
        fit_ols(
            manual_design(
                np.column_stack([np.ones(5), np.zeros(5)]), np.arange(5.0), ["Intercept", "z"]
            )
        )
    with pytest.raises(ModelError, match="alpha"):
        fit_ols(build_design(data, "y ~ x1"), alpha=1.5)
    with pytest.raises(ModelError, match="alpha"):
        fit_ols(build_design(data, "y ~ x1")).conf_int(0.0)


def test_missing_values_are_dropped_listwise():
    data = random_frame(8, n=40)
    data.loc[[2, 9], "x1"] = np.nan
    res = fit_ols(build_design(data, "y ~ x1 + x2"))
    ref = fit_ols(build_design(data.drop(index=[2, 9]).reset_index(drop=True), "y ~ x1 + x2"))
    assert res.nobs == 38 and res.n_dropped == 2
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)
    assert 2 not in res.design.ids and 9 not in res.design.ids
