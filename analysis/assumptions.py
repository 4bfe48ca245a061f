"""Tests of the linear model's assumptions, each with a plain-language verdict.

Linearity (Rainbow, Harvey-Collier), independence (Durbin-Watson),
homoscedasticity (Breusch-Pagan in Koenker's studentised form, White) and
normal residuals (Shapiro-Wilk, Jarque-Bera). Every test works from a fitted
:class:`~smekit.analysis.ols.OLSResult` and reuses its QR factors, so no test
refits the model on all rows or builds an ``n x n`` matrix.

References
----------
Utts, J. M. (1982). The rainbow test for lack of fit in regression.
*Communications in Statistics - Theory and Methods*, 11(24), 2801-2815.
Harvey, A. C., & Collier, P. (1977). Testing for functional misspecification in
regression analysis. *Journal of Econometrics*, 6(1), 103-119.
Brown, R. L., Durbin, J., & Evans, J. M. (1975). Techniques for testing the
constancy of regression relationships over time. *JRSS B*, 37(2), 149-192
(recursive residuals).
Durbin, J., & Watson, G. S. (1950, 1951). Testing for serial correlation in
least squares regression I, II. *Biometrika*, 37, 409-428; 38, 159-178.
Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal
variables. *Biometrika*, 48(3/4), 419-426.
Breusch, T. S., & Pagan, A. R. (1979). A simple test for heteroscedasticity and
random coefficient variation. *Econometrica*, 47(5), 1287-1294.
Koenker, R. (1981). A note on studentizing a test for heteroscedasticity.
*Journal of Econometrics*, 17(1), 107-112.
White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator
and a direct test for heteroskedasticity. *Econometrica*, 48(4), 817-838.
Shapiro, S. S., & Wilk, M. B. (1965). An analysis of variance test for
normality. *Biometrika*, 52(3/4), 591-611.
Jarque, C. M., & Bera, A. K. (1987). A test for normality of observations and
regression residuals. *International Statistical Review*, 55(2), 163-172.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.integrate
import scipy.linalg
from scipy import stats

from smekit.analysis.design import INTERCEPT, tsqr_r
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import format_p as _format_p
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.core.errors import ModelError

__all__ = [
    "AssumptionReport",
    "DiagnosticTest",
    "breusch_pagan_test",
    "check_assumptions",
    "durbin_watson_test",
    "harvey_collier_test",
    "jarque_bera_test",
    "rainbow_test",
    "recursive_residuals",
    "shapiro_wilk_test",
    "white_test",
]

_RANK_TOL = 1e-7
_CROSS_TOL = 1e-10
_EXACT_BLOCK = 512
_CHUNK_ROWS = 4096


@dataclass(frozen=True)
class DiagnosticTest:
    """One assumption test.

    Attributes
    ----------
    key
        Machine name (``"breusch_pagan"``), the key in
        :meth:`AssumptionReport.to_dict`.
    test
        Display name.
    assumption
        ``"linearity"``, ``"independence"``, ``"homoscedasticity"`` or
        ``"normality"``.
    stat_name
        Key of the statistic in :meth:`to_dict` (``"lm"``, ``"fstat"``...).
    statistic, p_value
        NaN when the test could not be computed (the verdict says why).
    df
        Degrees of freedom: one value for chi-squared and t tests, two for F
        tests, none for Shapiro-Wilk and Durbin-Watson.
    verdict
        Plain-language reading.
    reference
        The R call the test reproduces.
    extra
        Further named values (for example the number of residuals used).
    """

    key: str
    test: str
    assumption: str
    stat_name: str
    statistic: float
    p_value: float
    df: tuple[float, ...]
    verdict: str
    reference: str
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def computed(self) -> bool:
        return math.isfinite(self.statistic)

    def to_dict(self) -> dict[str, Any]:
        """Statistic under :attr:`stat_name`, ``pvalue``, degrees of freedom, verdict."""
        out: dict[str, Any] = {
            self.stat_name: _jsonable(self.statistic),
            "pvalue": _jsonable(self.p_value),
        }
        dfs = [int(d) if float(d).is_integer() else float(d) for d in self.df]
        if len(dfs) == 1:
            out["df"] = dfs[0]
        elif len(dfs) == 2:
            out["df_num"], out["df_denom"] = dfs
        for name, value in self.extra:
            out[name] = _jsonable(value)
        out["verdict"] = self.verdict
        return out


@dataclass(frozen=True)
class AssumptionReport:
    """All assumption tests of one model; index it by test key."""

    tests: tuple[DiagnosticTest, ...]

    def __getitem__(self, key: str) -> DiagnosticTest:
        for t in self.tests:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.tests]

    def to_frame(self) -> pd.DataFrame:
        """One row per test: test, assumption, statistic, df, p_value, verdict."""
        return pd.DataFrame(
            {
                "test": [t.test for t in self.tests],
                "assumption": [t.assumption for t in self.tests],
                "statistic": [t.statistic for t in self.tests],
                "df": [", ".join(f"{d:g}" for d in t.df) for t in self.tests],
                "p_value": [t.p_value for t in self.tests],
                "verdict": [t.verdict for t in self.tests],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """``{key: test.to_dict()}``, e.g. ``breusch_pagan: {lm, pvalue, df}``."""
        return {t.key: t.to_dict() for t in self.tests}


def _not_computed(
    key: str, test: str, assumption: str, stat_name: str, reference: str, reason: str
) -> DiagnosticTest:
    return DiagnosticTest(
        key=key,
        test=test,
        assumption=assumption,
        stat_name=stat_name,
        statistic=math.nan,
        p_value=math.nan,
        df=(),
        verdict=f"Not computed: {reason}",
        reference=reference,
    )


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha}")


# --------------------------------------------------------------------------- ordering


def _order(ols: OLSResult, order_by: str | np.ndarray | None) -> tuple[np.ndarray | None, str]:
    """Row permutation for order-dependent tests and a phrase describing it."""
    if order_by is None:
        return None, "rows in file order"
    if isinstance(order_by, str):
        if order_by == "fitted":
            key = ols.fittedvalues
        elif order_by in ols.names:
            key = ols.design.X[:, ols.names.index(order_by)]
        else:
            raise ModelError(
                f"cannot order rows by {order_by!r}",
                fix="use None (file order), 'fitted' or a term name: " + ", ".join(ols.names),
            )
        return np.argsort(key, kind="stable"), f"rows ordered by {order_by}"
    key = np.asarray(order_by)
    if key.shape != (ols.nobs,):
        raise ModelError(
            f"order_by has {key.size} values but the model used {ols.nobs} rows",
            fix="pass one sort key per row of the fitted design",
        )
    return np.argsort(key, kind="stable"), "rows in the given order"


# --------------------------------------------------------------------------- linearity


def _ssr_subset(X: np.ndarray, y: np.ndarray) -> float:
    """Residual sum of squares of a least-squares fit; NaN if ``X`` is rank deficient."""
    k = X.shape[1]
    r_aug = tsqr_r(X, y)
    r = r_aug[:k, :k]
    norms = np.sqrt((r * r).sum(axis=0))
    rank = int((np.abs(np.diag(r)) > _RANK_TOL * np.where(norms > 0, norms, 1.0)).sum())
    if rank < k:
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
    _check_alpha(alpha)
    key, name, ref = "rainbow", "Rainbow", "R lmtest::raintest(model)"
    n, k = ols.nobs, ols.k
    if not 0.0 < fraction < 1.0:
        raise ModelError(f"fraction must be between 0 and 1, got {fraction}")
    n1 = math.floor(fraction * n)
    if n1 <= k or n - n1 < 1:
        return _not_computed(
            key,
            name,
            "linearity",
            "fstat",
            ref,
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
        perm, how = _order(ols, order_by)
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
        return _not_computed(
            key,
            name,
            "linearity",
            "fstat",
            ref,
            "the central subset does not identify every coefficient "
            "(a category or predictor does not vary in it)",
        )
    df1, df2 = n - n1, n1 - k
    if ssr1 <= 0.0:
        return _not_computed(
            key, name, "linearity", "fstat", ref, "the central subset is fitted exactly"
        )
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
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="linearity",
        stat_name="fstat",
        statistic=float(fstat),
        p_value=p,
        df=(float(df1), float(df2)),
        verdict=verdict,
        reference=ref,
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
        r = scipy.linalg.qr(Z[:t], mode="r", check_finite=False)[0][:k]
        norms = np.sqrt((r * r).sum(axis=0))
        return bool(np.all(np.abs(np.diag(r)) > _RANK_TOL * np.where(norms > 0, norms, 1.0)))

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
    _check_alpha(alpha)
    key, name, ref = "harvey_collier", "Harvey-Collier", "R lmtest::harvtest(model)"
    n = ols.nobs
    perm, how = _order(ols, order_by)
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
        return _not_computed(key, name, "linearity", "tstat", ref, err.what)
    m = w.size
    if m < 3:
        return _not_computed(key, name, "linearity", "tstat", ref, f"only {m} recursive residuals")
    sd = float(w.std(ddof=1))
    if sd == 0.0:
        return _not_computed(
            key, name, "linearity", "tstat", ref, "recursive residuals are constant"
        )
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
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="linearity",
        stat_name="tstat",
        statistic=hc,
        p_value=p,
        df=(float(df),),
        verdict=verdict,
        reference=ref,
        extra=(("n_used", int(rows.size)), ("start", int(t0))),
    )


# --------------------------------------------------------------------------- independence


def _imhof_cdf_zero(c: np.ndarray) -> float:
    """``P(sum_i c_i z_i^2 <= 0)`` for independent standard normal ``z`` (Imhof, 1961)."""
    half = 0.5

    def integrand(u: float) -> float:
        if u == 0.0:
            return half * float(c.sum())
        theta = half * float(np.arctan(c * u).sum())
        rho = float(np.exp(0.25 * np.log1p((c * u) ** 2).sum()))
        return math.sin(theta) / (u * rho)

    value, _ = scipy.integrate.quad(integrand, 0.0, np.inf, limit=500, epsabs=1e-12, epsrel=1e-10)
    return float(min(max(0.5 - value / math.pi, 0.0), 1.0))


def durbin_watson_test(
    ols: OLSResult,
    *,
    alternative: Literal["greater", "two.sided", "less"] = "greater",
    exact: bool | None = None,
    alpha: float = 0.05,
) -> DiagnosticTest:
    """Durbin-Watson test for first-order autocorrelation of neighbouring rows.

    ``d = sum (e_t - e_{t-1})^2 / sum e_t^2`` in file order. The p-value follows
    R's ``lmtest::dwtest(model, alternative)``: for ``n < 100`` (or
    ``exact=True``) the exact null distribution of ``d``, a weighted sum of
    chi-squares whose weights are the nonzero eigenvalues of ``M A`` (``M`` the
    residual maker, ``A`` the differencing matrix), evaluated by Imhof's (1961)
    integral with ``scipy.integrate.quad`` where R uses Pan's algorithm;
    otherwise a normal approximation with the exact mean and variance of ``d``,
    computed from ``Q`` in ``O(n k)`` (no ``n x n`` matrix). ``"greater"`` tests
    for positive autocorrelation.
    """
    _check_alpha(alpha)
    key, name, ref = "durbin_watson", "Durbin-Watson", "R lmtest::dwtest(model)"
    if alternative not in ("greater", "two.sided", "less"):
        raise ModelError(
            f"alternative must be 'greater', 'two.sided' or 'less', got {alternative!r}"
        )
    e = ols.resid
    n, k = ols.nobs, ols.k
    de = np.diff(e)
    dw = float(de @ de) / ols.ssr
    if exact is None:
        exact = n < 100
    if n - k < 2:
        return _not_computed(key, name, "independence", "dw", ref, "too few residual df")
    q = ols.q_factor
    if exact:
        a = np.diag(np.r_[1.0, np.full(n - 2, 2.0), 1.0])
        a -= np.eye(n, k=1) + np.eye(n, k=-1)
        m = np.eye(n) - q @ q.T
        ev = np.linalg.eigvalsh(m @ a @ m)[::-1][: n - k]
        ev = ev[ev > 1e-10]
        lower = _imhof_cdf_zero(ev - dw)
        pvals = {"greater": lower, "less": 1.0 - lower, "two.sided": 2.0 * min(lower, 1.0 - lower)}
        method = "exact"
    else:
        dq = np.diff(q, axis=0)
        g = dq.T @ dq
        aq2 = float((dq[0] ** 2).sum() + (dq[-1] ** 2).sum())
        for j in range(k):
            col = dq[:, j]
            dd = col[:-1] - col[1:]
            aq2 += float(dd @ dd)
        p_term = 2.0 * (n - 1) - float(np.trace(g))
        q_term = 2.0 * (3 * n - 4) - 2.0 * aq2 + float((g * g).sum())
        mean = p_term / (n - k)
        var = 2.0 / ((n - k) * (n - k + 2)) * (q_term - p_term * mean)
        if not var > 0.0:
            return _not_computed(
                key, name, "independence", "dw", ref, "the null variance of DW is not positive"
            )
        sd = math.sqrt(var)
        pvals = {
            "greater": float(stats.norm.cdf(dw, mean, sd)),
            "less": float(stats.norm.sf(dw, mean, sd)),
            "two.sided": float(2.0 * stats.norm.sf(abs(dw - mean), 0.0, sd)),
        }
        method = "normal approximation"
    p = float(min(max(pvals[alternative], 0.0), 1.0))
    direction = {"greater": "positive ", "less": "negative ", "two.sided": ""}[alternative]
    if p < alpha:
        verdict = (
            f"Residuals of neighbouring rows are {direction}correlated (DW = {dw:.2f}, "
            f"{_format_p(p)}; rows in file order): if rows have a natural order (time, "
            "region, interviewer), use HAC or clustered standard errors"
        )
    else:
        verdict = (
            f"No evidence of {direction}autocorrelation between neighbouring rows "
            f"(DW = {dw:.2f}, {_format_p(p)}; rows in file order)"
        )
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="independence",
        stat_name="dw",
        statistic=dw,
        p_value=p,
        df=(),
        verdict=verdict,
        reference=ref,
        extra=(("alternative", alternative), ("method", method)),
    )


# --------------------------------------------------------------------------- variance


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
    _check_alpha(alpha)
    key, name, ref = "breusch_pagan", "Breusch-Pagan (Koenker)", "R lmtest::bptest(model)"
    n, k = ols.nobs, ols.k
    df = k - 1
    if df < 1:
        return _not_computed(key, name, "homoscedasticity", "lm", ref, "the model has no predictor")
    e2 = ols.resid * ols.resid
    w = e2 - ols.ssr / n
    ww = float(w @ w)
    if ww == 0.0:
        return _not_computed(
            key, name, "homoscedasticity", "lm", ref, "every squared residual is equal"
        )
    proj = ols.q_factor.T @ w
    lm = n * float(proj @ proj) / ww
    p = float(stats.chi2.sf(lm, df))
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="homoscedasticity",
        stat_name="lm",
        statistic=lm,
        p_value=p,
        df=(float(df),),
        verdict=_het_verdict(lm, p, alpha, "the predictors"),
        reference=ref,
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
    _check_alpha(alpha)
    key, name, ref = "white", "White", "R lmtest::bptest(model, ~ x * x + I(x^2))"
    n = ols.nobs
    X = ols.design.X
    cols = [j for j, nm in enumerate(ols.names) if nm != INTERCEPT]
    mean = np.array([X[:, j].mean() for j in cols])
    sd = np.array([X[:, j].std() for j in cols])
    cols = [j for j, v in zip(cols, sd, strict=True) if v > 0]
    mean, sd = mean[sd > 0], sd[sd > 0]
    p = len(cols)
    if p == 0:
        return _not_computed(key, name, "homoscedasticity", "lm", ref, "the model has no predictor")
    m = p + p * (p + 1) // 2
    if m >= n - 1:
        return _not_computed(
            key,
            name,
            "homoscedasticity",
            "lm",
            ref,
            f"{m + 1} auxiliary terms need more than {n} rows",
        )
    e2 = ols.resid * ols.resid
    w = e2 - e2.mean()
    ww = float(w @ w)
    if ww == 0.0:
        return _not_computed(
            key, name, "homoscedasticity", "lm", ref, "every squared residual is equal"
        )
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
        zz += z @ z.T
        zsum += z.sum(axis=1)
        zw += z @ w[s : s + step]
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
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="homoscedasticity",
        stat_name="lm",
        statistic=lm,
        p_value=pval,
        df=(float(df),),
        verdict=_het_verdict(lm, pval, alpha, "the predictors, their squares or products"),
        reference=ref,
        extra=(("n_terms", int(m)),),
    )


# --------------------------------------------------------------------------- normality


def _normal_verdict(label: str, stat: float, p: float, alpha: float, n: int, note: str) -> str:
    if p >= alpha:
        return (
            f"Residuals are consistent with a normal distribution "
            f"({label} = {stat:.3g}, {_format_p(p)}{note})"
        )
    head = (
        f"Residuals depart from a normal distribution ({label} = {stat:.3g}, {_format_p(p)}{note})"
    )
    if n >= 100:
        return (
            f"{head}: with {n:,} rows the coefficient tests remain approximately valid; "
            "check outliers and compare robust regression"
        )
    return (
        f"{head}: with only {n} rows t tests and intervals may be unreliable; check "
        "outliers and compare robust regression or bootstrap intervals"
    )


def shapiro_wilk_test(
    resid: np.ndarray, *, max_n: int = 5000, seed: int = 0, alpha: float = 0.05
) -> DiagnosticTest:
    """Shapiro-Wilk (1965) normality test of residuals (``scipy.stats.shapiro``).

    ``scipy.stats.shapiro`` implements Royston's (1995) algorithm AS R94, as R's
    ``shapiro.test`` does; like R, it is defined for 3 to 5000 values. With more
    residuals the test runs on a random subsample of ``max_n`` of them drawn
    with ``seed`` (``numpy.random.default_rng``), and the verdict says so.
    """
    _check_alpha(alpha)
    key, name, ref = "shapiro_wilk", "Shapiro-Wilk", "R shapiro.test(residuals(model))"
    r = np.asarray(resid, dtype=np.float64)
    n = r.size
    note = ""
    if n > max_n:
        rng = np.random.default_rng(seed)
        r = r[np.sort(rng.choice(n, size=int(max_n), replace=False))]
        note = f"; random subsample of {int(max_n):,} of {n:,} residuals, seed {seed}"
    if r.size < 3:
        return _not_computed(key, name, "normality", "w", ref, "needs at least 3 residuals")
    if np.ptp(r) == 0.0:
        return _not_computed(key, name, "normality", "w", ref, "all residuals are equal")
    res = stats.shapiro(r)
    w, p = float(res.statistic), float(res.pvalue)
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="normality",
        stat_name="w",
        statistic=w,
        p_value=p,
        df=(),
        verdict=_normal_verdict("W", w, p, alpha, n, note),
        reference=ref,
        extra=(("n_used", int(r.size)),),
    )


def jarque_bera_test(resid: np.ndarray, *, alpha: float = 0.05) -> DiagnosticTest:
    """Jarque-Bera (1987) normality test (``scipy.stats.jarque_bera``).

    ``JB = n/6 (S^2 + (K - 3)^2 / 4)`` with the moment estimators of skewness
    ``S`` and kurtosis ``K``, chi-squared on 2 degrees of freedom; as R's
    ``tseries::jarque.bera.test`` and ``fBasics::jarqueberaTest``.
    """
    _check_alpha(alpha)
    key, name, ref = "jarque_bera", "Jarque-Bera", "R tseries::jarque.bera.test(residuals(model))"
    r = np.asarray(resid, dtype=np.float64)
    if r.size < 3 or np.ptp(r) == 0.0:
        return _not_computed(
            key, name, "normality", "jb", ref, "needs at least 3 distinct residuals"
        )
    res = stats.jarque_bera(r)
    jb, p = float(res.statistic), float(res.pvalue)
    skew = float(stats.skew(r))
    kurt = float(stats.kurtosis(r, fisher=False))
    return DiagnosticTest(
        key=key,
        test=name,
        assumption="normality",
        stat_name="jb",
        statistic=jb,
        p_value=p,
        df=(2.0,),
        verdict=_normal_verdict("JB", jb, p, alpha, r.size, ""),
        reference=ref,
        extra=(("skewness", skew), ("kurtosis", kurt)),
    )


# --------------------------------------------------------------------------- report


def check_assumptions(
    ols: OLSResult,
    *,
    seed: int = 0,
    max_shapiro_n: int = 5000,
    max_recursive_n: int = 50_000,
    rainbow_fraction: float = 0.5,
    order_by: str | np.ndarray | None = None,
    alpha: float = 0.05,
) -> AssumptionReport:
    """Run every assumption test on a fitted model.

    Linearity: :func:`rainbow_test`, :func:`harvey_collier_test`;
    independence: :func:`durbin_watson_test`; homoscedasticity:
    :func:`breusch_pagan_test`, :func:`white_test`; normality:
    :func:`shapiro_wilk_test`, :func:`jarque_bera_test`. Defaults reproduce R's
    defaults (file order for the order-dependent tests). A test that cannot be
    computed for this model (for example White's with more auxiliary terms than
    rows) gets a row whose verdict says why.

    Parameters
    ----------
    ols
        A fitted model.
    seed
        Seed of the random subsamples used above ``max_shapiro_n`` residuals
        (Shapiro-Wilk) and ``max_recursive_n`` rows (Harvey-Collier).
    rainbow_fraction
        Share of rows in the Rainbow test's central subset.
    order_by
        Row order for Rainbow and Harvey-Collier: ``None`` (file order),
        ``"fitted"``, a term name or an array of sort keys. ``"mahalanobis"``
        applies to Rainbow only (Harvey-Collier then keeps the file order).
    alpha
        Level at which verdicts call a result significant.
    """
    _check_alpha(alpha)
    hc_order = None if isinstance(order_by, str) and order_by == "mahalanobis" else order_by
    _order(ols, hc_order)  # bad orderings are the caller's error, not a test that cannot run
    if not 0.0 < rainbow_fraction < 1.0:
        raise ModelError(f"rainbow_fraction must be between 0 and 1, got {rainbow_fraction}")
    runs: list[tuple[str, str, str, str, Callable[[], DiagnosticTest]]] = [
        (
            "rainbow",
            "Rainbow",
            "linearity",
            "fstat",
            lambda: rainbow_test(ols, fraction=rainbow_fraction, order_by=order_by, alpha=alpha),
        ),
        (
            "harvey_collier",
            "Harvey-Collier",
            "linearity",
            "tstat",
            lambda: harvey_collier_test(
                ols, order_by=hc_order, max_n=max_recursive_n, seed=seed, alpha=alpha
            ),
        ),
        (
            "durbin_watson",
            "Durbin-Watson",
            "independence",
            "dw",
            lambda: durbin_watson_test(ols, alpha=alpha),
        ),
        (
            "breusch_pagan",
            "Breusch-Pagan (Koenker)",
            "homoscedasticity",
            "lm",
            lambda: breusch_pagan_test(ols, alpha=alpha),
        ),
        ("white", "White", "homoscedasticity", "lm", lambda: white_test(ols, alpha=alpha)),
        (
            "shapiro_wilk",
            "Shapiro-Wilk",
            "normality",
            "w",
            lambda: shapiro_wilk_test(ols.resid, max_n=max_shapiro_n, seed=seed, alpha=alpha),
        ),
        (
            "jarque_bera",
            "Jarque-Bera",
            "normality",
            "jb",
            lambda: jarque_bera_test(ols.resid, alpha=alpha),
        ),
    ]
    tests = []
    for key, name, assumption, stat_name, run in runs:
        try:
            tests.append(run())
        except ModelError as err:
            tests.append(_not_computed(key, name, assumption, stat_name, "", err.what))
    return AssumptionReport(tests=tuple(tests))
