"""F test of nested linear models (R ``anova(m0, m1)``).

References
----------
Chambers, J. M., & Hastie, T. J. (1992). *Statistical Models in S*, chapter 4
(``anova`` for nested linear models). Wadsworth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.report_values import jsonable
from smekit.core.errors import ModelError

__all__ = ["FTest", "nested_f_test"]


@dataclass(frozen=True)
class FTest:
    """An F test of nested linear models.

    Attributes
    ----------
    fstat, pvalue
        F statistic and its upper-tail p-value.
    df_num, df_denom
        Numerator and denominator degrees of freedom.
    """

    fstat: float
    pvalue: float
    df_num: int
    df_denom: int

    def to_dict(self) -> dict:
        """JSON-ready values; a statistic that is not finite is written as ``None`` (null)."""
        return {
            "fstat": jsonable(float(self.fstat)),
            "pvalue": jsonable(float(self.pvalue)),
            "df_num": int(self.df_num),
            "df_denom": int(self.df_denom),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def nested_f_test(
    ssr_restricted: float, df_resid_restricted: int, ssr_full: float, df_resid_full: int
) -> FTest:
    """F test of a restricted linear model against a full model that nests it.

    ``F = ((RSS_0 - RSS_1) / (df_0 - df_1)) / (RSS_1 / df_1)`` on
    ``(df_0 - df_1, df_1)`` degrees of freedom, where ``df`` are residual
    degrees of freedom: R's ``anova(m0, m1)`` for ``lm`` fits (equivalently
    ``lmtest::waldtest`` with the default F statistic, or statsmodels'
    ``RegressionResults.compare_f_test``).

    Parameters
    ----------
    ssr_restricted, df_resid_restricted
        Residual sum of squares and residual degrees of freedom of the
        restricted model.
    ssr_full, df_resid_full
        The same for the full model.

    Returns
    -------
    FTest

    References
    ----------
    Chambers & Hastie (1992), section 4.
    """
    df_num = int(df_resid_restricted) - int(df_resid_full)
    df_denom = int(df_resid_full)
    if df_num <= 0:
        raise ModelError(
            f"the full model must have fewer residual degrees of freedom than the restricted "
            f"one ({df_resid_full} vs {df_resid_restricted})"
        )
    if df_denom <= 0:
        raise ModelError("the full model has no residual degrees of freedom")
    if not (np.isfinite(ssr_full) and np.isfinite(ssr_restricted)) or ssr_full < 0:
        raise ModelError("residual sums of squares must be finite and non-negative")
    if ssr_full == 0:
        raise ModelError(
            "the full model fits the data exactly (residual sum of squares 0), "
            "so the F test is undefined"
        )
    fstat = ((ssr_restricted - ssr_full) / df_num) / (ssr_full / df_denom)
    return FTest(
        fstat=float(fstat),
        pvalue=float(stats.f.sf(fstat, df_num, df_denom)),
        df_num=df_num,
        df_denom=df_denom,
    )
