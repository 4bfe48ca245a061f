"""Independence of neighbouring rows: the Durbin-Watson test with exact p-values.

Every test works from a fitted :class:`~smekit.analysis.ols.OLSResult` and reuses its
QR factors; names, statistics and R references are in
:data:`smekit.analysis.diagnostic_tests.SPECS`.

References
----------
Durbin, J., & Watson, G. S. (1950, 1951). Testing for serial correlation in
least squares regression I, II. *Biometrika*, 37, 409-428; 38, 159-178.
Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal
variables. *Biometrika*, 48(3/4), 419-426.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import scipy.integrate
import scipy.linalg
from scipy import stats

from smekit.analysis.diagnostic_tests import SPECS, DiagnosticTest, check_alpha
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import format_p as _format_p
from smekit.core.errors import ModelError


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
    check_alpha(alpha)
    spec = SPECS["durbin_watson"]
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
        return spec.not_computed("too few residual df")
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
            return spec.not_computed("the null variance of DW is not positive")
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
    return spec.result(
        statistic=dw,
        p_value=p,
        df=(),
        verdict=verdict,
        extra=(("alternative", alternative), ("method", method)),
    )
