"""Normal residuals: Shapiro-Wilk and Jarque-Bera tests.

Every test works from a fitted :class:`~smekit.analysis.ols.OLSResult` and reuses its
QR factors; names, statistics and R references are in
:data:`smekit.analysis.diagnostic_tests.SPECS`.

References
----------
Shapiro, S. S., & Wilk, M. B. (1965). An analysis of variance test for
normality. *Biometrika*, 52(3/4), 591-611.
Jarque, C. M., & Bera, A. K. (1987). A test for normality of observations and
regression residuals. *International Statistical Review*, 55(2), 163-172.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from smekit.analysis.diagnostic_tests import SPECS, DiagnosticTest, check_alpha
from smekit.analysis.report_values import format_p as _format_p


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
    check_alpha(alpha)
    spec = SPECS["shapiro_wilk"]
    r = np.asarray(resid, dtype=np.float64)
    n = r.size
    note = ""
    if n > max_n:
        rng = np.random.default_rng(seed)
        r = r[np.sort(rng.choice(n, size=int(max_n), replace=False))]
        note = f"; random subsample of {int(max_n):,} of {n:,} residuals, seed {seed}"
    if r.size < 3:
        return spec.not_computed("needs at least 3 residuals")
    if np.ptp(r) == 0.0:
        return spec.not_computed("all residuals are equal")
    res = stats.shapiro(r)
    w, p = float(res.statistic), float(res.pvalue)
    return spec.result(
        statistic=w,
        p_value=p,
        df=(),
        verdict=_normal_verdict("W", w, p, alpha, n, note),
        extra=(("n_used", int(r.size)),),
    )


def jarque_bera_test(resid: np.ndarray, *, alpha: float = 0.05) -> DiagnosticTest:
    """Jarque-Bera (1987) normality test (``scipy.stats.jarque_bera``).

    ``JB = n/6 (S^2 + (K - 3)^2 / 4)`` with the moment estimators of skewness
    ``S`` and kurtosis ``K``, chi-squared on 2 degrees of freedom; as R's
    ``tseries::jarque.bera.test`` and ``fBasics::jarqueberaTest``.
    """
    check_alpha(alpha)
    spec = SPECS["jarque_bera"]
    r = np.asarray(resid, dtype=np.float64)
    if r.size < 3 or np.ptp(r) == 0.0:
        return spec.not_computed("needs at least 3 distinct residuals")
    res = stats.jarque_bera(r)
    jb, p = float(res.statistic), float(res.pvalue)
    skew = float(stats.skew(r))
    kurt = float(stats.kurtosis(r, fisher=False))
    return spec.result(
        statistic=jb,
        p_value=p,
        df=(2.0,),
        verdict=_normal_verdict("JB", jb, p, alpha, r.size, ""),
        extra=(("skewness", skew), ("kurtosis", kurt)),
    )
