"""Assumption tests against R lmtest/tseries output, Gretl/EViews and statsmodels."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.stats.diagnostic as smd
from scipy import stats
from statsmodels.stats.stattools import durbin_watson

from smekit.analysis import assumptions as A
from smekit.analysis import independence
from smekit.analysis.design import build_design
from smekit.analysis.ols import fit_ols
from smekit.core.errors import ModelError


def hetero_fit(seed: int = 0, n: int = 120):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {"x1": rng.standard_normal(n), "x2": rng.uniform(0, 2, n), "g": rng.integers(0, 3, n)}
    )
    data["y"] = (
        1 + data["x1"] + data["x2"] + 0.3 * data["g"] + rng.standard_normal(n) * (0.5 + data["x2"])
    )
    return fit_ols(build_design(data, "y ~ x1 + x2 + C(g)"))


def sm_fit(res):
    return sm.OLS(res.design.y, res.design.X).fit()


def sm_harvey_collier(y, X):
    """Harvey-Collier t from statsmodels' recursive residuals (recursive_olsresiduals[4])."""
    k = X.shape[1]
    w = smd.recursive_olsresiduals(sm.OLS(y, X).fit())[4][k:]
    t = stats.ttest_1samp(w, 0.0)
    return abs(float(t.statistic)), float(t.pvalue)


# ----------------------------------------------------------------- R reference values
# All R values below are recorded in statsmodels' stats/tests/test_diagnostic.py
# (class TestDiagnosticG; R lmtest output written with mkhtest) for the macrodata model.


def test_rainbow_matches_r_raintest(macro):
    res = macro
    # > raintest(fm): statistic 0.6809600116739604, p 0.971832843583418, df (101, 98)
    rt = A.rainbow_test(res)
    np.testing.assert_allclose(rt.statistic, 0.6809600116739604, rtol=1e-10)
    np.testing.assert_allclose(rt.p_value, 0.971832843583418, rtol=1e-10)
    assert rt.df == (101.0, 98.0)
    # > raintest(fm, fraction = 0.4): 0.565551237772662, p 0.997592305968473, df (122, 77)
    rt4 = A.rainbow_test(res, fraction=0.4)
    np.testing.assert_allclose(rt4.statistic, 0.565551237772662, rtol=1e-10)
    np.testing.assert_allclose(rt4.p_value, 0.997592305968473, rtol=1e-10)
    assert rt4.df == (122.0, 77.0)
    ref = smd.linear_rainbow(sm_fit(res))
    np.testing.assert_allclose(rt.statistic, ref[0], rtol=1e-10)


def test_harvey_collier_matches_r_harvtest(macro):
    # > harvtest(fm, order.by = NULL): statistic 0.494432160939874, p 0.6215491310408242,
    # df 198
    hc = A.harvey_collier_test(macro)
    np.testing.assert_allclose(hc.statistic, 0.494432160939874, rtol=1e-10)
    np.testing.assert_allclose(hc.p_value, 0.6215491310408242, rtol=1e-10)
    assert hc.df == (198.0,)


def test_breusch_pagan_matches_r_bptest(macro):
    # > bptest(fm) (studentized): statistic 0.709924388395087, p 0.701199952134347, df 2
    bp = A.breusch_pagan_test(macro)
    np.testing.assert_allclose(bp.statistic, 0.709924388395087, rtol=1e-10)
    np.testing.assert_allclose(bp.p_value, 0.701199952134347, rtol=1e-10)
    assert bp.to_dict()["df"] == 2
    assert {"lm", "pvalue", "df"} <= set(bp.to_dict())


def test_white_matches_eviews_and_durbin_watson_matches_gretl(macro):
    res = macro
    # White: EViews values recorded in test_diagnostic.py::test_het_white
    # (33.503722896538441, p 2.9887960597830259e-06, df 5).
    w = A.white_test(res)
    np.testing.assert_allclose(w.statistic, 33.503722896538441, rtol=1e-10)
    np.testing.assert_allclose(w.p_value, 2.9887960597830259e-06, rtol=1e-8)
    assert w.df == (5.0,)
    # Durbin-Watson 2.213805 from Gretl (statsmodels' regression/tests/test_glsar_gretl.py)
    dw = A.durbin_watson_test(res)
    np.testing.assert_allclose(dw.statistic, 2.213805, atol=5e-7)
    np.testing.assert_allclose(dw.statistic, durbin_watson(res.resid), rtol=1e-12)


