"""Tests for smekit.analysis.subgroups against R (plm::pooltest on Grunfeld) and statsmodels."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from statsmodels.datasets import grunfeld
from statsmodels.stats.anova import anova_lm

from smekit.analysis.design import build_design
from smekit.analysis.interactions import nested_f_test
from smekit.analysis.subgroups import SubgroupResult, subgroup_models
from smekit.core.errors import ModelError

PENGUIN_FORMULA = "body_mass_g ~ flipper_length_mm + bill_length_mm"


@pytest.fixture(scope="module")
def penguins():
    return pg.read_dataset("penguins")


@pytest.fixture(scope="module")
def grunfeld10():
    """plm's Grunfeld data (10 firms x 20 years) = statsmodels' without American Steel."""
    d = grunfeld.load_pandas().data
    return d[d["firm"] != "American Steel"].reset_index(drop=True)


def test_per_level_fits_match_statsmodels(penguins):
    res = subgroup_models(penguins, PENGUIN_FORMULA, "species")
    assert res.levels == ("Adelie", "Chinstrap", "Gentoo")
    d = penguins.dropna(subset=["body_mass_g", "flipper_length_mm", "bill_length_mm"])
    for level, sub in d.groupby("species"):
        ref = smf.ols(PENGUIN_FORMULA, sub).fit()
        tab = res.table[res.table["level"] == level].set_index("term")
        np.testing.assert_allclose(tab["coef"], ref.params[tab.index], rtol=1e-8)
        np.testing.assert_allclose(tab["se"], ref.bse[tab.index], rtol=1e-8)
        np.testing.assert_allclose(tab["p"], ref.pvalues[tab.index], rtol=1e-8)
        ci = ref.conf_int().loc[tab.index]
        np.testing.assert_allclose(tab["ci_low"], ci[0], rtol=1e-8)
        assert (tab["n"] == len(sub)).all()
        np.testing.assert_allclose(tab["r2"], ref.rsquared, rtol=1e-10)
    assert res.n == 342 and res.n_dropped == 2


def test_equality_test_matches_fully_interacted_anova(penguins):
    """R: anova(lm(f, d), lm(update(f, ~ species * .), d)); statsmodels anova_lm."""
    res = subgroup_models(penguins, PENGUIN_FORMULA, "species")
    d = penguins.dropna(subset=["body_mass_g", "flipper_length_mm", "bill_length_mm"])
    m0 = smf.ols(PENGUIN_FORMULA, d).fit()
    m1 = smf.ols("body_mass_g ~ C(species) * (flipper_length_mm + bill_length_mm)", d).fit()
    aov = anova_lm(m0, m1)
    np.testing.assert_allclose(res.equality_test.fstat, aov["F"].iloc[1], rtol=1e-8)
    np.testing.assert_allclose(res.equality_test.pvalue, aov["Pr(>F)"].iloc[1], rtol=1e-8)
    assert (res.equality_test.df_num, res.equality_test.df_denom) == (6, 333)


def test_group_rss_reproduce_r_pooltest_within_on_grunfeld(grunfeld10):
    """R: pooltest(inv ~ value + capital, data = Grunfeld, model = "within") prints
    F = 5.7805, df1 = 18, df2 = 170, p-value = 1.219e-10 (plm's Chow test of equal slopes
    given firm intercepts; output reproduced in public plm tutorials). Our per-firm residual
    sums of squares against the fixed-effects model give the same test."""
    res = subgroup_models(grunfeld10, "invest ~ value + capital", "firm", min_size=10)
    assert len(res.levels) == 10
    fe = smf.ols("invest ~ value + capital + C(firm)", grunfeld10).fit()
    ssr_groups = sum(fit.ssr for fit in res.fits.values())
    test = nested_f_test(fe.ssr, int(fe.df_resid), ssr_groups, 200 - 30)
    assert round(test.fstat, 4) == 5.7805
    assert f"{test.pvalue:.3e}" == "1.219e-10"
    assert (test.df_num, test.df_denom) == (18, 170)
    # the pooling version (common intercept too) against statsmodels on the interacted model
    m0 = smf.ols("invest ~ value + capital", grunfeld10).fit()
    m1 = smf.ols("invest ~ C(firm) * (value + capital)", grunfeld10).fit()
    fstat, pvalue, _ = m1.compare_f_test(m0)
    np.testing.assert_allclose(res.equality_test.fstat, fstat, rtol=1e-8)
    np.testing.assert_allclose(res.equality_test.pvalue, pvalue, rtol=1e-8)
    assert (res.equality_test.df_num, res.equality_test.df_denom) == (27, 170)


def test_small_level_is_skipped_with_warning(penguins):
    d = penguins.copy()
    d.loc[d.index[:3], "species"] = "Tiny"  # a subgroup with 3 rows
    with pytest.warns(UserWarning, match="'Tiny' skipped"):
        res = subgroup_models(d, PENGUIN_FORMULA, "species")
    assert "Tiny" not in res.levels
    skipped = res.skipped.set_index("level")
    assert skipped.loc["Tiny", "n"] == 3
    assert "3 rows but 3 parameters" in skipped.loc["Tiny", "reason"]
    assert any("Tiny" in w for w in res.warnings)
    # the equality test uses only the estimated levels' rows
    kept = d[d["species"] != "Tiny"].dropna(
        subset=["body_mass_g", "flipper_length_mm", "bill_length_mm"]
    )
    m0 = smf.ols(PENGUIN_FORMULA, kept).fit()
    m1 = smf.ols("body_mass_g ~ C(species) * (flipper_length_mm + bill_length_mm)", kept).fit()
    np.testing.assert_allclose(res.equality_test.fstat, m1.compare_f_test(m0)[0], rtol=1e-8)
    assert res.n == len(kept)


def test_default_min_size_is_ten_per_parameter(penguins):
    d = penguins[penguins["species"] != "Chinstrap"].copy()
    few = penguins[penguins["species"] == "Chinstrap"].head(25)  # 25 < 10 * 3
    d = pd.concat([d, few])
    with pytest.warns(UserWarning, match="min_size = 30"):
        res = subgroup_models(d, PENGUIN_FORMULA, "species")
    assert res.min_size == 30 and res.levels == ("Adelie", "Gentoo")
    res2 = subgroup_models(d, PENGUIN_FORMULA, "species", min_size=20)
    assert res2.levels == ("Adelie", "Chinstrap", "Gentoo")


def test_level_with_constant_term_is_skipped():
    rng = np.random.default_rng(1)
    n = 120
    df = pd.DataFrame(
        {
            "g": np.repeat(["a", "b", "c"], 40),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
        }
    )
    df.loc[df["g"] == "c", "z"] = 1.0
    df["y"] = df.x + df.z + rng.normal(size=n)
    with pytest.warns(UserWarning, match="'c' skipped"):
        res = subgroup_models(df, "y ~ x + z", "g", min_size=10)
    assert res.levels == ("a", "b")
    assert "constant" in res.skipped.set_index("level").loc["c", "reason"]


def test_codes_with_labels_and_missing_group(penguins):
    codes = {"Adelie": 1, "Chinstrap": 2, "Gentoo": 3}
    d = penguins.assign(sp=penguins["species"].map(codes).astype(float))
    d.loc[d.index[:4], "sp"] = np.nan
    labels = {1: "adelie", 2: "chinstrap", 3: "gentoo"}
    res = subgroup_models(d, PENGUIN_FORMULA, "sp", labels=labels)
    assert res.levels == ("adelie", "chinstrap", "gentoo")
    assert any("no 'sp' value" in w for w in res.warnings)
    model_vars = ["body_mass_g", "flipper_length_mm", "bill_length_mm"]
    complete = d[model_vars].notna().all(axis=1)
    assert res.n_dropped == int((~complete).sum() + (complete & d["sp"].isna()).sum())
    d_all = d.dropna(subset=["sp", "body_mass_g", "flipper_length_mm", "bill_length_mm"])
    assert res.n == len(d_all)


def test_categorical_order_and_prepared_design(penguins):
    d = penguins.assign(
        species=pd.Categorical(penguins["species"], categories=["Gentoo", "Adelie", "Chinstrap"])
    )
    res = subgroup_models(d, PENGUIN_FORMULA, "species")
    assert res.levels == ("Gentoo", "Adelie", "Chinstrap")
    design = build_design(d, PENGUIN_FORMULA)
    res2 = subgroup_models(d, design, "species")
    np.testing.assert_allclose(res.table["coef"], res2.table["coef"], rtol=1e-12)
    d_id = d.assign(firm=[f"P{i}" for i in range(len(d))]).sample(frac=1.0, random_state=3)
    design_id = build_design(d_id, PENGUIN_FORMULA, id_column="firm")
    res3 = subgroup_models(d_id, design_id, "species", id_column="firm")
    np.testing.assert_allclose(res3.equality_test.fstat, res.equality_test.fstat, rtol=1e-10)


def test_to_dict_and_frame(penguins):
    res = subgroup_models(penguins, PENGUIN_FORMULA, "species")
    assert isinstance(res, SubgroupResult)
    d = res.to_dict()
    json.dumps(d)
    assert set(d) >= {"Adelie", "Chinstrap", "Gentoo", "equality_test"}
    assert set(d["Adelie"]) == {"params", "bse", "pvalues", "n", "rsquared"}
    assert set(d["equality_test"]) == {"fstat", "pvalue", "df_num", "df_denom"}
    assert d["Gentoo"]["params"]["flipper_length_mm"] == pytest.approx(
        res.fits["Gentoo"].params["flipper_length_mm"]
    )
    assert res.to_frame().columns.tolist() == [
        "level",
        "term",
        "coef",
        "se",
        "t",
        "p",
        "ci_low",
        "ci_high",
        "n",
        "r2",
    ]


def test_fewer_than_two_levels_is_model_error(penguins):
    d = penguins.copy()
    d.loc[d["species"] != "Adelie", "species"] = np.where(
        np.arange((d["species"] != "Adelie").sum()) % 2 == 0, "x", "y"
    )
    d = pd.concat([d[d["species"] == "Adelie"], d[d["species"] != "Adelie"].head(6)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ModelError, match="fewer than two levels"):
            subgroup_models(d, PENGUIN_FORMULA, "species")


@pytest.mark.parametrize(
    ("group", "formula", "kwargs", "match"),
    [
        ("nope", PENGUIN_FORMULA, {}, "group column 'nope' not found"),
        ("species", "body_mass_g ~ flipper_length_mm + C(species)", {}, "also a term"),
        ("species", "body_mass_g ~ wingspan", {}, "not found"),
        ("species", PENGUIN_FORMULA, {"min_size": 0}, "min_size"),
        ("species", "body_mass_g ~ island", {}, "not numeric"),
    ],
)
def test_bad_input_is_model_error(penguins, group, formula, kwargs, match):
    with pytest.raises(ModelError, match=match):
        subgroup_models(penguins, formula, group, **kwargs)
