"""Median regression with Portnoy-Koenker preprocessing equals the fit on all rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.regression.quantile_regression import QuantReg

from smekit.analysis.design import build_design
from smekit.analysis.lad import kernel_cov, lad_preprocessed
from smekit.analysis.robust import fit_median


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(11)
    n = 6000
    x = rng.normal(size=(n, 3))
    y = 1 + x @ [0.5, -0.3, 0.2] + rng.standard_t(2, size=n)
    return build_design(
        pd.DataFrame({"y": y, "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}), "y ~ a + b + c"
    )


def test_preprocessed_fit_is_the_lad_solution(design):
    pre = fit_median(design, preprocess_above=1000)
    full = fit_median(design, preprocess_above=10**9)
    X, y = design.X, design.y
    sad = lambda b: float(np.abs(y - X @ np.asarray(b)).sum())  # noqa: E731
    assert sad(pre.params) <= sad(full.params) + 1e-9 * sad(full.params)
    np.testing.assert_allclose(pre.params, full.params, atol=1e-4)
    np.testing.assert_allclose(pre.bse, full.bse, rtol=1e-3)


def test_reduced_problem_is_smaller_and_checked():
    rng = np.random.default_rng(12)
    X = np.column_stack([np.ones(20_000), rng.normal(size=(20_000, 2))])
    y = X @ [1.0, 2.0, -1.0] + rng.laplace(size=20_000)
    design = build_design(pd.DataFrame({"y": y, "a": X[:, 1], "b": X[:, 2]}), "y ~ a + b")
    fit = lad_preprocessed(design.X, design.y)
    assert fit is not None and fit.kept < design.n and fit.rounds >= 1
    resid = design.y - design.X @ fit.params
    # LAD optimality: about as many cases above as below the plane (within k)
    assert abs(int((resid > 0).sum()) - int((resid < 0).sum())) <= design.k + 1


def test_kernel_cov_equals_statsmodels_at_its_solution(design):
    res = QuantReg(design.y, design.X).fit(q=0.5)
    cov = kernel_cov(design.X, design.y, np.asarray(res.params))
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), res.bse, rtol=1e-10)
