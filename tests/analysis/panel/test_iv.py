"""IV-2SLS and its diagnostics against R AER::ivreg on Stock & Watson's cigarette demand.

Reference: tests/analysis/reference/panel/iv.R (R 4, AER, sandwich, lmtest) on
AER::CigarettesSW, 48 US states in 1995 (Stock & Watson 2007, *Introduction to
Econometrics*, 2nd ed., ch. 12), exported to cigarettes_sw.csv next to the script.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.iv import _kp_rk, _resid, demean, fit_iv, parse_iv_formula
from smekit.analysis.stock_yogo import bias_table, critical_values, size_table
from smekit.core.errors import ModelError

HERE = Path(__file__).resolve().parents[1] / "reference" / "panel"
REF = json.loads((HERE / "iv.json").read_text())
FORMULA = "lpacks ~ lrincome | lrprice ~ tdiff + rtax"


@pytest.fixture(scope="module")
def cig():
    return pd.read_csv(HERE / "cigarettes_sw.csv")


@pytest.fixture(scope="module")
def fit(cig):
    return fit_iv(cig, FORMULA)


def test_second_stage_matches_aer(fit):
    np.testing.assert_allclose(fit.classical.params, REF["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.classical.bse, REF["se"], rtol=1e-8)
    np.testing.assert_allclose(fit.robust.bse, REF["se_hc1"], rtol=1e-8)
    assert fit.classical.df == REF["df_resid"]
    # Stock & Watson (2007) eq. 12.16: price elasticity -1.28 (robust SE 0.25)
    assert round(float(fit.robust.params["lrprice"]), 2) == -1.28
    assert round(float(fit.robust.bse["lrprice"]), 2) == 0.25


def test_first_stage_and_identification(cig, fit):
    fs = fit.first_stage
    assert fs.partial_r2["lrprice"] == pytest.approx(REF["partial_r2"], rel=1e-10)
    assert fs.f["lrprice"] == pytest.approx(REF["F_classical"], rel=1e-10)
    assert fs.f["lrprice"] == pytest.approx(REF["weak_F"], rel=1e-10)  # AER's weak-IV test
    assert fs.f_df == (2, 44.0)
    assert fs.cragg_donald_f == pytest.approx(REF["cragg_donald_f"], rel=1e-10)
    assert fs.anderson_lm == pytest.approx(REF["anderson_lm"], rel=1e-10)
    assert fs.anderson_df == 2
    # one endogenous regressor: KP rk Wald F = HC1 Wald F of the excluded instruments
    assert fs.kleibergen_paap_f == pytest.approx(REF["F_hc1"], rel=1e-10)
    robust = fit_iv(cig, FORMULA, robust=True)
    assert robust.first_stage.f["lrprice"] == pytest.approx(REF["F_hc1"], rel=1e-10)


def test_overid_matches_aer(fit):
    s = fit.overid["sargan"]
    assert s["stat"] == pytest.approx(REF["sargan_aer"], rel=1e-10)
    assert s["p"] == pytest.approx(REF["sargan_p_aer"], rel=1e-8) and s["df"] == 1
    assert fit.overid["hansen"]["df"] == 1 and 0 < fit.overid["hansen"]["stat"] < 1


def test_two_endogenous_cragg_donald_and_kp_reduction(cig):
    d = cig.assign(rtax2=cig.rtax**2)
    res = fit_iv(d, "lpacks ~ 1 | lrprice + lrincome ~ tdiff + rtax + rtax2")
    ref = REF["two_endog"]
    np.testing.assert_allclose(res.classical.params, ref["coef"], rtol=1e-8)
    np.testing.assert_allclose(res.classical.bse, ref["se"], rtol=1e-8)
    np.testing.assert_allclose(res.first_stage.canonical_correlations, ref["cc2"], rtol=1e-8)
    assert res.first_stage.anderson_lm == pytest.approx(ref["anderson_lm"], rel=1e-8)
    assert res.first_stage.cragg_donald_f == pytest.approx(ref["cragg_donald_f"], rel=1e-8)
    # with an i.i.d. covariance of vec(pi) the rk statistic is the Cragg-Donald Wald statistic
    X1 = np.ones((len(d), 1))
    Y = _resid(d[["lrprice", "lrincome"]].to_numpy(), X1)
    Z = _resid(d[["tdiff", "rtax", "rtax2"]].to_numpy(), X1)
    V = Y - Z @ np.linalg.lstsq(Z, Y, rcond=None)[0]
    n, rmin = len(d), min(ref["cc2"])
    assert _kp_rk(Y, Z, V, None, homoskedastic=True) == pytest.approx(
        n * rmin / (1 - rmin), rel=1e-8
    )
    # and the robust rk reported in F form: rk / N * (N - L) / L2
    rk = _kp_rk(Y, Z, V, None)
    assert res.first_stage.kleibergen_paap_f == pytest.approx(rk / n * (n - 4) / 3, rel=1e-12)
    assert res.stock_yogo.size == critical_values(2, 3)["size"]
    assert res.stock_yogo.max_size is None and res.warnings  # weak: CD F = 0.99


def test_absorbed_effects_match_dummies(s2_demo):
    frame, _ = s2_demo
    d = frame.dropna(subset=["human_capital", "transport", "labour"]).copy()
    d["z"] = np.log(d["post_offices_1984"]) * d["internet_users_national"]
    res = fit_iv(
        d,
        "labour ~ transport | human_capital ~ z",
        absorb=["province_id", "year"],
        cluster="province_id",
    )
    dummies = pd.get_dummies(d[["province_id", "year"]].astype(str), drop_first=True, dtype=float)
    dd = pd.concat([d.reset_index(drop=True), dummies.reset_index(drop=True)], axis=1)
    rhs = " + ".join(["transport", *dummies.columns])
    full = fit_iv(dd, f"labour ~ {rhs} | human_capital ~ z", cluster="province_id")
    for t in ("transport", "human_capital"):
        assert res.classical.params[t] == pytest.approx(full.classical.params[t], rel=1e-8)
        assert res.classical.bse[t] == pytest.approx(full.classical.bse[t], rel=1e-8)
        assert res.robust.bse[t] == pytest.approx(full.robust.bse[t], rel=1e-8)
    # clustered: the province effects are nested in the clusters and not counted (fixest)
    # full model: intercept, transport, human_capital, 29 + 9 dummies = 41 parameters;
    # fixest K: 2 slopes + the 10 year effects (provinces nested in the clusters)
    n = res.nobs
    ratio = np.sqrt((n - 41) / (n - 12))
    assert res.clustered.bse["human_capital"] == pytest.approx(
        full.clustered.bse["human_capital"] * ratio, rel=1e-8
    )
    assert res.first_stage.cragg_donald_f == pytest.approx(
        full.first_stage.cragg_donald_f, rel=1e-8
    )
    assert res.clustered.df == 29
    # one endogenous regressor: the clustered KP rk Wald F is the clustered first-stage F
    fs = res.first_stage
    assert fs.kleibergen_paap_f == pytest.approx(fs.f["human_capital"], rel=1e-10)
    assert fs.f_df == (1, 29.0)


def test_bad_instruments(s2_demo, cig):
    frame, _ = s2_demo
    d = frame.dropna(subset=["labour", "human_capital"])
    with pytest.raises(ModelError, match="instrument 'post_offices_1984' is constant within"):
        fit_iv(d, "labour ~ 1 | human_capital ~ post_offices_1984", absorb=["province_id"])
    rng = np.random.default_rng(0)
    noise = cig.assign(u=rng.normal(size=len(cig)))
    weak = fit_iv(noise, "lpacks ~ lrincome | lrprice ~ u")
    assert weak.first_stage.cragg_donald_f < 5 and "weak instruments" in weak.warnings[0]
    orth = cig.assign(u=0.0)
    with pytest.raises(ModelError, match="'u' is constant"):
        fit_iv(orth, "lpacks ~ lrincome | lrprice ~ u")
    with pytest.raises(ModelError, match="order condition"):
        parse_iv_formula("y ~ w | x1 + x2 ~ z")


def test_stock_yogo_tables_published_entries():
    # Stock & Yogo (2005) Table 5.2, n = 1: K2 = 1 -> 16.38 8.96 6.66 5.53; K2 = 10 -> 38.54 ...
    s = size_table().set_index(["n_endog", "n_instruments", "size"])["critical_value"]
    assert s[(1, 1, 0.10)] == 16.38 and s[(1, 10, 0.25)] == 11.65 and s[(2, 2, 0.10)] == 7.03
    assert s[(2, 30, 0.25)] == 18.35
    # Table 5.1: n = 1, K2 = 3 -> 13.91 9.08 6.46 5.39; n = 3, K2 = 5 -> 9.53 6.61 4.99 4.30
    b = bias_table().set_index(["n_endog", "n_instruments", "bias"])["critical_value"]
    assert b[(1, 3, 0.05)] == 13.91 and b[(3, 5, 0.30)] == 4.30 and b[(2, 4, 0.10)] == 7.56
    assert len(s) == 4 * (30 + 29) and len(b) == 4 * (28 + 27 + 26)
    # critical values fall with the size allowed and are positive everywhere
    wide = size_table().pivot_table(
        index=["n_endog", "n_instruments"], columns="size", values="critical_value"
    )
    assert (np.diff(wide.to_numpy(), axis=1) < 0).all()


def test_demean_unbalanced_matches_dummies():
    rng = np.random.default_rng(2)
    u = rng.integers(0, 8, 200)
    t = rng.integers(0, 5, 200)
    x = rng.normal(size=(200, 1))
    D = pd.get_dummies(pd.DataFrame({"u": u.astype(str), "t": t.astype(str)}), dtype=float)
    resid = x - D.to_numpy() @ np.linalg.lstsq(D.to_numpy(), x, rcond=None)[0]
    np.testing.assert_allclose(demean(x, [u, t]), resid, atol=1e-9)