def test_jarque_bera_and_shapiro_match_r():
    # x and R fBasics::jarqueberaTest values from statsmodels'
    # stats/tests/test_statstools.py::test_jarque_bera.
    x = np.array(
        [
            -0.1184,
            -1.3403,
            0.0063,
            -0.612,
            -0.3869,
            -0.2313,
            -2.8485,
            -0.2167,
            0.4153,
            1.8492,
            -0.3706,
            0.9726,
            -0.1501,
            -0.0337,
            -1.4423,
            1.2489,
            0.9182,
            -0.2331,
            -0.6182,
            0.183,
        ]
    )
    jb = A.jarque_bera_test(x)
    np.testing.assert_allclose(jb.statistic, 1.9662677226861689, rtol=1e-12)
    np.testing.assert_allclose(jb.p_value, 0.3741367669648314, rtol=1e-12)
    np.testing.assert_allclose(A.jarque_bera_test(x**2).statistic, 78.329987305556, rtol=1e-12)
    np.testing.assert_allclose(
        A.jarque_bera_test(np.log(x**2)).statistic, 5.7135750796706670, rtol=1e-12
    )
    # Shapiro-Wilk "verified against R" in scipy's stats/tests/test_morestats.py
    # (TestShapiro.test_basic, x3): W = 0.9772805571556091, p = 0.0814 (3 decimals).
    x3 = stats.norm.rvs(loc=5, scale=3, size=100, random_state=12345678)
    sw = A.shapiro_wilk_test(x3)
    np.testing.assert_allclose(sw.statistic, 0.9772805571556091, rtol=1e-6)
    np.testing.assert_allclose(sw.p_value, 0.08144091814756393, atol=5e-4)


# ----------------------------------------------------------------- closed forms


@pytest.mark.parametrize("seed", [0, 1])
def test_match_statsmodels_on_random_data(seed):
    res = hetero_fit(seed)
    ref = sm_fit(res)
    bp = A.breusch_pagan_test(res)
    sm_bp = smd.het_breuschpagan(ref.resid, ref.model.exog)
    np.testing.assert_allclose([bp.statistic, bp.p_value], sm_bp[:2], rtol=1e-10)
    w = A.white_test(res)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns about the duplicated columns
        sm_w = smd.het_white(ref.resid, ref.model.exog)
    np.testing.assert_allclose(w.statistic, sm_w[0], rtol=1e-10)
    # squares of the two dummies duplicate them and their product is zero: 14 - 3 terms
    assert w.df == (11.0,)
    np.testing.assert_allclose(w.p_value, stats.chi2.sf(sm_w[0], 11), rtol=1e-10)
    chunked = A.white_test(res, chunk_elements=70)
    np.testing.assert_allclose(chunked.statistic, w.statistic, rtol=1e-12)
    rain = A.rainbow_test(res, fraction=0.5)
    np.testing.assert_allclose(rain.statistic, smd.linear_rainbow(ref, frac=0.5)[0], rtol=1e-10)
    hc = A.harvey_collier_test(res)
    sm_hc = sm_harvey_collier(res.design.y, res.design.X)
    np.testing.assert_allclose(hc.statistic, sm_hc[0], rtol=1e-8)
    np.testing.assert_allclose(hc.p_value, sm_hc[1], rtol=1e-8)


def test_white_equals_explicit_auxiliary_regression():
    res = hetero_fit(5, n=80)
    X = res.design.X
    x1, x2 = X[:, 1], X[:, 2]
    aux = np.column_stack([np.ones(len(x1)), x1, x2, x1**2, x2**2, x1 * x2])
    fit = sm.OLS(res.resid**2, aux).fit()
    res2 = fit_ols(
        build_design(pd.DataFrame({"y": res.design.y, "x1": x1, "x2": x2}), "y ~ x1 + x2")
    )
    aux2 = sm.OLS(res2.resid**2, aux).fit()
    w = A.white_test(res2)
    np.testing.assert_allclose(w.statistic, res2.nobs * aux2.rsquared, rtol=1e-10)
    assert w.df == (5.0,)
    assert fit.rsquared >= 0


