"""DiD on bad input: duplicates, non-binary or reversing treatment, no never-treated, singletons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.did import cohorts, event_study, twfe_did
from smekit.analysis.did_cs import callaway_santanna
from smekit.core.errors import DataError, ModelError


def test_duplicated_unit_period_rows(panel):
    bad = pd.concat([panel, panel.iloc[[10]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicated unit-period rows"):
        twfe_did(bad, "id", "t", "y", "D")


def test_treatment_must_be_binary_and_absorbing(panel):
    with pytest.raises(DataError, match="must be 0 or 1"):
        twfe_did(panel.assign(D=panel["D"] * 2), "id", "t", "y", "D")
    rev = panel.copy()
    rev.loc[(rev["id"] == 1) & (rev["t"] == 8), "D"] = 0
    with pytest.raises(ModelError, match="untreated again"):
        twfe_did(rev, "id", "t", "y", "D")


def test_cohort_codes_for_never_treated(panel_full):
    d = panel_full.copy()
    d["g2"] = d["g"].replace(0, np.nan)
    d.loc[d["g"] == 0, "g2"] = 99  # outside the observed periods = never treated
    g = cohorts(d, "id", "t", cohort="g2")
    assert g.isna().sum() == 30 and set(g.dropna()) == {4.0, 6.0}
    assert cohorts(d, "id", "t", cohort="g").isna().sum() == 30  # 0 = never


def test_no_never_treated_units(panel_full):
    d = panel_full[panel_full["g"] > 0]
    g = cohorts(d, "id", "t", cohort="g")
    with pytest.raises(ModelError, match="no never-treated units"):
        callaway_santanna(d, "id", "t", "y", g)
    cs = callaway_santanna(d, "id", "t", "y", g, control="notyet")
    # cohort 6 is cohort 4's comparison up to period 5; cohort 4 is cohort 6's only for its
    # pre-periods 2 and 3 (before cohort 4 adopts): no post-period ATT for cohort 6
    tab = cs.att_gt
    assert tab[tab["group"] == 4]["time"].max() == 5
    assert tab[tab["group"] == 6]["time"].tolist() == [2, 3]
    assert not tab[tab["group"] == 6]["post"].any()
    es = event_study(d, "id", "t", "y", cohort="g")
    assert any("no never-treated" in n for n in es.notes)
    # periods 1..5 remain; cohort 6 is the comparison, cohort 4 has leads -3, -2 and lags 0, 1
    assert es.table["rel"].tolist() == [-3, -2, -1, 0, 1]


def test_treated_group_without_pre_period(panel_full):
    d = panel_full.copy()
    d.loc[d["id"] <= 3, "g"] = 1
    d["D"] = ((d["g"] > 0) & (d["t"] >= d["g"])).astype(int)
    g = cohorts(d, "id", "t", cohort="g")
    cs = callaway_santanna(d, "id", "t", "y", g)
    assert cs.n_units == 57 and "treated in the first period" in cs.dropped["reason"].iloc[0]
    es = event_study(d, "id", "t", "y", cohort="g")
    assert any("no pre-period" in n for n in es.notes)


def test_singletons_are_dropped_and_logged(panel):
    extra = pd.DataFrame({"id": [999], "t": [3], "y": [1.0], "D": [0], "x": [0.0], "g": [0]})
    fit = twfe_did(pd.concat([panel, extra], ignore_index=True), "id", "t", "y", "D")
    assert fit.nobs == len(panel)
    assert (fit.excluded["reason"] == "singleton fixed-effect group").sum() == 1


def test_unbalanced_cs_panel_is_balanced_and_logged(panel):
    g = cohorts(panel, "id", "t", cohort="g")
    cs = callaway_santanna(panel, "id", "t", "y", g)
    assert cs.n_units == 60 - panel.groupby("id").size().lt(8).sum()
    assert len(cs.dropped) == 5
