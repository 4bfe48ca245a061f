"""VIF and condition numbers against R (genridge), Stata and statsmodels."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from smekit.analysis.collinearity import collinearity
from smekit.analysis.design import build_design
from smekit.analysis.ols import fit_ols
from smekit.core.errors import ModelError

LONGLEY_FORMULA = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"


def longley_design():
    return build_design(sm.datasets.longley.load_pandas().data, LONGLEY_FORMULA)


def sm_vif(X: np.ndarray, j: int, standardize: bool) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(variance_inflation_factor(X, j, standardize=standardize))


def test_longley_vif_matches_r_and_statsmodels():
    design = longley_design()
    res = collinearity(design)
    # R: vif(ridge(Employed ~ GNP + Unemployed + Armed.Forces + Population + Year +
    # GNP.deflator, data = longley, lambda = 0)) -- the OLS VIFs printed in the README of
    # the genridge package (github.com/friendly/genridge): GNP 1788.51, Unemployed 33.619,
    # Armed.Forces 3.589, Population 399.15, Year 758.98, GNP.deflator 135.53.
    published = {
        "GNP": (1788.51, 0.005),
        "UNEMP": (33.619, 0.0005),
        "ARMED": (3.589, 0.0005),
        "POP": (399.15, 0.005),
        "YEAR": (758.98, 0.005),
        "GNPDEFL": (135.53, 0.005),
    }
    for term, (value, half_unit) in published.items():
        assert abs(res.vif[term] - value) <= half_unit, term
    # statsmodels: auxiliary regression of each column on the others (constant included)
    for j, term in enumerate(design.names):
        if term == "Intercept":
            continue
        np.testing.assert_allclose(res.vif[term], sm_vif(design.X, j, False), rtol=1e-8)
        np.testing.assert_allclose(res.vif[term], sm_vif(design.X, j, True), rtol=1e-8)
    np.testing.assert_allclose(res.tolerance.to_numpy(), 1.0 / res.vif.to_numpy(), rtol=1e-15)
    assert res.centred
    assert res.flags.to_dict() == {
        "GNPDEFL": "vif>10",
        "GNP": "vif>10",
        "UNEMP": "vif>10",
        "ARMED": "",
        "POP": "vif>10",
        "YEAR": "vif>10",
    }
    assert "Severe collinearity" in res.verdict


def test_uncentred_vif_without_intercept_matches_stata_and_statsmodels():
    data = sm.datasets.statecrime.load_pandas().data.copy()
    data["dummy_outcome"] = np.arange(len(data), dtype=float)
    cols = ["violent", "murder", "hs_grad", "poverty", "single", "white", "urban"]
    design = build_design(data, "dummy_outcome ~ 0 + " + " + ".join(cols))
    res = collinearity(design)
    assert not res.centred
    # Uncentred VIF of urban on all other statecrime columns, 16.4394, recorded (from
    # Stata) in statsmodels' stats/tests/test_outliers_influence.py::test_reset_stata.
    np.testing.assert_allclose(res.vif["urban"], 16.4394, atol=5e-5)
    for j, term in enumerate(design.names):
        np.testing.assert_allclose(res.vif[term], sm_vif(design.X, j, False), rtol=1e-8)


def test_condition_numbers():
    design = longley_design()
    res = collinearity(fit_ols(design))
    ref = sm.OLS(design.y, design.X).fit()
    # statsmodels' condition_number is the raw (unscaled) convention
    np.testing.assert_allclose(res.condition_number_raw, ref.condition_number, rtol=1e-6)
    np.testing.assert_allclose(res.condition_number_raw, np.linalg.cond(design.X), rtol=1e-6)
    scaled = design.X / np.sqrt((design.X**2).sum(axis=0))
    np.testing.assert_allclose(res.condition_number, np.linalg.cond(scaled), rtol=1e-8)
    sv = np.linalg.svd(scaled, compute_uv=False)
    np.testing.assert_allclose(res.condition_indices.to_numpy(), sv[0] / sv, rtol=1e-8)
    # a Design and its fitted model give the same answer
    res_design = collinearity(design)
    np.testing.assert_allclose(res_design.condition_number, res.condition_number, rtol=1e-10)
    np.testing.assert_allclose(res_design.vif.to_numpy(), res.vif.to_numpy(), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_random_designs_match_auxiliary_regressions(seed):
    rng = np.random.default_rng(seed)
    n = 80
    base = rng.standard_normal((n, 2))
    data = pd.DataFrame(
        {
            "a": base[:, 0],
            "b": base[:, 0] * 0.9 + 0.3 * base[:, 1],
            "c": rng.standard_normal(n) + 5.0,
            "g": rng.integers(0, 3, n),
        }
    )
    data["y"] = rng.standard_normal(n)
    design = build_design(data, "y ~ a + b + c + C(g)")
    res = collinearity(design)
    for j, term in enumerate(design.names[1:], start=1):
        others = np.delete(design.X, j, axis=1)
        aux = sm.OLS(design.X[:, j], others).fit()
        np.testing.assert_allclose(res.vif[term], 1.0 / (1.0 - aux.rsquared), rtol=1e-10)
    np.testing.assert_allclose(
        res.condition_number,
        np.linalg.cond(design.X / np.linalg.norm(design.X, axis=0)),
        rtol=1e-8,
    )


def test_frame_dict_and_flags():
    rng = np.random.default_rng(3)
    n = 100
    a = rng.standard_normal(n)
    data = pd.DataFrame(
        {"a": a, "b": a + 0.35 * rng.standard_normal(n), "c": rng.standard_normal(n)}
    )
    data["y"] = rng.standard_normal(n)
    res = collinearity(build_design(data, "y ~ a + b + c"))
    frame = res.to_frame()
    assert list(frame.columns) == ["term", "vif", "tolerance", "flag"]
    assert frame["term"].tolist() == ["a", "b", "c"]
    expected = np.where(res.vif > 10, "vif>10", np.where(res.vif > 5, "vif>5", ""))
    assert frame["flag"].tolist() == expected.tolist()
    assert res.vif["c"] < 1.2
    d = res.to_dict()
    assert set(d["vif"]) == {"a", "b", "c"}
    assert d["flagged_gt_5"] == [t for t in ["a", "b", "c"] if res.vif[t] > 5]
    json.dumps(d)


def test_bad_input():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"a": rng.standard_normal(30), "y": rng.standard_normal(30)})
    data["b"] = 2 * data["a"]
    with pytest.raises(ModelError, match="perfectly collinear"):
        collinearity(build_design(data, "y ~ a + b", check_rank=False))
    with pytest.raises(ModelError, match="at least one predictor"):
        collinearity(build_design(data, "y ~ 1"))
    with pytest.raises(ModelError, match="'c' is constant"):
        collinearity(build_design(data.assign(c=2.0), "y ~ a + c", check_rank=False))
