"""One result protocol: a coefficient table with inference from the model's own distribution.

Every fitted model in :mod:`smekit.analysis` (OLS with classical or HC3 errors,
the robust fits, median regression, interaction and subgroup models, the
mediation paths; panel, IV, GMM and DiD estimators alike) reports its
coefficients as an :class:`Estimates`: estimates, standard errors and the
reference distribution of ``estimate / se``. Test statistics, p-values and
confidence intervals are all derived here from that one ``(distribution, df)``
pair, so a model's p-values and intervals can never disagree.

Reference distributions used in smekit
--------------------------------------
* OLS, classical and HC-type errors: ``t`` on ``n - k`` df (R ``summary.lm``,
  ``lmtest::coeftest(fit, vcovHC(fit, "HC3"))``).
* Huber and bisquare M-estimates: ``z``. ``MASS::summary.rlm`` prints
  "t value" columns but no p-values and no intervals (the fit's
  ``df.residual`` is ``NA``); statsmodels ``RLM`` and Stata's ``rreg``
  large-sample theory refer the ratio to the normal, which smekit follows.
* Median regression: ``t`` on ``n - p`` df (``quantreg::summary.rq`` and
  statsmodels ``QuantReg``).

References
----------
Wooldridge, J. M. (2010). *Econometric analysis of cross section and panel
data* (2nd ed.), section 4.2: asymptotic versus exact t inference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _stats

from smekit.core.errors import ModelError
from smekit.core.jsonable import jsonable

__all__ = ["Estimates", "as_estimates"]


def _series(values: Any, index: Any = None) -> pd.Series:
    s = pd.Series(values, index=index, dtype=np.float64)
    s.index = pd.Index([str(i) for i in s.index], dtype=object)
    return s


@dataclass(frozen=True)
class Estimates:
    """Coefficient table of a fitted model, inferred from its own reference distribution.

    Attributes
    ----------
    params
        Term -> estimate (index = term names, ``'Intercept'`` for the constant).
    bse
        Term -> standard error (same index as ``params``).
    distribution
        ``"t"`` or ``"z"``: the reference distribution of ``params / bse``.
    df
        Degrees of freedom of the t distribution (None for z).
    cov_type
        Covariance estimator: ``"classical"``, ``"HC1"``, ``"HC3"``, ``"cluster"``,
        ``"robust"``, ``"windmeijer"``, ...
    nobs
        Observations used.
    stats
        Footer statistics shown under a table column (R², N clusters, ...).
    alpha
        Default significance level of :meth:`conf_int`.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Estimates(pd.Series({"x": 2.0}), pd.Series({"x": 1.0}), "t", 10)
    >>> round(float(e.pvalues["x"]), 4)
    0.0734
    >>> e.conf_int().round(3).values.tolist()
    [[-0.228, 4.228]]
    """

    params: pd.Series
    bse: pd.Series
    distribution: Literal["t", "z"]
    df: float | None
    cov_type: str = "classical"
    nobs: int | None = None
    stats: Mapping[str, float | int | str] = field(default_factory=dict)
    alpha: float = 0.05

    def __post_init__(self) -> None:
        params = _series(self.params)
        bse = _series(self.bse)
        if list(params.index) != list(bse.index):
            bse = bse.reindex(params.index)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "bse", bse)
        if self.distribution not in ("t", "z"):
            raise ModelError(f"distribution must be 't' or 'z', got {self.distribution!r}")
        if self.distribution == "t":
            if self.df is None or not float(self.df) > 0:
                raise ModelError(f"a t reference needs positive degrees of freedom, got {self.df}")
            object.__setattr__(self, "df", float(self.df))
        else:
            object.__setattr__(self, "df", None)
        if not 0.0 < float(self.alpha) < 1.0:
            raise ModelError(f"alpha must be between 0 and 1, got {self.alpha}")
        object.__setattr__(self, "stats", dict(self.stats))

    # -- inference ----------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Term names in order."""
        return list(self.params.index)

    @property
    def tvalues(self) -> pd.Series:
        """``estimate / se`` (a t or z statistic according to ``distribution``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.params / self.bse

    def _sf(self, x: np.ndarray) -> np.ndarray:
        if self.distribution == "t":
            return _stats.t.sf(x, self.df)
        return _stats.norm.sf(x)

    def _ppf(self, q: float) -> float:
        if self.distribution == "t":
            return float(_stats.t.ppf(q, self.df))
        return float(_stats.norm.ppf(q))

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the reference distribution."""
        t = self.tvalues.to_numpy()
        return pd.Series(2.0 * self._sf(np.abs(t)), index=self.params.index)

    @property
    def critical_value(self) -> float:
        """Two-sided critical value at ``alpha``."""
        return self._ppf(1.0 - float(self.alpha) / 2.0)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Two-sided ``1 - alpha`` intervals: frame indexed by term with ``lower``, ``upper``."""
        a = self.alpha if alpha is None else float(alpha)
        if not 0.0 < a < 1.0:
            raise ModelError(f"alpha must be between 0 and 1, got {a}")
        q = self._ppf(1.0 - a / 2.0)
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def with_stats(self, **extra: float | int | str) -> Estimates:
        """A copy with more footer statistics."""
        return Estimates(
            self.params,
            self.bse,
            self.distribution,
            self.df,
            cov_type=self.cov_type,
            nobs=self.nobs,
            stats={**self.stats, **extra},
            alpha=self.alpha,
        )

    # -- output -------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy table: term, estimate, se, statistic, p, ci_low, ci_high."""
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "term": self.names,
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "statistic": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN and inf become ``None``)."""
        ci = self.conf_int()

        def sd(s: pd.Series) -> dict[str, Any]:
            return {str(k): jsonable(v) for k, v in s.items()}

        return {
            "params": sd(self.params),
            "bse": sd(self.bse),
            "tvalues": sd(self.tvalues),
            "pvalues": sd(self.pvalues),
            "conf_int": {
                str(t): [jsonable(lo), jsonable(hi)]
                for t, lo, hi in zip(ci.index, ci["lower"], ci["upper"], strict=True)
            },
            "df": jsonable(self.df),
            "distribution": self.distribution,
            "cov_type": self.cov_type,
            "nobs": jsonable(self.nobs),
            "stats": {str(k): jsonable(v) for k, v in self.stats.items()},
        }


def as_estimates(result: Any, cov_type: str | None = None) -> Estimates:
    """The :class:`Estimates` of a result: itself, or its ``estimates`` attribute or method.

    Parameters
    ----------
    result
        An :class:`Estimates`, or any object whose ``estimates`` is one or is a
        method returning one (called with ``cov_type`` when given).
    cov_type
        Covariance type asked of a method (e.g. ``"HC3"``).

    Raises
    ------
    TypeError
        If ``result`` does not report an :class:`Estimates`.
    """
    if isinstance(result, Estimates):
        if cov_type is not None and cov_type != result.cov_type:
            raise ModelError(
                f"these estimates use {result.cov_type!r} errors, not {cov_type!r}",
                fix="ask the fitted model for the covariance type you need",
            )
        return result
    attr = getattr(result, "estimates", None)
    if attr is None:
        raise TypeError(f"{type(result).__name__} does not report Estimates")
    if callable(attr):
        out = attr() if cov_type is None else attr(cov_type)
    else:
        out = attr
        if cov_type is not None and out.cov_type != cov_type:
            raise ModelError(
                f"{type(result).__name__} reports {out.cov_type!r} errors only, not {cov_type!r}"
            )
    if not isinstance(out, Estimates):
        raise TypeError(f"{type(result).__name__}.estimates did not return Estimates")
    return out