def test_rainbow_orderings():
    res = hetero_fit(3)
    ref = sm_fit(res)
    x2 = res.design.X[:, res.names.index("x2")]
    ordered = A.rainbow_test(res, order_by="x2")
    np.testing.assert_allclose(
        ordered.statistic,
        smd.linear_rainbow(ref, order_by=np.argsort(x2, kind="stable"))[0],
        rtol=1e-10,
    )
    # R raintest(fm, order.by = "mahalanobis"): the floor(n/2) cases nearest the mean of X
    # in the metric (X'X)^-1, computed here independently.
    X, y, n, k = res.design.X, res.design.y, res.nobs, res.k
    dev = X - X.mean(axis=0)
    dist = np.einsum("ij,jk,ik->i", dev, np.linalg.inv(X.T @ X), dev)
    sub = np.argsort(dist, kind="stable")[: n // 2]
    fit_sub = sm.OLS(y[sub], X[sub]).fit()
    f = ((res.ssr - fit_sub.ssr) / (n - n // 2)) / (fit_sub.ssr / (n // 2 - k))
    maha = A.rainbow_test(res, order_by="mahalanobis")
    np.testing.assert_allclose(maha.statistic, f, rtol=1e-10)
    assert "closest to the centre" in maha.verdict
    keys = np.random.default_rng(0).permutation(n)
    shuffled = A.rainbow_test(res, order_by=keys)
    rows = np.sort(np.argsort(keys, kind="stable")[n // 4 : n // 4 + n // 2])
    fit_rows = sm.OLS(y[rows], X[rows]).fit()
    f_rows = ((res.ssr - fit_rows.ssr) / (n - n // 2)) / (fit_rows.ssr / (n // 2 - k))
    np.testing.assert_allclose(shuffled.statistic, f_rows, rtol=1e-10)
    assert shuffled.statistic != pytest.approx(A.rainbow_test(res).statistic)


def naive_recursive(X, y, t0):
    out = []
    for t in range(t0, len(y)):
        xtx = X[:t].T @ X[:t]
        b = np.linalg.solve(xtx, X[:t].T @ y[:t])
        out.append((y[t] - X[t] @ b) / math.sqrt(1 + X[t] @ np.linalg.solve(xtx, X[t])))
    return np.array(out)


def test_recursive_residuals_both_paths_match_definition():
    rng = np.random.default_rng(8)
    n = 400
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
    y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + rng.standard_normal(n)
    ref = smd.recursive_olsresiduals(sm.OLS(y, X).fit())[4][4:]
    w_block, t0 = A.recursive_residuals(X, y)
    assert t0 == 4
    np.testing.assert_allclose(w_block, ref, rtol=1e-8, atol=1e-10)
    w_chunks, _ = A.recursive_residuals(X, y, exact_block=20, chunk_rows=37)
    np.testing.assert_allclose(w_chunks, ref, rtol=1e-8, atol=1e-10)
    # degenerate start: the first five rows are identical, so the recursion starts
    # at the first prefix with full column rank
    Xd = X.copy()
    Xd[1:5] = Xd[0]
    w_deg, t_deg = A.recursive_residuals(Xd, y, exact_block=30, chunk_rows=50)
    assert t_deg == 8
    np.testing.assert_allclose(w_deg, naive_recursive(Xd, y, 8), rtol=1e-7, atol=1e-9)


def test_harvey_collier_order_and_subsample():
    res = hetero_fit(4, n=300)
    x1 = res.design.X[:, 1]
    order = np.argsort(x1, kind="stable")
    hc = A.harvey_collier_test(res, order_by="x1")
    Xo, yo = res.design.X[order], res.design.y[order]
    w, t0 = A.recursive_residuals(Xo, yo)
    expected = naive_recursive(Xo, yo, t0)
    np.testing.assert_allclose(w, expected, rtol=1e-7, atol=1e-9)
    t_ref = abs(math.sqrt(w.size) * expected.mean() / expected.std(ddof=1))
    np.testing.assert_allclose(hc.statistic, t_ref, rtol=1e-7)
    fitted = A.harvey_collier_test(res, order_by="fitted")
    assert "rows ordered by fitted" in fitted.verdict
    sub = A.harvey_collier_test(res, max_n=120, seed=3)
    assert dict(sub.extra)["n_used"] == 120
    assert "random subsample of 120 of 300 rows (seed 3)" in sub.verdict
    rows = np.sort(np.random.default_rng(3).choice(300, size=120, replace=False))
    w_sub, t_sub = A.recursive_residuals(res.design.X[rows], res.design.y[rows])
    expected_sub = naive_recursive(res.design.X[rows], res.design.y[rows], t_sub)
    t_expected = abs(math.sqrt(w_sub.size) * expected_sub.mean() / expected_sub.std(ddof=1))
    np.testing.assert_allclose(sub.statistic, t_expected, rtol=1e-7)
    assert A.harvey_collier_test(res, max_n=120, seed=4).statistic != sub.statistic


# ----------------------------------------------------------------- Durbin-Watson p-values


def dense_mean_var(res):
    X = res.design.X
    n, k = X.shape
    M = np.eye(n) - X @ np.linalg.solve(X.T @ X, X.T)
    Amat = np.diag(np.r_[1.0, np.full(n - 2, 2.0), 1.0]) - np.eye(n, k=1) - np.eye(n, k=-1)
    MA = M @ Amat
    mean = np.trace(MA) / (n - k)
    var = 2 * (np.trace(MA @ MA) - np.trace(MA) ** 2 / (n - k)) / ((n - k) * (n - k + 2))
    return mean, var, M, Amat


def test_durbin_watson_normal_approximation_uses_exact_moments():
    res = hetero_fit(6, n=150)
    mean, var, _, _ = dense_mean_var(res)
    for alt, expected in [
        ("greater", lambda d: stats.norm.cdf(d, mean, math.sqrt(var))),
        ("less", lambda d: stats.norm.sf(d, mean, math.sqrt(var))),
        ("two.sided", lambda d: 2 * stats.norm.sf(abs(d - mean), 0, math.sqrt(var))),
    ]:
        dw = A.durbin_watson_test(res, alternative=alt)
        assert dict(dw.extra)["method"] == "normal approximation"
        np.testing.assert_allclose(dw.p_value, expected(dw.statistic), rtol=1e-10)


def test_imhof_integral_matches_closed_forms():
    # P(a z1^2 <= b z2^2) = (2/pi) arctan(sqrt(b/a)) (ratio of normals is Cauchy)
    for a, b in [(1.0, 1.0), (2.0, 0.5), (0.3, 4.0)]:
        np.testing.assert_allclose(
            independence._imhof_cdf_zero(np.array([a, -b])),
            2 / math.pi * math.atan(math.sqrt(b / a)),
            rtol=1e-8,
        )
    # P(chi2_m <= t chi2_1) = F_{m,1}(t / m)
    for m, t in [(3, 2.0), (6, 10.0)]:
        c = np.r_[np.ones(m), -t]
        np.testing.assert_allclose(
            independence._imhof_cdf_zero(c), stats.f.cdf(t / m, m, 1), rtol=1e-8
        )


def test_durbin_watson_exact_p_value_against_simulation():
    res = hetero_fit(7, n=40)
    dw = A.durbin_watson_test(res)
    assert dict(dw.extra)["method"] == "exact"
    _, _, M, Amat = dense_mean_var(res)
    ev = np.linalg.eigvalsh(M @ Amat @ M)
    ev = ev[ev > 1e-10]
    z2 = np.random.default_rng(0).standard_normal((100_000, ev.size)) ** 2
    sims = (z2 @ ev) / z2.sum(axis=1)
    p_sim = float((sims <= dw.statistic).mean())
    assert abs(dw.p_value - p_sim) < 4 * math.sqrt(p_sim * (1 - p_sim) / 100_000) + 1e-4
    two = A.durbin_watson_test(res, alternative="two.sided")
    np.testing.assert_allclose(two.p_value, 2 * min(dw.p_value, 1 - dw.p_value), rtol=1e-12)


# ----------------------------------------------------------------- report and verdicts


def test_report_structure_and_verdicts(macro):
    rep = A.check_assumptions(macro)
    assert rep.keys == [
        "rainbow",
        "harvey_collier",
        "durbin_watson",
        "breusch_pagan",
        "white",
        "shapiro_wilk",
        "jarque_bera",
    ]
    frame = rep.to_frame()
    assert list(frame.columns) == ["test", "assumption", "statistic", "df", "p_value", "verdict"]
    assert set(frame["assumption"]) == {
        "linearity",
        "independence",
        "homoscedasticity",
        "normality",
    }
    d = rep.to_dict()
    assert d["breusch_pagan"]["lm"] == pytest.approx(0.709924388395087, rel=1e-10)
    assert d["rainbow"]["df_num"] == 101 and d["rainbow"]["df_denom"] == 98
    json.dumps(d)
    assert rep["breusch_pagan"].verdict == "No evidence of heteroscedasticity (LM = 0.71, p = 0.70)"
    assert rep["white"].verdict.startswith("Residual variance changes")
    assert "HC3" in rep["white"].verdict
    assert "rows in file order" in rep["durbin_watson"].verdict
    assert rep["jarque_bera"].verdict.startswith("Residuals depart from a normal distribution")


def test_shapiro_subsample_is_seeded_and_stated():
    rng = np.random.default_rng(1)
    resid = rng.standard_normal(6000)
    a = A.shapiro_wilk_test(resid, max_n=5000, seed=2)
    b = A.shapiro_wilk_test(resid, max_n=5000, seed=2)
    c = A.shapiro_wilk_test(resid, max_n=5000, seed=3)
    assert a.statistic == b.statistic and a.statistic != c.statistic
    assert "random subsample of 5,000 of 6,000 residuals, seed 2" in a.verdict
    idx = np.sort(np.random.default_rng(2).choice(6000, size=5000, replace=False))
    np.testing.assert_allclose(a.statistic, stats.shapiro(resid[idx]).statistic, rtol=1e-12)
    assert dict(a.extra)["n_used"] == 5000


def test_tests_that_cannot_run_say_why():
    rng = np.random.default_rng(2)
    n = 30
    data = pd.DataFrame(rng.standard_normal((n, 8)), columns=[f"x{i}" for i in range(8)])
    data["y"] = rng.standard_normal(n)
    res = fit_ols(build_design(data, "y ~ " + " + ".join(data.columns[:8])))
    rep = A.check_assumptions(res)
    white = rep["white"]
    assert not white.computed and white.verdict.startswith("Not computed: 45 auxiliary terms")
    assert white.to_dict()["lm"] is None
    assert rep["breusch_pagan"].computed
    only_const = fit_ols(build_design(data, "y ~ 1"))
    assert not A.breusch_pagan_test(only_const).computed


def test_bad_arguments_raise_model_error(macro):
    res = macro
    with pytest.raises(ModelError, match="alpha"):
        A.check_assumptions(res, alpha=0)
    with pytest.raises(ModelError, match="cannot order rows by 'nope'"):
        A.rainbow_test(res, order_by="nope")
    with pytest.raises(ModelError, match="fraction"):
        A.rainbow_test(res, fraction=1.5)
    with pytest.raises(ModelError, match="order_by has 3 values"):
        A.harvey_collier_test(res, order_by=np.arange(3))
    with pytest.raises(ModelError, match="alternative"):
        A.durbin_watson_test(res, alternative="bigger")
    with pytest.raises(ModelError, match="cannot order rows by 'nope'"):
        A.check_assumptions(res, order_by="nope")
    with pytest.raises(ModelError, match="rainbow_fraction"):
        A.check_assumptions(res, rainbow_fraction=0.0)


def test_mahalanobis_order_in_report_keeps_file_order_for_harvey_collier(macro):
    res = macro
    rep = A.check_assumptions(res, order_by="mahalanobis")
    assert rep["rainbow"].statistic == A.rainbow_test(res, order_by="mahalanobis").statistic
    assert rep["harvey_collier"].statistic == pytest.approx(0.494432160939874, rel=1e-10)
