"""Tests for smekit.analysis.interactions against R (lmtest::waldtest via statsmodels'
recorded output) and statsmodels OLS on explicit product terms."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from statsmodels.datasets import macrodata
from statsmodels.stats.anova import anova_lm

from smekit.analysis.design import build_design
from smekit.analysis.interactions import (
    InteractionResult,
    interaction_model,
    nested_f_test,
    simple_slopes,
)
from smekit.analysis.linear_fit import factor_blocks, fit_factor
from smekit.analysis.lstsq import stack_r
from smekit.core.errors import ModelError

PENGUIN_PREDICTORS = ["flipper_length_mm", "bill_length_mm", "bill_depth_mm"]


@pytest.fixture(scope="module")
def penguins():
    return pg.read_dataset("penguins")


@pytest.fixture(scope="module")
def tips():
    return pg.read_dataset("tips")


def _centred(data, columns):
    out = data.copy()
    for c in columns:
        out[c] = out[c] - out[c].mean()
    return out


# --------------------------------------------------------------------------- nested F test


def test_nested_f_test_matches_r_waldtest_on_macrodata():
    """R: fm <- lm(ginv ~ ggdp + lint); fm2 <- lm(ginv ~ ggdp); waldtest(fm, fm2)
    recorded in statsmodels/stats/tests/test_diagnostic.py (test_compare_lr):
    F = 4.65216373312492, p = 0.03221346195239025, df = (199, 200, 1)."""
    d = macrodata.load_pandas().data
    df = pd.DataFrame(
        {
            "ginv": 400 * np.diff(np.log(d["realinv"].to_numpy())),
            "ggdp": 400 * np.diff(np.log(d["realgdp"].to_numpy())),
            "lint": d["realint"].to_numpy()[:-1],
        }
    )
    full = smf.ols("ginv ~ ggdp + lint", df).fit()
    restricted = smf.ols("ginv ~ ggdp", df).fit()
    test = nested_f_test(restricted.ssr, 200, full.ssr, 199)
    np.testing.assert_allclose(test.fstat, 4.65216373312492, rtol=1e-10)
    np.testing.assert_allclose(test.pvalue, 0.03221346195239025, rtol=1e-10)
    assert (test.df_num, test.df_denom) == (1, 199)


def test_nested_f_test_rejects_non_nested_dfs():
    with pytest.raises(ModelError, match="fewer residual degrees"):
        nested_f_test(10.0, 50, 9.0, 50)


# --------------------------------------------------------------------------- interaction model


def test_interaction_model_matches_statsmodels_with_explicit_products(penguins):
    res = interaction_model(penguins, "body_mass_g", PENGUIN_PREDICTORS, controls=["C(sex)"])
    d = penguins.dropna(subset=["body_mass_g", "sex", *PENGUIN_PREDICTORS])
    assert res.n == len(d) == 333 and res.n_dropped == 11
    c = _centred(d, PENGUIN_PREDICTORS)
    f, bl, bd = PENGUIN_PREDICTORS
    c["f_bl"], c["f_bd"], c["bl_bd"] = c[f] * c[bl], c[f] * c[bd], c[bl] * c[bd]
    m1 = smf.ols(f"body_mass_g ~ {f} + {bl} + {bd} + C(sex) + f_bl + f_bd + bl_bd", c).fit()
    m0 = smf.ols(f"body_mass_g ~ {f} + {bl} + {bd} + C(sex)", c).fit()
    table = res.interaction.set_index("term")
    order = ["Intercept", f, bl, bd, "C(sex)[T.male]"]
    ours = table.loc[[*order, f"{f}:{bl}", f"{f}:{bd}", f"{bl}:{bd}"]]
    ref_names = [*order, "f_bl", "f_bd", "bl_bd"]
    for col, ref in (("coef", m1.params), ("se", m1.bse), ("p", m1.pvalues)):
        np.testing.assert_allclose(ours[col], ref[ref_names], rtol=1e-8)
    ci = m1.conf_int().loc[ref_names]
    np.testing.assert_allclose(ours["ci_low"], ci[0], rtol=1e-8)
    np.testing.assert_allclose(ours["ci_high"], ci[1], rtol=1e-8)
    main = res.main.set_index("term").loc[order]
    np.testing.assert_allclose(main["coef"], m0.params[order], rtol=1e-8)
    np.testing.assert_allclose(main["se"], m0.bse[order], rtol=1e-8)
    assert res.interaction_fit["rsquared"] == pytest.approx(m1.rsquared, rel=1e-10)
    assert res.interaction_fit["adj_rsquared"] == pytest.approx(m1.rsquared_adj, rel=1e-10)
    assert res.main_fit["rsquared"] == pytest.approx(m0.rsquared, rel=1e-10)
    assert res.interaction_fit["ssr"] == pytest.approx(m1.ssr, rel=1e-10)
    # joint F test: R anova(m0, m1) == statsmodels compare_f_test / anova_lm
    fstat, pvalue, _ = m1.compare_f_test(m0)
    np.testing.assert_allclose(res.f_test.fstat, fstat, rtol=1e-8)
    np.testing.assert_allclose(res.f_test.pvalue, pvalue, rtol=1e-8)
    table_aov = anova_lm(m0, m1)
    np.testing.assert_allclose(res.f_test.fstat, table_aov["F"].iloc[1], rtol=1e-8)
    assert (res.f_test.df_num, res.f_test.df_denom) == (3, 325)
    np.testing.assert_allclose(
        res.cov.to_numpy(), m1.cov_params().loc[ref_names, ref_names], rtol=1e-7, atol=1e-12
    )


def test_uncentred_products_match_r_formula_interaction(tips):
    """center=False is R's lm(tip ~ total_bill * size): same model, raw products."""
    res = interaction_model(tips, "tip", ["total_bill", "size"], center=False)
    ref = smf.ols("tip ~ total_bill * size", tips).fit()
    table = res.interaction.set_index("term")
    np.testing.assert_allclose(table["coef"], ref.params[table.index], rtol=1e-8)
    np.testing.assert_allclose(table["se"], ref.bse[table.index], rtol=1e-8)
    centred = interaction_model(tips, "tip", ["total_bill", "size"])
    # centring changes main effects, not the product coefficient or the F test
    np.testing.assert_allclose(
        centred.interaction.set_index("term").loc["total_bill:size", "coef"],
        table.loc["total_bill:size", "coef"],
        rtol=1e-9,
    )
    np.testing.assert_allclose(centred.f_test.fstat, res.f_test.fstat, rtol=1e-9)


