"""The result protocol: every model's p-values and intervals come from its own distribution."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.regression.quantile_regression import QuantReg

from smekit.analysis.design import build_design
from smekit.analysis.estimates import Estimates, as_estimates
from smekit.analysis.nested_f import FTest
from smekit.analysis.ols import fit_ols
from smekit.analysis.robust import fit_huber, fit_median
from smekit.analysis.suite import run_suite
from smekit.analysis.tables import model_column, regression_table
from smekit.core.errors import ModelError


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(25)
    n = 25
    x = rng.normal(size=(n, 2))
    y = 1 + x @ [0.5, 0.3] + rng.standard_t(3, size=n)
    g = np.repeat(["a", "b"], [13, 12])
    return pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "g": g})


def test_t_and_z_reference_values():
    e_t = Estimates(pd.Series({"b": 2.0}), pd.Series({"b": 1.0}), "t", 10)
    e_z = Estimates(pd.Series({"b": 2.0}), pd.Series({"b": 1.0}), "z", None)
    assert e_t.pvalues["b"] == pytest.approx(2 * stats.t.sf(2.0, 10), rel=1e-14)
    assert e_z.pvalues["b"] == pytest.approx(0.04550026389635842, rel=1e-12)  # 2 * Phi(-2)
    assert e_z.conf_int().loc["b", "upper"] == pytest.approx(2 + 1.959963984540054, rel=1e-12)
    assert e_t.conf_int(0.1).loc["b", "lower"] == pytest.approx(2 - stats.t.ppf(0.95, 10))
    assert e_z.df is None


@pytest.mark.parametrize("dist, df", [("t", 7), ("z", None)])
def test_interval_bound_has_p_equal_alpha(dist, df):
    """At the CI's bound the two-sided p-value of the shifted null is exactly alpha."""
    e = Estimates(pd.Series({"b": 1.3}), pd.Series({"b": 0.4}), dist, df)
    lo = e.conf_int(0.05).loc["b", "lower"]
    shifted = Estimates(pd.Series({"b": 1.3 - lo}), pd.Series({"b": 0.4}), dist, df)
    assert shifted.pvalues["b"] == pytest.approx(0.05, rel=1e-10)


def test_to_dict_writes_null_for_nan_and_is_json():
    e = Estimates(
        pd.Series({"a": 1.0, "b": np.nan}),
        pd.Series({"a": 0.5, "b": np.nan}),
        "t",
        3,
        stats={"R²": math.nan, "N clusters": 4},
    )
    d = e.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["params"]["b"] is None and d["conf_int"]["b"] == [None, None]
    assert d["stats"] == {"R²": None, "N clusters": 4}
    assert d["distribution"] == "t" and d["df"] == 3.0
    frame = e.to_frame()
    assert list(frame.columns) == ["term", "estimate", "se", "statistic", "p", "ci_low", "ci_high"]


def test_bad_protocol_values_are_errors():
    with pytest.raises(ModelError, match="degrees of freedom"):
        Estimates(pd.Series({"a": 1.0}), pd.Series({"a": 1.0}), "t", None)
    with pytest.raises(ModelError, match="distribution"):
        Estimates(pd.Series({"a": 1.0}), pd.Series({"a": 1.0}), "chi2", None)
    with pytest.raises(TypeError):
        as_estimates(object())


def test_ftest_to_dict_null_for_nan():
    d = FTest(fstat=math.nan, pvalue=math.nan, df_num=1, df_denom=3).to_dict()
    assert d["fstat"] is None and d["pvalue"] is None
    json.dumps(d, allow_nan=False)


def test_ols_hc3_estimates_equal_statsmodels_with_t(small):
    """HC3 with t on n - k df: statsmodels ``fit(cov_type="HC3", use_t=True)``
    (= R ``lmtest::coefci(fit, vcov = vcovHC(fit, "HC3"))``)."""
    fit = fit_ols(build_design(small, "y ~ x1 + x2"))
    ref = smf.ols("y ~ x1 + x2", small).fit(cov_type="HC3", use_t=True)
    est = fit.estimates("HC3")
    assert est.cov_type == "HC3" and est.distribution == "t" and est.df == 22
    np.testing.assert_allclose(est.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(est.pvalues, ref.pvalues, rtol=1e-9)
    np.testing.assert_allclose(est.conf_int(), ref.conf_int(), rtol=1e-10)
    np.testing.assert_allclose(fit.estimates().conf_int(), fit.conf_int(), rtol=1e-14)
    with pytest.raises(ModelError):
        fit.estimates("HC9")


def test_median_interval_uses_t_like_its_p_values(small):
    """statsmodels ``QuantReg`` (and quantreg ``summary.rq``) refer median regression to t
    on n - p df; the interval must use the same distribution as the p-value."""
    design = build_design(small, "y ~ x1 + x2")
    med = fit_median(design)
    ref = QuantReg(design.y, design.X).fit(q=0.5)
    ci = med.estimates().conf_int()
    width_ref = np.diff(np.asarray(ref.conf_int()), axis=1).ravel()
    np.testing.assert_allclose((ci["upper"] - ci["lower"]).to_numpy(), width_ref, rtol=1e-9)
    np.testing.assert_allclose(med.estimates().pvalues, med.pvalues, rtol=1e-12)
    assert med.to_dict()["distribution"] == "t" and med.to_dict()["df"] == 22


def test_huber_reference_is_normal(small):
    huber = fit_huber(build_design(small, "y ~ x1 + x2"))
    est = huber.estimates()
    assert est.distribution == "z" and est.cov_type == "XtX"
    np.testing.assert_allclose(est.pvalues, huber.pvalues, rtol=1e-12)
    ci = est.conf_int()
    np.testing.assert_allclose(ci["upper"] - huber.params, 1.959963984540054 * huber.bse)


def test_suite_coefficients_agree_with_each_models_p_values(small):
    """For every model in the long table: CI excludes 0 exactly when p < .05, and the
    interval's half-width is the model's own critical value times its SE."""
    suite = run_suite(small, "y ~ x1 + x2", subgroup="g", min_group_size=5)
    table = suite.coefficients()
    assert {"OLS", "Huber", "Bisquare", "Median"} <= set(table["model"])
    crit = {
        "OLS": stats.t.ppf(0.975, 22),
        "Huber": stats.norm.ppf(0.975),
        "Bisquare": stats.norm.ppf(0.975),
        "Median": stats.t.ppf(0.975, 22),
        "g = a": stats.t.ppf(0.975, 10),
        "g = b": stats.t.ppf(0.975, 9),
    }
    for model, q in crit.items():
        rows = table[table["model"] == model]
        assert len(rows) == 3, model
        np.testing.assert_allclose(rows["ci_high"] - rows["coef"], q * rows["se"], rtol=1e-9)
        excludes = (rows["ci_low"] > 0) | (rows["ci_high"] < 0)
        assert (excludes == (rows["p"] < 0.05)).all(), model


def test_tables_take_estimates_and_results_alike(small):
    fit = fit_ols(build_design(small, "y ~ x1 + x2"))
    a = regression_table([model_column(fit, "OLS"), model_column(fit, "HC3", se="bse_hc3")])
    b = regression_table({"OLS": fit.estimates(), "HC3": fit.estimates("HC3")})
    pd.testing.assert_frame_equal(a.body, b.body)
    pd.testing.assert_frame_equal(a.footer, b.footer)
    assert a.footer["statistic"].tolist() == ["N", "R²", "Adj. R²"]
    assert (
        a.body.loc[a.body["kind"] == "se", "HC3"].tolist()
        != a.body.loc[a.body["kind"] == "se", "OLS"].tolist()
    )
