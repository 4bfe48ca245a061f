"""Median regression on large samples: Portnoy-Koenker preprocessing around statsmodels' IRLS.

Least absolute deviations (LAD) is a linear programme in which only the cases
near the fitted plane matter: every case known to lie below (above) the
optimal plane enters the objective through the sum of its rows alone. The
preprocessing of Portnoy & Koenker (1997, section 3; R ``quantreg::rq(method =
"pfn")``) exploits this:

1. fit a random subsample of ``m = ceil(sqrt(k) n^(2/3))`` cases;
2. keep the ``M`` cases whose residuals from that fit rank around the median
   residual and replace the cases below and above them by two pseudo-cases ("globs": the column
   sums of their rows, with a response far below and far above every fit);
3. solve the reduced problem of ``M + 2`` cases;
4. check that every globbed case lies on its side of the new plane; put any
   that does not back among the kept cases and solve again (doubling ``M`` when
   there are many);
5. accept the answer only if it also meets two necessary conditions of the
   full optimum (a sum of absolute residuals no larger than the subsample
   fit's, and at most ``k`` more cases on one side of the plane than on the
   other); otherwise the caller fits all rows.

When the check passes the reduced problem has the same solution as the full
one, so the answer is the full-sample LAD fit at a cost of a few passes over
the rows. The subsample is fitted by
``statsmodels.regression.quantile_regression.QuantReg`` (q = 0.5), and each
reduced problem by the same IRLS iteration started from the previous solution.

References
----------
Portnoy, S., & Koenker, R. (1997). The Gaussian hare and the Laplacian tortoise:
computability of squared-error versus absolute-error estimators. *Statistical
Science*, 12(4), 279-300.
Koenker, R. (2005). *Quantile Regression*, section 6.5. Cambridge University Press.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["ReducedLad", "kernel_cov", "lad_preprocessed"]

_BLOCK = 65_536


@dataclass(frozen=True)
class ReducedLad:
    """Outcome of :func:`lad_preprocessed`."""

    params: np.ndarray
    n_iter: int
    converged: bool
    rounds: int
    kept: int


def _quantreg(X: np.ndarray, y: np.ndarray, max_iter: int, p_tol: float):
    from statsmodels.regression.quantile_regression import QuantReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = QuantReg(y, X).fit(q=0.5, max_iter=max_iter, p_tol=p_tol)
    ok = not any(
        issubclass(c.category, (IterationLimitWarning, ConvergenceWarning)) for c in caught
    )
    return np.asarray(res.params, dtype=np.float64), int(res.iterations), ok


def _irls_from(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, max_iter: int, p_tol: float
) -> tuple[np.ndarray, int, bool]:
    """statsmodels ``QuantReg``'s IRLS step (q = 0.5), started at ``beta`` instead of OLS.

    Starting from the previous solution keeps the globs' residuals huge, so their
    weights stay tiny and they act through their gradient only.
    """
    for it in range(1, max_iter + 1):
        r = y - X @ beta
        small = np.abs(r) < 1e-6
        r[small] = np.where(r[small] >= 0, 1e-6, -1e-6)
        w = 1.0 / (0.5 * np.abs(r))
        xw = X * w[:, None]
        new = np.linalg.pinv(xw.T @ X) @ (xw.T @ y)
        diff = float(np.max(np.abs(new - beta)))
        beta = new
        if diff <= p_tol:
            return beta, it, True
    return beta, max_iter, False


def lad_preprocessed(
    X: np.ndarray,
    y: np.ndarray,
    *,
    max_iter: int = 1000,
    p_tol: float = 1e-6,
    seed: int = 0,
    max_rounds: int = 6,
) -> ReducedLad | None:
    """LAD coefficients of ``y`` on ``X`` by preprocessing; None if the checks never pass.

    Parameters
    ----------
    X, y
        Design and response (``n`` rows).
    max_iter, p_tol
        Passed to ``QuantReg.fit`` for each reduced problem.
    seed
        Seed of ``numpy.random.default_rng`` for the first subsample.
    max_rounds
        Reduced problems tried before giving up (the caller then fits all rows).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.column_stack([np.ones(20_000), rng.normal(size=20_000)])
    >>> y = X @ [1.0, 2.0] + rng.laplace(size=20_000)
    >>> fit = lad_preprocessed(X, y)
    >>> fit.kept < 20_000, bool(np.all(np.abs(fit.params - [1.0, 2.0]) < 0.05))
    (True, True)
    """
    n, k = X.shape
    m = min(n, math.ceil(math.sqrt(k) * n ** (2.0 / 3.0)))
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, m, replace=False))
    beta, iters, ok = _quantreg(X[rows], y[rows], max_iter, p_tol)
    resid = y - X @ beta
    start_sad = float(np.abs(resid).sum())
    keep_n = m
    big = 1e3 * (start_sad + 1.0)
    forced = np.zeros(n, dtype=bool)
    for round_ in range(1, max_rounds + 1):
        if keep_n >= n:
            return None
        # the keep_n cases ranked around the median residual: as many globbed below as above
        lo_rank, hi_rank = (n - keep_n) // 2, (n - keep_n) // 2 + keep_n - 1
        lo, hi = np.partition(resid, (lo_rank, hi_rank))[[lo_rank, hi_rank]]
        kept = ((resid >= lo) & (resid <= hi)) | forced
        low = ~kept & (resid < 0)
        high = ~kept & (resid > 0)
        Xr = np.vstack([X[kept], X[low].sum(axis=0), X[high].sum(axis=0)])
        x_low, x_high = Xr[-2], Xr[-1]
        yr = np.r_[y[kept], float(x_low @ beta) - big, float(x_high @ beta) + big]
        beta, it, ok = _irls_from(Xr, yr, beta, max_iter, p_tol)
        iters += it
        resid = y - X @ beta
        wrong = (low & (resid > 0)) | (high & (resid < 0))
        n_wrong = int(wrong.sum())
        if n_wrong == 0:
            # necessary conditions of the full LAD optimum, so a reduced problem that went
            # astray is never taken: no worse than the start, and balanced signs (|+ - -| <= k)
            balance = abs(int((resid > 0).sum()) - int((resid < 0).sum()))
            if float(np.abs(resid).sum()) > start_sad or balance > k:
                return None
            return ReducedLad(beta, iters, ok, round_, int(kept.sum()))
        if n_wrong <= 0.1 * keep_n:
            forced |= wrong
        else:
            keep_n = min(n, 2 * keep_n)
    return None


def _percentile(a: np.ndarray, per: float) -> float:
    """``scipy.stats.scoreatpercentile(a, per)`` (linear interpolation), by partial sorting.

    Only the two order statistics around ``per / 100 * (n - 1)`` are placed
    (``numpy.partition``); the interpolation is scipy's, so the value is the same.
    """
    n = a.size
    if n == 0:
        return float("nan")
    idx = per / 100.0 * (n - 1)
    i = int(idx)
    if i == idx:
        return float(np.partition(a, i)[i])
    j = i + 1
    part = np.partition(a, (i, j))
    weights = np.array([(j - idx), (idx - i)], float)
    return float(np.add.reduce(part[i : j + 1] * weights) / weights.sum())


def kernel_cov(X: np.ndarray, y: np.ndarray, beta: np.ndarray, q: float = 0.5) -> np.ndarray:
    """statsmodels ``QuantReg``'s default covariance at ``beta``, in row blocks.

    Powell's sandwich ``(X'X)^-1 X'DX (X'X)^-1`` with ``D = diag((q / f)^2)`` above
    and ``((1 - q) / f)^2`` below the fit, ``f`` the Epanechnikov kernel density
    of the residuals at 0 with the Hall-Sheather bandwidth scaled by
    ``min(sd(y), IQR(e) / 1.34)``, exactly as ``QuantReg.fit(vcov="robust")``.
    """
    from scipy import stats
    from statsmodels.regression.quantile_regression import hall_sheather, kernels

    n, k = X.shape
    e = y - X @ beta
    iqre = _percentile(e, 75) - _percentile(e, 25)
    h = hall_sheather(n, q)
    h = min(np.std(y), iqre / 1.34) * (stats.norm.ppf(q + h) - stats.norm.ppf(q - h))
    fhat0 = 1.0 / (n * h) * np.sum(kernels["epa"](e / h))
    d = np.where(e > 0, (q / fhat0) ** 2, ((1 - q) / fhat0) ** 2)
    xtx = np.zeros((k, k))
    xtdx = np.zeros((k, k))
    for start in range(0, n, _BLOCK):
        xb = X[start : start + _BLOCK]
        xtx += xb.T @ xb
        xtdx += (xb * d[start : start + _BLOCK, None]).T @ xb
    xtxi = np.linalg.pinv(xtx)
    return xtxi @ xtdx @ xtxi
