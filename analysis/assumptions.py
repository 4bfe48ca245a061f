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

from collections.abc import Callable

import numpy as np

from smekit.analysis.diagnostic_tests import (
    SPECS,
    AssumptionReport,
    DiagnosticSpec,
    DiagnosticTest,
    check_alpha,
    order_rows,
)
from smekit.analysis.heteroskedasticity import breusch_pagan_test, white_test
from smekit.analysis.independence import durbin_watson_test
from smekit.analysis.linearity import harvey_collier_test, rainbow_test, recursive_residuals
from smekit.analysis.normality import jarque_bera_test, shapiro_wilk_test
from smekit.analysis.ols import OLSResult
from smekit.core.errors import ModelError

__all__ = [
    "SPECS",
    "AssumptionReport",
    "DiagnosticSpec",
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
    check_alpha(alpha)
    hc_order = None if isinstance(order_by, str) and order_by == "mahalanobis" else order_by
    order_rows(ols, hc_order)  # bad orderings are the caller's error, not a test that cannot run
    if not 0.0 < rainbow_fraction < 1.0:
        raise ModelError(f"rainbow_fraction must be between 0 and 1, got {rainbow_fraction}")
    runs: dict[str, Callable[[], DiagnosticTest]] = {
        "rainbow": lambda: rainbow_test(
            ols, fraction=rainbow_fraction, order_by=order_by, alpha=alpha
        ),
        "harvey_collier": lambda: harvey_collier_test(
            ols, order_by=hc_order, max_n=max_recursive_n, seed=seed, alpha=alpha
        ),
        "durbin_watson": lambda: durbin_watson_test(ols, alpha=alpha),
        "breusch_pagan": lambda: breusch_pagan_test(ols, alpha=alpha),
        "white": lambda: white_test(ols, alpha=alpha),
        "shapiro_wilk": lambda: shapiro_wilk_test(
            ols.resid, max_n=max_shapiro_n, seed=seed, alpha=alpha
        ),
        "jarque_bera": lambda: jarque_bera_test(ols.resid, alpha=alpha),
    }
    tests = []
    for key, spec in SPECS.items():  # report order is the table's order
        try:
            tests.append(runs[key]())
        except ModelError as err:
            tests.append(spec.not_computed(err.what))
    return AssumptionReport(tests=tuple(tests))
