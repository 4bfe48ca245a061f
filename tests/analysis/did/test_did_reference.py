"""TWFE DiD, event study and Callaway-Sant'Anna against R (``reference/did_reference.R``).

R: plm 2.6-2 ``plm(model = "within", effect = "twoways")`` with clustered SEs in the fixest
convention computed by hand (fixest is not in Debian), the Wald pre-trend F by hand, and
the Callaway-Sant'Anna ATT(g, t) by hand from group means (the R ``did`` package is not
in Debian and its ``mpdta`` example could not be obtained offline, so the group-time
ATTs are checked against this independent computation, and the aggregated SEs against a
unit bootstrap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.did import cohorts, event_study, twfe_did, twfe_weights
from smekit.analysis.did_cs import callaway_santanna
from smekit.analysis.panel_fe import fit_panel


def test_twfe_did_matches_plm_with_fixest_ses(panel, did_ref):
    fit = twfe_did(panel, "id", "t", "y", "D", controls=["x"])
    ref = did_ref["twfe"]
    assert fit.params["D"] == pytest.approx(ref["coef"]["D"], rel=1e-8)
    assert fit.params["x"] == pytest.approx(ref["coef"]["x"], rel=1e-8)
    assert fit.bse["D"] == pytest.approx(ref["se"]["D"], rel=1e-6)
    assert fit.bse["x"] == pytest.approx(ref["se"]["x"], rel=1e-6)
    assert fit.nobs == ref["nobs"] == 475
    assert fit.estimates.df == ref["G"] - 1
    # the panel suite's fit_panel gives the same model
    fp = fit_panel(panel, "y ~ D + x", "id", "t", cluster="id")
    # two fits of the same model: equal to rounding (the fixed-effect sweeps differ in order)
    np.testing.assert_allclose(fit.bse.to_numpy(), fp.estimates.bse.to_numpy(), rtol=1e-8)


def test_event_study_matches_plm(panel, did_ref):
    es = event_study(panel, "id", "t", "y", cohort="g", controls=["x"])
    ref = did_ref["event"]
    t = es.table.set_index("rel")
    assert list(t.index) == [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]
    np.testing.assert_allclose(t.loc[ref["rel"], "estimate"], ref["coef"], rtol=1e-7)
    np.testing.assert_allclose(t.loc[ref["rel"], "se"], ref["se"], rtol=1e-6)
    assert t.loc[-1, "estimate"] == 0.0 and np.isnan(t.loc[-1, "se"])
    pt = es.pretrend
    assert pt["f"] == pytest.approx(ref["pretrend"]["f"], rel=1e-6)
    assert pt["df_num"] == ref["pretrend"]["df_num"] == 4
    assert pt["df_denom"] == ref["pretrend"]["df_denom"] == 59
    assert pt["p"] == pytest.approx(ref["pretrend"]["p"], rel=1e-5)
    d = es.to_dict()
    assert set(d["coefficients"]) == {str(r) for r in ref["rel"]}


def test_cs_att_gt_matches_hand_computation(panel_full, did_ref):
    g = cohorts(panel_full, "id", "t", treat="D")
    cs = callaway_santanna(panel_full, "id", "t", "y", g)
    got = cs.att_gt.set_index(["group", "time"])
    for r in did_ref["cs_att_gt"]:
        row = got.loc[(r["group"], r["time"])]
        assert row["att"] == pytest.approx(r["att"], rel=1e-10)
        assert row["se"] == pytest.approx(r["se"], rel=1e-10)
    assert len(got) == len(did_ref["cs_att_gt"]) == 14


def test_cs_aggregates_by_hand_and_bootstrap(panel_full):
    g = cohorts(panel_full, "id", "t", treat="D")
    cs = callaway_santanna(panel_full, "id", "t", "y", g)
    tab = cs.att_gt
    post = tab[tab["post"]]
    w = post["group"].map({4.0: 15, 6.0: 15})
    assert cs.simple["att"] == pytest.approx(float((post["att"] * w).sum() / w.sum()))
    dyn = cs.dynamic.set_index("e")
    # e = 0: both cohorts, equal sizes -> plain mean; e = 4: cohort 4 only
    e0 = tab[(tab["time"] - tab["group"]) == 0]["att"].mean()
    assert dyn.loc[0, "att"] == pytest.approx(e0)
    assert dyn.loc[4, "att"] == pytest.approx(
        float(tab[(tab["group"] == 4) & (tab["time"] == 8)]["att"].iloc[0])
    )
    assert cs.dynamic_overall["att"] == pytest.approx(dyn.loc[dyn.index >= 0, "att"].mean())
    # analytical SEs against a unit bootstrap (independent of the influence-function algebra)
    rng = np.random.default_rng(5)
    units = panel_full["id"].unique()
    sims, dsims = [], []
    wide = panel_full.set_index(["id", "t"])
    for _ in range(200):
        pick = rng.choice(units, size=units.size, replace=True)
        b = wide.loc[pick].reset_index()
        b["id"] = np.repeat(np.arange(units.size), 8)
        gb = pd.Series(g.loc[pick].to_numpy(), index=np.arange(units.size))
        r = callaway_santanna(b, "id", "t", "y", gb)
        sims.append(r.simple["att"])
        dsims.append(r.dynamic_overall["att"])
    assert cs.simple["se"] == pytest.approx(np.std(sims, ddof=1), rel=0.2)
    assert cs.dynamic_overall["se"] == pytest.approx(np.std(dsims, ddof=1), rel=0.2)


def test_twfe_weights_decompose_the_estimate(panel_full):
    """With y = TE_it D_it and no noise, TWFE = sum of weights x cell effects (dCDH Theorem 1)."""
    d = panel_full.copy()
    te = np.where(d["D"] == 1, 0.5 + 0.2 * (d["t"] - d["g"]), 0.0)
    d["y0"] = te
    fit = twfe_did(d, "id", "t", "y0", "D")
    w = twfe_weights(d, "id", "t", "D")
    cells = w.weights.merge(d[["id", "t", "y0"]], on=["id", "t"])
    assert float((cells["weight"] * cells["y0"]).sum()) == pytest.approx(fit.params["D"], rel=1e-9)
    assert w.weights["weight"].sum() == pytest.approx(1.0)


def test_negative_weights_warn_under_staggered_adoption_without_never_treated(panel_full):
    d = panel_full[panel_full["g"] > 0]
    w = twfe_weights(d, "id", "t", "D")
    assert w.n_negative > 0 and "negative" in w.warning
    assert twfe_weights(panel_full[panel_full["g"] != 6], "id", "t", "D").n_negative == 0


def test_event_study_warns_when_adoption_is_hidden_by_a_gap(panel):
    # R row 100 (unit 13, period 4) is deleted: from D alone unit 13 seems to adopt in 5
    es = event_study(panel, "id", "t", "y", treat="D")
    assert any("no row just before their first treated period" in n for n in es.notes)