def test_selected_pairs_only(penguins):
    f, bl, bd = PENGUIN_PREDICTORS
    res = interaction_model(penguins, "body_mass_g", PENGUIN_PREDICTORS, pairs=[(f, bd)])
    assert res.products == (f"{f}:{bd}",)
    assert res.f_test.df_num == 1
    d = _centred(penguins.dropna(subset=["body_mass_g", *PENGUIN_PREDICTORS]), PENGUIN_PREDICTORS)
    ref = smf.ols(f"body_mass_g ~ {f} + {bl} + {bd} + {f}:{bd}", d).fit()
    coef = res.interaction.set_index("term")["coef"]
    np.testing.assert_allclose(coef[f"{f}:{bd}"], ref.params[f"{f}:{bd}"], rtol=1e-8)
    # with one product, F = t^2
    t = res.interaction.set_index("term").loc[f"{f}:{bd}", "t"]
    np.testing.assert_allclose(res.f_test.fstat, t**2, rtol=1e-8)


def test_prepared_design_gives_the_same_result(penguins):
    design = build_design(penguins, "body_mass_g ~ " + " + ".join(PENGUIN_PREDICTORS))
    a = interaction_model(design, "body_mass_g", PENGUIN_PREDICTORS[:2])
    b = interaction_model(
        penguins, "body_mass_g", PENGUIN_PREDICTORS[:2], controls=[PENGUIN_PREDICTORS[2]]
    )
    np.testing.assert_allclose(a.interaction["coef"], b.interaction["coef"], rtol=1e-12)
    assert a.controls == (PENGUIN_PREDICTORS[2],)


def test_stacked_factors_pool_equals_direct_fit():
    """Pooling two samples' QR factors equals factorising them together."""
    rng = np.random.default_rng(4)
    X = rng.normal(loc=[5.0, -3.0], size=(300, 2))
    y = 1 + X @ [0.5, 2.0] + rng.normal(size=300)

    def blocks(rows):
        return lambda: iter([(X[rows], y[rows])])

    parts = [
        factor_blocks(blocks(slice(0, 120)), True)[0],
        factor_blocks(blocks(slice(120, 300)), True)[0],
    ]
    names = ["Intercept", "a", "b"]
    pooled = fit_factor(stack_r(parts), 300, names, True)
    direct = fit_factor(factor_blocks(blocks(slice(0, 300)), True)[0], 300, names, True)
    np.testing.assert_allclose(pooled.table["coef"], direct.table["coef"], rtol=1e-11)
    np.testing.assert_allclose(pooled.ssr, direct.ssr, rtol=1e-11)


# --------------------------------------------------------------------------- simple slopes


def test_simple_slopes_match_recentred_refits(tips):
    """The slope of x at moderator value w equals the x coefficient after shifting w by its
    value (Aiken & West 1991, ch. 2), with the same SE, t and p."""
    res = interaction_model(tips, "tip", ["total_bill", "size"])
    slopes = simple_slopes(res, "total_bill", "size")
    mean, sd = tips["size"].mean(), tips["size"].std(ddof=1)
    np.testing.assert_allclose(slopes.table["moderator_value"], [mean - sd, mean, mean + sd])
    assert slopes.table["label"].tolist() == ["mean - 1 SD", "mean", "mean + 1 SD"]
    for row in slopes.table.itertuples():
        d = tips.assign(
            tb=tips.total_bill - tips.total_bill.mean(), w=tips["size"] - row.moderator_value
        )
        ref = smf.ols("tip ~ tb * w", d).fit()
        np.testing.assert_allclose(
            [row.slope, row.se, row.t, row.p],
            [ref.params["tb"], ref.bse["tb"], ref.tvalues["tb"], ref.pvalues["tb"]],
            rtol=1e-8,
        )
        lo, hi = ref.conf_int().loc["tb"]
        np.testing.assert_allclose([row.ci_low, row.ci_high], [lo, hi], rtol=1e-8)
    assert slopes.df == 240


