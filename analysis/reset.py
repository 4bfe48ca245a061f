"""Ramsey's RESET test for functional form, on powers of the fitted values.

References
----------
Ramsey, J. B. (1969). Tests for specification errors in classical linear
least-squares regression analysis. *Journal of the Royal Statistical Society,
Series B*, 31(2), 350-371.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from smekit.analysis.lstsq import RANK_TOL
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import format_p as _format_p
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.core.errors import ModelError

__all__ = ["ResetResult", "reset_test"]


@dataclass(frozen=True)
class ResetResult:
    """RESET F test.

    Attributes
    ----------
    fstat, pvalue
        F statistic and its upper-tail p-value.
    df_num, df_denom
        Numerator (number of added powers) and denominator
        (``n - k - len(powers)``) degrees of freedom.
    powers
        Powers of the fitted values added to the model.
    """

    fstat: float
    pvalue: float
    df_num: int
    df_denom: int
    powers: tuple[int, ...]

    @property
    def verdict(self) -> str:
        """Plain-language reading at the 5% level."""
        p = _format_p(self.pvalue)
        if self.pvalue < 0.05:
            return (
                f"Powers of the fitted values improve the fit ({p}): the model may miss "
                "curvature or interactions; try squared terms, interactions or a transformation"
            )
        return f"No evidence of misspecified functional form ({p})"

    def to_frame(self) -> pd.DataFrame:
        """One row: test, statistic, df_num, df_denom, p_value, powers, verdict."""
        return pd.DataFrame(
            {
                "test": ["RESET"],
                "statistic": [self.fstat],
                "df_num": [self.df_num],
                "df_denom": [self.df_denom],
                "p_value": [self.pvalue],
                "powers": [", ".join(map(str, self.powers))],
                "verdict": [self.verdict],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """``fstat``, ``pvalue``, ``df_num``, ``df_denom``, ``powers``."""
        return {
            "fstat": _jsonable(self.fstat),
            "pvalue": _jsonable(self.pvalue),
            "df_num": int(self.df_num),
            "df_denom": int(self.df_denom),
            "powers": [int(p) for p in self.powers],
        }


def reset_test(ols: OLSResult, powers: Sequence[int] = (2, 3)) -> ResetResult:
    """Ramsey's RESET test, F form, on powers of the fitted values.

    Adds ``yhat**p`` for each ``p`` in ``powers`` to the model and tests the
    added terms jointly by F. Equal to R's
    ``lmtest::resettest(model, power = 2:3, type = "fitted")`` and to
    ``statsmodels.stats.diagnostic.linear_reset(res, power=[2, 3], use_f=True)``.

    The augmented regression is never refitted: the added columns (fitted
    values rescaled to ``[-1, 1]``, which leaves the F statistic unchanged) are
    projected off the model's column space with the stored ``Q`` factor, and
    the drop in the residual sum of squares is the
    squared norm of the residuals projected on what is left. Cost is
    ``O(n k q)`` for ``q`` powers.

    Parameters
    ----------
    ols
        A fitted model.
    powers
        Distinct integer powers, each at least 2.

    Returns
    -------
    ResetResult

    Raises
    ------
    ModelError
        If a power is below 2 or repeated, if too few rows remain for the
        augmented model, or if the powers of the fitted values are linear
        combinations of the terms (for example, a model with only one
        categorical predictor), in which case the test is undefined.
    """
    pw = tuple(int(p) for p in powers)
    if not pw or any(p < 2 for p in pw) or len(set(pw)) != len(pw):
        raise ModelError(
            f"RESET powers must be distinct integers of at least 2, got {list(powers)}",
            fix="use powers=(2, 3)",
        )
    n, k = ols.nobs, ols.k
    qn = len(pw)
    df_denom = n - k - qn
    if df_denom <= 0:
        raise ModelError(
            f"RESET needs more than {k + qn} rows for {k} terms and {qn} powers; got {n}",
            where=ols.design.formula,
        )
    yhat = ols.fittedvalues
    scale = float(np.abs(yhat).max())
    if scale == 0.0:
        raise ModelError("RESET is undefined: every fitted value is 0", where=ols.design.formula)
    u = yhat / scale
    z = np.empty((n, qn), order="F")
    for j, p in enumerate(pw):
        np.power(u, p, out=z[:, j])
    norms = np.sqrt((z * z).sum(axis=0))
    q = ols.q_factor
    z -= q @ (q.T @ z)
    q2, r2 = scipy.linalg.qr(z, mode="economic", check_finite=False)
    if (np.abs(np.diag(r2)) <= RANK_TOL * norms).any():  # the engine's rank rule
        raise ModelError(
            "RESET is undefined: powers of the fitted values are linear combinations of "
            "the terms (the fitted values take too few distinct values)",
            where=ols.design.formula,
            fix="RESET needs at least one continuous predictor",
        )
    gain = float(np.sum((q2.T @ ols.resid) ** 2))
    ssr_u = ols.ssr - gain
    if ssr_u <= 0.0:
        fstat = math.inf
        pvalue = 0.0
    else:
        fstat = (gain / qn) / (ssr_u / df_denom)
        pvalue = float(stats.f.sf(fstat, qn, df_denom))
    return ResetResult(fstat=float(fstat), pvalue=pvalue, df_num=qn, df_denom=df_denom, powers=pw)
