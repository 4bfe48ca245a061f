"""Constant error variance: Breusch-Pagan (Koenker) and White tests.

Every test works from a fitted :class:`~smekit.analysis.ols.OLSResult` and reuses its
QR factors; names, statistics and R references are in
:data:`smekit.analysis.diagnostic_tests.SPECS`.

References
----------
Breusch, T. S., & Pagan, A. R. (1979). A simple test for heteroscedasticity and
random coefficient variation. *Econometrica*, 47(5), 1287-1294.
Koenker, R. (1981). A note on studentizing a test for heteroscedasticity.
*Journal of Econometrics*, 17(1), 107-112.
White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator
and a direct test for heteroskedasticity. *Econometrica*, 48(4), 817-838.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.linalg.blas
from scipy import stats

from smekit.analysis.design import INTERCEPT
from smekit.analysis.diagnostic_tests import SPECS, DiagnosticTest, check_alpha
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import format_p as _format_p

_CROSS_TOL = 1e-10
_syrk = scipy.linalg.blas.dsyrk


def _het_verdict(stat: float, p: float, alpha: float, label: str) -> str:
    if p < alpha:
        return (
            f"Residual variance changes with {label} (LM = {stat:.2f}, {_format_p(p)}): "
            "report HC3 standard errors"
        )
    return f"No evidence of heteroscedasticity (LM = {stat:.2f}, {_format_p(p)})"


def breusch_pagan_test(ols: OLSResult, *, alpha: float = 0.05) -> DiagnosticTest:
    """Breusch-Pagan test, Koenker's (1981) studentised form, on the model's terms.

    With ``w_i = e_i^2 - SSR / n``, ``LM = n ||P_X w||^2 / ||w||^2`` on ``k - 1``
    degrees of freedom, where ``P_X w = Q Q'w`` is the fit of the auxiliary
    regression of ``w`` on the model's own columns. Equal to R's
    ``lmtest::bptest(model)`` (``studentize = TRUE``) and statsmodels'
    ``het_breuschpagan(resid, exog)``; ``O(n k)``.
    """
    check_alpha(alpha)
    spec = SPECS["breusch_pagan"]
    n, k = ols.nobs, ols.k
    df = k - 1
    if df < 1:
        return spec.not_computed("the model has no predictor")
    e2 = ols.resid * ols.resid
    w = e2 - ols.ssr / n
    ww = float(w @ w)
    if ww == 0.0:
        return spec.not_computed("every squared residual is equal")
    proj = ols.q_factor.T @ w
    lm = n * float(proj @ proj) / ww
    p = float(stats.chi2.sf(lm, df))
    return spec.result(
        statistic=lm,
        p_value=p,
        df=(float(df),),
        verdict=_het_verdict(lm, p, alpha, "the predictors"),
    )


def white_test(
    ols: OLSResult, *, alpha: float = 0.05, chunk_elements: int = 2_000_000
) -> DiagnosticTest:
    """White's (1980) test: squared residuals on the predictors, their squares and products.

    ``LM = n R^2`` of the auxiliary regression of ``e^2`` on a constant, the
    predictors, their squares and pairwise products, on (rank - 1) degrees of
    freedom. Equal to statsmodels' ``het_white(resid, exog)`` and to R's
    ``lmtest::bptest(model, ~ x1 * x2 + I(x1^2) + I(x2^2))``.

    The auxiliary design is never materialised: predictors are standardised
    (which leaves the span, hence the statistic, unchanged and keeps the
    products well conditioned), the auxiliary columns are built in row chunks
    of about ``chunk_elements`` values, and only their cross-products with
    themselves and with ``e^2`` are accumulated. Columns that are linear
    combinations of earlier ones (squares of 0/1 dummies, products of
    exclusive categories) are dropped by a pivoted Cholesky factorisation of
    the cross-product correlation matrix (tolerance ``1e-10`` on the squared
    cosine), and the degrees of freedom count what is left.
    """
    check_alpha(alpha)
    spec = SPECS["white"]
    n = ols.nobs
    X = ols.design.X
    cols = [j for j, nm in enumerate(ols.names) if nm != INTERCEPT]
    mean = np.array([X[:, j].mean() for j in cols])
    sd = np.array([X[:, j].std() for j in cols])
    cols = [j for j, v in zip(cols, sd, strict=True) if v > 0]
    mean, sd = mean[sd > 0], sd[sd > 0]
    p = len(cols)
    if p == 0:
        return spec.not_computed("the model has no predictor")
    m = p + p * (p + 1) // 2
    if m >= n - 1:
        return spec.not_computed(
            f"{m + 1} auxiliary terms need more than {n} rows",
        )
    e2 = ols.resid * ols.resid
    w = e2 - e2.mean()
    ww = float(w @ w)
    if ww == 0.0:
        return spec.not_computed("every squared residual is equal")
    zz = np.zeros((m, m))
    zsum = np.zeros(m)
    zw = np.zeros(m)
    step = max(1, chunk_elements // m)
    buf = np.empty((m, min(step, n)))
    for s in range(0, n, step):
        xt = X[s : s + step, cols].T
        z = buf[:, : xt.shape[1]]
        np.subtract(xt, mean[:, None], out=z[:p])
        z[:p] /= sd[:, None]
        off = p
        for j in range(p):
            np.multiply(z[j], z[j:p], out=z[off : off + p - j])
            off += p - j
        # z z' into the upper triangle only (BLAS dsyrk: half the flops of z @ z.T)
        zz = _syrk(1.0, z.T, beta=1.0, c=zz, trans=1, lower=0, overwrite_c=1)
        zsum += z.sum(axis=1)
        zw += z @ w[s : s + step]
    zz = np.triu(zz) + np.triu(zz, 1).T
    cov = zz - np.outer(zsum, zsum) / n
    g = zw - zsum * (float(w.sum()) / n)
    diag = np.diag(cov).copy()
    raw = np.diag(zz)
    usable = diag > _CROSS_TOL * np.where(raw > 0, raw, 1.0)
    idx = np.flatnonzero(usable)
    scale = 1.0 / np.sqrt(diag[idx])
    corr = cov[np.ix_(idx, idx)] * scale[:, None] * scale[None, :]
    gs = g[idx] * scale
    kept: list[int] = []
    chol = np.zeros((idx.size, idx.size))
    for j in range(idx.size):
        if kept:
            ltri = chol[np.ix_(range(len(kept)), range(len(kept)))]
            lj = scipy.linalg.solve_triangular(ltri, corr[kept, j], lower=True, check_finite=False)
            d = corr[j, j] - float(lj @ lj)
        else:
            lj = np.empty(0)
            d = corr[j, j]
        if d > _CROSS_TOL:
            r = len(kept)
            chol[r, :r] = lj
            chol[r, r] = math.sqrt(d)
            kept.append(j)
    rank = len(kept)
    ltri = chol[:rank, :rank]
    h = scipy.linalg.solve_triangular(ltri, gs[kept], lower=True, check_finite=False)
    ess = float(h @ h)
    lm = n * ess / ww
    df = rank
    pval = float(stats.chi2.sf(lm, df))
    return spec.result(
        statistic=lm,
        p_value=pval,
        df=(float(df),),
        verdict=_het_verdict(lm, pval, alpha, "the predictors, their squares or products"),
        extra=(("n_terms", int(m)),),
    )