def test_simple_slopes_at_values_and_uncentred_model(tips):
    res = interaction_model(tips, "tip", ["total_bill", "size"], center=False)
    slopes = simple_slopes(res, "size", "total_bill", at=[10.0, 30.0])
    ref = smf.ols("tip ~ total_bill * size", tips).fit()
    for value, row in zip([10.0, 30.0], slopes.table.itertuples(), strict=True):
        t = ref.t_test(f"size + {value} * total_bill:size = 0")
        np.testing.assert_allclose(row.slope, float(t.effect[0]), rtol=1e-8)
        np.testing.assert_allclose(row.se, float(t.sd[0, 0]), rtol=1e-8)
    assert slopes.table["label"].tolist() == ["10", "30"]


def test_simple_slopes_hold_other_moderators_at_their_means(penguins):
    """With several products involving the focal predictor, the others sit at their means."""
    f, bl, bd = PENGUIN_PREDICTORS
    res = interaction_model(penguins, "body_mass_g", PENGUIN_PREDICTORS)
    slopes = simple_slopes(res, f, bl, at=[45.0])
    d = penguins.dropna(subset=["body_mass_g", *PENGUIN_PREDICTORS])
    shifted = d.assign(**{f: d[f] - d[f].mean(), bl: d[bl] - 45.0, bd: d[bd] - d[bd].mean()})
    ref = smf.ols(f"body_mass_g ~ ({f} + {bl} + {bd})**2", shifted).fit()
    np.testing.assert_allclose(slopes.table.loc[0, "slope"], ref.params[f], rtol=1e-8)
    np.testing.assert_allclose(slopes.table.loc[0, "se"], ref.bse[f], rtol=1e-8)


# --------------------------------------------------------------------------- results and errors


def test_result_frames_and_dict(tips):
    res = interaction_model(tips, "tip", ["total_bill", "size"])
    assert isinstance(res, InteractionResult)
    frame = res.to_frame()
    assert frame.columns.tolist() == ["model", "term", "coef", "se", "t", "p", "ci_low", "ci_high"]
    assert frame["model"].value_counts().to_dict() == {"interaction": 4, "main": 3}
    d = res.to_dict()
    json.dumps(d)
    assert d["products"] == ["total_bill:size"]
    assert d["f_test"]["df_num"] == 1
    assert d["interaction"]["params"]["total_bill:size"] == pytest.approx(
        res.interaction.set_index("term").loc["total_bill:size", "coef"]
    )
    assert d["delta_rsquared"] == pytest.approx(
        res.interaction_fit["rsquared"] - res.main_fit["rsquared"]
    )
    json.dumps(simple_slopes(res, "total_bill", "size").to_dict())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"predictors": ["total_bill"]}, "no interaction pairs"),
        ({"predictors": ["total_bill", "size"], "pairs": [("total_bill", "tip2")]}, "not a pred"),
        ({"predictors": ["total_bill", "size"], "pairs": [("size", "size")]}, "repeats"),
        ({"predictors": ["total_bill", "sex"]}, "not numeric"),
        ({"predictors": ["total_bill", "nope"]}, "not found"),
        ({"predictors": ["total_bill", "size"], "controls": ["total_bill:size"]}, "already"),
    ],
)
def test_bad_input_is_model_error(tips, kwargs, match):
    with pytest.raises(ModelError, match=match):
        interaction_model(tips, "tip", **kwargs)


def test_collinear_product_is_model_error():
    """With binary a and b and a control equal to a*b centred products are collinear."""
    rng = np.random.default_rng(0)
    n = 80
    a = rng.integers(0, 2, n).astype(float)
    b = rng.integers(0, 2, n).astype(float)
    df = pd.DataFrame({"a": a, "b": b, "ab": a * b, "y": rng.normal(size=n)})
    with pytest.raises(ModelError, match="collinear"):
        interaction_model(df, "y", ["a", "b"], controls=["ab"], center=False)


def test_simple_slopes_errors(tips):
    res = interaction_model(tips, "tip", ["total_bill", "size"])
    with pytest.raises(ModelError, match="not a predictor"):
        simple_slopes(res, "total_bill", "tip")
    with pytest.raises(ModelError, match="must differ"):
        simple_slopes(res, "size", "size")
    with pytest.raises(ModelError, match="finite"):
        simple_slopes(res, "total_bill", "size", at=[np.nan])


def test_infinite_value_is_model_error(tips):
    d = tips.copy()
    d.loc[7, "total_bill"] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # from the design's rank check
        with pytest.raises(ModelError, match="infinite in row 7"):
            interaction_model(d, "tip", ["total_bill", "size"])
