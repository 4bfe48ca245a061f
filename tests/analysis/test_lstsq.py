"""The least-squares engine: NIST StRD certified values, both factorisations, the rank rule."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from smekit.analysis.lstsq import (
    RANK_TOL,
    aliased_columns,
    check_rank,
    lstsq,
    qr_r,
    stack_r,
)
from smekit.core.errors import ModelError


def longley_arrays():
    d = sm.datasets.longley.load_pandas().data
    X = np.column_stack([np.ones(len(d)), d.drop(columns="TOTEMP").to_numpy()])
    return X, d["TOTEMP"].to_numpy()


def test_longley_certified_coefficients(nist_longley_params):
    """NIST StRD Longley (https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml)."""
    X, y = longley_arrays()
    fit = lstsq(X, y)
    np.testing.assert_allclose(fit.coef, nist_longley_params, rtol=1e-9)
    np.testing.assert_allclose(fit.ssr, 836424.055505915, rtol=1e-9)
    assert fit.df_resid == 9


def test_wampler1_certified_coefficients():
    """NIST StRD Wampler1 (https://www.itl.nist.gov/div898/strd/lls/data/Wampler1.shtml):
    y = 1 + x + ... + x^5 on x = 0..20, every certified coefficient is exactly 1."""
    x = np.arange(21.0)
    X = np.vander(x, 6, increasing=True)
    y = X.sum(axis=1)
    fit = lstsq(X, y)
    np.testing.assert_allclose(fit.coef, np.ones(6), rtol=1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cholesky_qr2_equals_householder(seed):
    """Both factorisations give the same R (up to row signs) on a well-conditioned design."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(5000), rng.normal(loc=3.0, size=(5000, 6))])
    y = X @ rng.normal(size=7) + rng.normal(size=5000)
    w = rng.uniform(0.1, 2.0, size=5000)
    for weights in (None, w):
        a = qr_r(X, y, weights, block=700)
        b = qr_r(X, y, weights, block=700, method="householder")
        np.testing.assert_allclose(np.abs(a), np.abs(b), rtol=1e-10, atol=1e-9)


def test_weights_equal_repeated_rows():
    """Weight 2 on a row is the same problem as that row twice."""
    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    y = rng.normal(size=40)
    w = np.ones(40)
    w[:10] = 2.0
    weighted = lstsq(X, y, w)
    repeated = lstsq(np.vstack([X, X[:10]]), np.r_[y, y[:10]])
    np.testing.assert_allclose(weighted.coef, repeated.coef, rtol=1e-12)
    np.testing.assert_allclose(weighted.ssr, repeated.ssr, rtol=1e-12)
    np.testing.assert_allclose(weighted.xtx_inv, repeated.xtx_inv, rtol=1e-10)


def test_stacked_factors_pool_samples():
    rng = np.random.default_rng(6)
    X = np.column_stack([np.ones(300), rng.normal(size=(300, 3))])
    y = rng.normal(size=300)
    pooled = stack_r([qr_r(X[:100], y[:100]), qr_r(X[100:], y[100:])])
    np.testing.assert_allclose(np.abs(pooled), np.abs(qr_r(X, y)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sine, aliased", [(1e-5, False), (2e-7, False), (5e-8, True), (0, True)])
def test_rank_rule_is_relative_sine_below_1e7(sine, aliased):
    """Column j is aliased iff |R_jj| <= 1e-7 ||x_j|| (R's lm.fit tol), at any column scale."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(200, 2))
    u = rng.normal(size=200)
    u -= base @ np.linalg.lstsq(base, u, rcond=None)[0]
    u /= np.linalg.norm(u)
    v = base[:, 0] + base[:, 1]
    v /= np.linalg.norm(v)
    third = np.sqrt(1 - sine**2) * v + sine * u  # sine of its angle to span(base) = sine
    for scale in (1e-6, 1.0, 1e8):
        X = np.column_stack([base, scale * third])
        got = aliased_columns(qr_r(X, method="householder"))
        assert (got == [2]) is aliased, (sine, scale, got)
    assert RANK_TOL == 1e-7


def test_rank_errors_name_the_term():
    X = np.column_stack([np.ones(10), np.arange(10.0), 2 * np.arange(10.0), np.zeros(10)])
    with pytest.raises(ModelError, match="'b' is perfectly collinear"):
        check_rank(qr_r(X[:, :3]), ["Intercept", "a", "b"])
    with pytest.raises(ModelError, match="'z' is zero in every row"):
        check_rank(qr_r(X[:, [0, 1, 3]]), ["Intercept", "a", "z"])
    with pytest.raises(ModelError, match="more rows than parameters"):
        lstsq(X[:3], np.ones(3))
    with pytest.raises(ModelError, match="weights"):
        lstsq(X[:, :2], np.ones(10), -np.ones(10))
