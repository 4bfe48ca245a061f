"""Two-way fixed effects against R plm / sandwich on Grunfeld, with the fixest small-sample rule.

Reference: tests/analysis/reference/panel/panel_fe.R (R 4, plm, sandwich, AER) on
AER::Grunfeld, the 220 rows statsmodels ships as ``statsmodels.datasets.grunfeld``
(Grunfeld 1958). Cluster-robust SEs follow fixest's ``ssc(fixef.K = "nested")``
computed by hand in R from ``plm::vcovHC(type = "HC0", cluster = "group")``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.panel_fe import fe_columns, fit_panel, parse_formula
from smekit.analysis.tables import regression_table
from smekit.core.errors import DataError, ModelError

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "panel" / "panel_fe.json").read_text()
)
FORMULA = "invest ~ value + capital"


@pytest.mark.parametrize("fe", ["twoways", "unit", "time", "none"])
def test_grunfeld_matches_r(grunfeld, fe):
    ref = REF[fe]
    fit = fit_panel(grunfeld, FORMULA, "firm", "year", fe=fe, cluster="firm")
    np.testing.assert_allclose(fit.estimates.params, ref["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.classical.bse, ref["se_classical"], rtol=1e-8)
    np.testing.assert_allclose(fit.clustered.bse, ref["se_cluster_fixest"], rtol=1e-8)
    assert fit.df_resid == ref["df_resid"] and fit.classical.df == ref["df_resid"]
    assert fit.clustered.df == REF["G"] - 1 and fit.n_clusters == REF["G"]
    if "p_cluster_fixest" in ref:
        np.testing.assert_allclose(fit.clustered.pvalues, ref["p_cluster_fixest"], rtol=1e-6)
    assert (fit.nobs, fit.n_units, fit.n_periods) == (220, 11, 20)


def test_conventions_differ_as_documented(grunfeld):
    # plm's "sss" counts the slopes only, lm + dummies counts every absorbed effect:
    # fixest's K = 2 slopes + 20 year effects sits between them
    ref = REF["twoways"]
    fit = fit_panel(grunfeld, FORMULA, "firm", "year", cluster="firm")
    se = fit.clustered.bse.to_numpy()
    assert np.all(np.asarray(ref["se_cluster_plm_sss"]) < se)
    assert np.all(se < np.asarray(ref["se_cluster_all_dummies"]))
    np.testing.assert_allclose(se / ref["se_cluster_plm_sss"], np.sqrt(218 / 198), rtol=1e-10)


def test_linearmodels_gap_on_demo_panel(s2_demo):
    from linearmodels.panel import PanelOLS

    frame, _ = s2_demo
    d = frame.dropna(subset=["trade_dependence", "human_capital", "transport"])
    fit = fit_panel(
        d,
        "trade_dependence ~ human_capital + transport",
        "province_id",
        "year",
        cluster="province_id",
    )
    p = d.set_index(["province_id", "year"])
    lm = PanelOLS.from_formula(
        "trade_dependence ~ human_capital + transport + EntityEffects + TimeEffects", p
    ).fit(cov_type="clustered", cluster_entity=True)
    ratio = lm.std_errors.to_numpy() / fit.clustered.bse.to_numpy()
    np.testing.assert_allclose(lm.params.to_numpy(), fit.clustered.params.to_numpy(), rtol=1e-8)
    # the same meat, a different small-sample factor: linearmodels is 4.2 % larger here
    assert np.allclose(ratio, ratio[0]) and ratio[0] == pytest.approx(1.0418, abs=1e-4)


def test_four_columns_table(grunfeld):
    cols = fe_columns(grunfeld, "invest", "value", ["capital"], "firm", "year", cluster="firm")
    table = regression_table(cols, title="Baseline")
    md = table.to_markdown()
    assert "0.117***" in md and "(0.011)" in md  # column (4) = twoways with the control
    foot = table.footer.set_index("statistic")
    assert foot.loc["Unit FE"].tolist() == ["Yes", "Yes", "No", "Yes", "Yes"][1:]
    assert foot.loc["Time FE"].tolist() == ["Yes", "Yes", "No", "Yes"]
    assert foot.loc["Controls"].tolist() == ["No", "Yes", "Yes", "Yes"]
    assert foot.loc["Clusters"].tolist() == ["11"] * 4


def test_json_keys(grunfeld):
    out = fit_panel(grunfeld, FORMULA, "firm", "year", cluster="firm").to_dict()
    for key in (
        "n",
        "n_units",
        "n_periods",
        "params",
        "bse",
        "bse_classical",
        "pvalues",
        "df_resid",
        "n_clusters",
    ):
        assert key in out
    assert out["bse"]["value"] == pytest.approx(REF["twoways"]["se_cluster_fixest"][0])
    no_cluster = fit_panel(grunfeld, FORMULA, "firm", "year").to_dict()
    assert no_cluster["bse"] == no_cluster["bse_classical"] and no_cluster["n_clusters"] is None


def test_unbalanced_and_missing_rows_logged(grunfeld):
    d = grunfeld.copy()
    d.loc[5, "value"] = np.nan
    d = d.drop(index=[30, 31])  # unbalanced
    fit = fit_panel(d, FORMULA, "firm", "year", cluster="firm")
    assert fit.nobs == 217 and not fit.balanced
    assert fit.excluded["reason"].tolist() == ["missing 'value'"]


def test_singletons_dropped_and_logged(grunfeld):
    d = pd.concat(
        [
            grunfeld,
            pd.DataFrame(
                {
                    "firm": ["Lonely"],
                    "year": [1940],
                    "invest": [1.0],
                    "value": [2.0],
                    "capital": [3.0],
                }
            ),
        ],
        ignore_index=True,
    )
    fit = fit_panel(d, FORMULA, "firm", "year", cluster="firm")
    assert fit.nobs == 220
    assert fit.excluded.to_dict("records") == [
        {"row": 220, "unit": "Lonely", "time": 1940, "reason": "singleton fixed-effect group"}
    ]
    np.testing.assert_allclose(fit.estimates.params, REF["twoways"]["coef"], rtol=1e-8)


def test_time_invariant_regressor_refused(s2_demo):
    frame, _ = s2_demo
    with pytest.raises(ModelError, match="'post_offices_1984' does not vary within province_id"):
        fit_panel(frame, "labour ~ human_capital + post_offices_1984", "province_id", "year")
    with pytest.raises(ModelError, match="'internet_users_national' does not vary within year"):
        fit_panel(
            frame,
            "labour ~ human_capital + internet_users_national",
            "province_id",
            "year",
            fe="time",
        )


def test_duplicates_and_bad_formulas(grunfeld):
    d = pd.concat([grunfeld, grunfeld.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicated unit-period rows: firm=General Motors"):
        fit_panel(d, FORMULA, "firm", "year")
    with pytest.raises(ModelError, match="not a column name"):
        parse_formula("y ~ log(x)")
    with pytest.raises(DataError, match="'nope' not found"):
        fit_panel(grunfeld, "invest ~ nope", "firm", "year")
    with pytest.raises(ModelError, match="fe must be one of"):
        fit_panel(grunfeld, FORMULA, "firm", "year", fe="both")


def test_reruns_are_bit_identical_across_hash_seeds(tmp_path):
    # pyfixest orders multiple fixed effects through a set (hash-seed dependent);
    # fit_panel restores formula order, so separate processes agree to the last bit
    import os
    import subprocess
    import sys

    code = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import statsmodels.api as sm\n"
        "from smekit.analysis.panel_fe import fit_panel\n"
        "d = sm.datasets.grunfeld.load_pandas().data\n"
        "f = fit_panel(d, 'invest ~ value + capital', 'firm', 'year', cluster='firm')\n"
        "print([float(v).hex() for v in [*f.estimates.params, *f.estimates.bse]])\n"
    )
    outs = set()
    for seed in ("1", "3"):  # seeds that give different orders without the fix
        env = {**os.environ, "PYTHONHASHSEED": seed}
        res = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        outs.add(res.stdout.strip())
    assert len(outs) == 1
