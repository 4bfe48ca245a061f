"""Linearity of the mean: Rainbow and Harvey-Collier tests (and recursive residuals).

Every test works from a fitted :class:`~smekit.analysis.ols.OLSResult` and reuses its
QR factors; names, statistics and R references are in
:data:`smekit.analysis.diagnostic_tests.SPECS`.

References
----------
Utts, J. M. (1982). The rainbow test for lack of fit in regression.
*Communications in Statistics - Theory and Methods*, 11(24), 2801-2815.
Harvey, A. C., & Collier, P. (1977). Testing for functional misspecification in
regression analysis. *Journal of Econometrics*, 6(1), 103-119.
Brown, R. L., Durbin, J., & Evans, J. M. (1975). Techniques for testing the
constancy of regression relationships over time. *JRSS B*, 37(2), 149-192
(recursive residuals).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.integrate
import scipy.linalg
from scipy import stats

from smekit.analysis.design import INTERCEPT
from smekit.analysis.diagnostic_tests import SPECS, DiagnosticTest, check_alpha, order_rows
from smekit.analysis.lstsq import aliased_columns, qr_r
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import format_p as _format_p
from smekit.core.errors import ModelError

_EXACT_BLOCK = 512
_CHUNK_ROWS = 4096


def _ssr_subset(X: np.ndarray, y: np.ndarray) -> float:
    """Residual sum of squares of a least-squares fit; NaN if ``X`` is rank deficient."""
    k = X.shape[1]
    r_aug = qr_r(X, y)
    if aliased_columns(r_aug[:k, :k]):
        return math.nan
    return float(r_aug[k, k] ** 2)


def rainbow_test(
    ols: OLSResult,
    *,
    fraction: float = 0.5,
    order_by: str | np.ndarray | None = None,
    center: float = 0.5,
    alpha: float = 0.05,
) -> DiagnosticTest:
    """Utts' (1982) Rainbow test for linearity.

    Compares the fit on a central subset of ``floor(fraction * n)`` rows with
    the fit on all rows: ``F = ((SSR - SSR_1) / (n - n_1)) / (SSR_1 / (n_1 - k))``
    on ``(n - n_1, n_1 - k)`` degrees of freedom. Reproduces R's
    ``lmtest::raintest(model, fraction, order.by, center)``:

    - ``order_by=None`` (R's default): the subset is rows
      ``ceiling(1 + (n - 1)(center - fraction / 2))`` onwards in file order;
    - a term name, ``"fitted"`` or an array: rows are first sorted by it
      (R's ``order.by = ~ x``);
    - ``"mahalanobis"``: the ``n_1`` rows closest to the mean of the
      regressors in the metric ``(X'X)^-1``, which is Utts' original choice and
      does not depend on the row order (R's ``order.by = "mahalanobis"``).

    The subset fit is a QR decomposition of ``n_1`` rows.
    """
    check_alpha(alpha)
    spec = SPECS["rainbow"]
    n, k = ols.nobs, ols.k
    if not 0.0 < fraction < 1.0:
        raise ModelError(f"fraction must be between 0 and 1, got {fraction}")
    n1 = math.floor(fraction * n)
    if n1 <= k or n - n1 < 1:
        return spec.not_computed(
            f"the central subset has {n1} rows for {k} coefficients",
        )
    X, y = ols.design.X, ols.design.y
    if isinstance(order_by, str) and order_by == "mahalanobis":
        q = ols.q_factor
        qbar = q.mean(axis=0)
        dist = ols.leverage - 2.0 * (q @ qbar) + float(qbar @ qbar)
        rows = np.sort(np.argsort(dist, kind="stable")[:n1])
        how = "cases closest to the centre of the predictors"
    else:
        perm, how = order_rows(ols, order_by)
        if not 0.0 <= center <= 1.0:
            raise ModelError(f"center must be between 0 and 1, got {center}")
        start = _quantile_start(n, center - fraction / 2.0)
        if start < 0 or start + n1 > n:
            raise ModelError(
                f"a subset of {n1} rows centred at {center} does not fit in {n} rows",
                fix="use center=0.5",
            )
        rows = np.arange(start, start + n1)
        if perm is not None:
            rows = np.sort(perm[rows])
        how = f"central {n1} of {n} {how}"
    ssr1 = _ssr_subset(X[rows], y[rows])
    if not math.isfinite(ssr1):
        return spec.not_computed(
            "the central subset does not identify every coefficient "
            "(a category or predictor does not vary in it)",
        )
    df1, df2 = n - n1, n1 - k
    if ssr1 <= 0.0:
        return spec.not_computed("the central subset is fitted exactly")
    fstat = ((ols.ssr - ssr1) / df1) / (ssr1 / df2)
    p = float(stats.f.sf(fstat, df1, df2))
    if p < alpha:
        verdict = (
            f"The subset ({how}) fits better than the whole sample (F = {fstat:.2f}, "
            f"{_format_p(p)}): the relation may be nonlinear; try squared terms or a "
            "transformation"
        )
    else:
        verdict = f"No evidence against linearity (F = {fstat:.2f}, {_format_p(p)}; {how})"
    return spec.result(
        statistic=float(fstat),
        p_value=p,
        df=(float(df1), float(df2)),
        verdict=verdict,
        extra=(("n_subset", n1),),
    )


def _quantile_start(n: int, prob: float) -> int:
    """0-based ``ceiling(quantile(1:n, prob)) - 1`` with R's type-7 fuzz."""
    fuzz = 4.0 * np.finfo(float).eps
    index = 1.0 + (n - 1) * prob
    lo = math.floor(index + fuzz)
    h = index - lo
    if abs(h) < fuzz:
        h = 0.0
    return math.ceil(lo + h) - 1


def _standardised(X: np.ndarray, names: list[str]) -> np.ndarray:
    """Columns rescaled (and centred when there is an intercept); same column space."""
    Z = np.array(X, dtype=np.float64, order="F", copy=True)
    has_const = INTERCEPT in names
    for j, nm in enumerate(names):
        if nm == INTERCEPT:
            continue
        col = Z[:, j]
        if has_const:
            col -= col.mean()
        s = float(np.sqrt((col * col).mean()))
        if s > 0:
            col /= s
    return Z


def _full_rank_start(Z: np.ndarray) -> int:
    """Smallest ``t >= k`` such that the first ``t`` rows have full column rank."""
    n, k = Z.shape

    def full(t: int) -> bool:
        return not aliased_columns(qr_r(Z[:t], method="householder"))

    if full(k):
        return k
    lo, hi = k, 2 * k
    while hi < n and not full(hi):
        lo, hi = hi, 2 * hi
    hi = min(hi, n)
    if not full(hi):
        raise ModelError("the design does not have full column rank")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if full(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _recursive_block(Z: np.ndarray, y: np.ndarray, t0: int, stop: int) -> np.ndarray:
    """Recursive residuals of rows ``t0..stop-1`` as innovations of one block.

    With ``R0, b0`` from the first ``t0`` rows, ``U = Z_B R0^-1`` and
    ``r = y_B - Z_B b0``, the recursive residuals are ``L^-1 r`` where
    ``L L' = I + U U'`` (a Cholesky factor of a matrix with eigenvalues >= 1).
    """
    q, r = scipy.linalg.qr(Z[:t0], mode="economic", check_finite=False)
    b = scipy.linalg.solve_triangular(r, q.T @ y[:t0], check_finite=False)
    zb = Z[t0:stop]
    u = scipy.linalg.solve_triangular(r, zb.T, trans="T", check_finite=False)
    g = u.T @ u
    g[np.diag_indices_from(g)] += 1.0
    chol = scipy.linalg.cholesky(g, lower=True, check_finite=False)
    return scipy.linalg.solve_triangular(chol, y[t0:stop] - zb @ b, lower=True, check_finite=False)


def _recursive_chunk(
    zt: np.ndarray, yc: np.ndarray, s_base: np.ndarray, xy_base: np.ndarray
) -> np.ndarray:
    """Recursive residuals of a chunk given the cross-products of all earlier rows.

    ``zt`` is the chunk transposed (``k x c``). For every row ``t`` the
    cross-products ``S_{t-1}`` and ``X'y`` up to the previous row are cumulative
    sums; ``S_{t-1} = L L'`` is factored for all rows at once (row-wise Cholesky
    vectorised over the chunk), and with ``v = L^-1 x_t``, ``g = L^-1 (X'y)``
    the recursive residual is ``(y_t - v'g) / sqrt(1 + v'v)``.
    """
    k, c = zt.shape
    il, jl = np.tril_indices(k)
    lower = zt[il] * zt[jl]
    prods = lower.copy()
    np.cumsum(lower, axis=1, out=lower)
    lower -= prods
    lower += s_base[il, jl][:, None]
    xy = zt * yc
    sxy = np.cumsum(xy, axis=1)
    sxy -= xy
    sxy += xy_base[:, None]
    start = [i * (i + 1) // 2 for i in range(k)]
    inv_diag = np.empty((k, c))
    for i in range(k):
        si = start[i]
        for j in range(i):
            if j:
                lower[si + j] -= np.einsum(
                    "lc,lc->c", lower[si : si + j], lower[start[j] : start[j] + j]
                )
            lower[si + j] *= inv_diag[j]
        if i:
            lower[si + i] -= np.einsum("lc,lc->c", lower[si : si + i], lower[si : si + i])
        np.sqrt(lower[si + i], out=lower[si + i])
        np.divide(1.0, lower[si + i], out=inv_diag[i])
    v = np.empty((k, c))
    g = np.empty((k, c))
    for i in range(k):
        si = start[i]
        v[i] = zt[i]
        g[i] = sxy[i]
        if i:
            v[i] -= np.einsum("lc,lc->c", lower[si : si + i], v[:i])
            g[i] -= np.einsum("lc,lc->c", lower[si : si + i], g[:i])
        v[i] *= inv_diag[i]
        g[i] *= inv_diag[i]
    f = 1.0 + np.einsum("jc,jc->c", v, v)
    e = yc - np.einsum("jc,jc->c", v, g)
    return e / np.sqrt(f)


def recursive_residuals(
    X: np.ndarray,
    y: np.ndarray,
    *,
    exact_block: int = _EXACT_BLOCK,
    chunk_rows: int = _CHUNK_ROWS,
) -> tuple[np.ndarray, int]:
    """Recursive residuals (Brown, Durbin & Evans, 1975) in row order.

    ``w_t = (y_t - x_t' b_{t-1}) / sqrt(1 + x_t' (X_{t-1}'X_{t-1})^-1 x_t)``
    for every row after the first ``t0`` rows, where ``t0`` is the smallest
    number of leading rows with full column rank (``k`` unless the first rows
    are degenerate) and ``b_{t-1}`` is the fit on rows before ``t``. Equal to
    strucchange's ``recresid`` and statsmodels'
    ``recursive_olsresiduals(...)[4]``.

    The first ``exact_block`` residuals are the innovations of one Cholesky
    factorisation (numerically stable); later rows are processed in chunks of
    ``chunk_rows`` with cumulative cross-products and a Cholesky factorisation
    per row vectorised over the chunk: ``O(n k^3)`` time, ``O(chunk k^2)``
    memory, no loop over rows in Python.

    Returns
    -------
    (w, t0)
        The ``n - t0`` recursive residuals and the number of leading rows used
        to start the recursion.
    """
    n = X.shape[0]
    t0 = _full_rank_start(X)
    if t0 >= n:
        return np.empty(0), t0
    stop = min(n, t0 + max(int(exact_block), 1))
    parts = [_recursive_block(X, y, t0, stop)]
    if stop < n:
        s_base = X[:stop].T @ X[:stop]
        xy_base = X[:stop].T @ y[:stop]
        step = max(int(chunk_rows), 1)
        for s in range(stop, n, step):
            e = min(n, s + step)
            zt = np.ascontiguousarray(X[s:e].T)
            parts.append(_recursive_chunk(zt, y[s:e], s_base, xy_base))
            s_base = s_base + zt @ zt.T
            xy_base = xy_base + zt @ y[s:e]
    return np.concatenate(parts), t0


def harvey_collier_test(
    ols: OLSResult,
    *,
    order_by: str | np.ndarray | None = None,
    max_n: int = 50_000,
    seed: int = 0,
    alpha: float = 0.05,
) -> DiagnosticTest:
    """Harvey-Collier (1977) test for linearity: t test on the mean recursive residual.

    ``HC = |sqrt(m) mean(w) / sd(w)|`` on ``m - 1`` degrees of freedom for the
    ``m = n - k`` recursive residuals ``w`` (see :func:`recursive_residuals`),
    two-sided p-value; as R's ``lmtest::harvtest(model, order.by)``, which
    reports the absolute value. ``order_by`` as in :func:`rainbow_test`
    (file order by default).

    When ``n > max_n`` the test runs on a random subsample of ``max_n`` rows
    (drawn with ``seed``, kept in their order), and the verdict says so.
    """
    check_alpha(alpha)
    spec = SPECS["harvey_collier"]
    n = ols.nobs
    perm, how = order_rows(ols, order_by)
    rows = perm if perm is not None else np.arange(n)
    note = ""
    if n > max_n:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(n, size=int(max_n), replace=False))
        rows = rows[chosen] if perm is not None else chosen
        note = f"; on a random subsample of {int(max_n):,} of {n:,} rows (seed {seed})"
    X = _standardised(ols.design.X[rows], ols.names)
    y = ols.design.y[rows]
    try:
        w, t0 = recursive_residuals(X, y)
    except ModelError as err:
        return spec.not_computed(err.what)
    m = w.size
    if m < 3:
        return spec.not_computed(f"only {m} recursive residuals")
    sd = float(w.std(ddof=1))
    if sd == 0.0:
        return spec.not_computed("recursive residuals are constant")
    hc = abs(math.sqrt(m) * float(w.mean()) / sd)
    df = m - 1
    p = float(2.0 * stats.t.sf(hc, df))
    if p < alpha:
        verdict = (
            f"Recursive residuals drift away from zero (t = {hc:.2f}, {_format_p(p)}; "
            f"{how}{note}): the relation may be nonlinear along this order"
        )
    else:
        verdict = f"No evidence of nonlinearity (t = {hc:.2f}, {_format_p(p)}; {how}{note})"
    return spec.result(
        statistic=hc,
        p_value=p,
        df=(float(df),),
        verdict=verdict,
        extra=(("n_used", int(rows.size)), ("start", int(t0))),
    )
