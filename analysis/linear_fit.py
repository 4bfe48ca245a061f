"""Linear models fitted from row blocks with the QR engine: coefficient table and fit statistics.

The interaction models (whose product columns are generated block by block and
never stored) and the per-group models of :mod:`smekit.analysis.subgroups`
(whose rows are selected block by block) are fitted here. Each fit keeps the
augmented triangular factor of ``[1 | X | y]``, so a model on a leading subset
of the columns (the main-effects model inside an interaction model) and the
pooled model over several samples come from the factors alone
(:func:`leading_factor`, :func:`smekit.analysis.lstsq.stack_r`).

Inference is that of R's ``summary.lm``: t tests and intervals on ``n - k``
degrees of freedom, R-squared centred with an intercept and uncentred without.

References
----------
Golub, G. H., & Van Loan, C. F. (2013). *Matrix computations* (4th ed.),
section 5.3 (updating a QR factorisation by rows, least squares from ``R``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.lstsq import RANK_TOL, aliased_columns, fit_r, qr_r_source
from smekit.analysis.report_values import jsonable
from smekit.core.errors import ModelError

__all__ = ["BlockSource", "LinearFit", "factor_blocks", "fit_factor", "leading_factor"]

BlockSource = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]
"""A function returning a fresh iterator of ``(columns, y)`` row blocks (no intercept column)."""


@dataclass(frozen=True)
class LinearFit:
    """An OLS fit: coefficient table, covariance and fit statistics.

    Attributes
    ----------
    table
        One row per term: ``term, coef, se, t, p, ci_low, ci_high``.
    cov
        Coefficient covariance ``sigma^2 (X'X)^-1``.
    n, df_resid
        Rows and residual degrees of freedom.
    ssr, rsquared, adj_rsquared, sigma
        Residual sum of squares, R-squared (centred with an intercept,
        uncentred without, as R), adjusted R-squared, residual standard error.
    r_aug
        Triangular factor of ``[1 | X | y]`` (for pooling and nested models).
    alpha
        Confidence intervals are ``1 - alpha``.
    """

    table: pd.DataFrame
    cov: np.ndarray = field(repr=False)
    n: int
    df_resid: int
    ssr: float
    rsquared: float
    adj_rsquared: float
    sigma: float
    r_aug: np.ndarray | None = field(default=None, repr=False)
    alpha: float = 0.05

    def series(self, column: str) -> pd.Series:
        return pd.Series(
            self.table[column].to_numpy(dtype=np.float64),
            index=pd.Index(self.table["term"].astype(str), dtype=object),
            name=column,
        )

    @property
    def params(self) -> pd.Series:
        return self.series("coef")

    @property
    def bse(self) -> pd.Series:
        return self.series("se")

    @property
    def pvalues(self) -> pd.Series:
        return self.series("p")

    @property
    def nobs(self) -> int:
        return int(self.n)

    def estimates(self, cov_type: str | None = None) -> Estimates:
        """Classical standard errors with t inference on ``df_resid`` (R ``summary.lm``)."""
        if cov_type not in (None, "classical"):
            raise ModelError(
                f"this linear fit has classical standard errors only, not {cov_type!r}"
            )
        return Estimates(
            self.params,
            self.bse,
            "t",
            self.df_resid,
            cov_type="classical",
            nobs=self.n,
            stats={"R²": self.rsquared, "Adj. R²": self.adj_rsquared},
            alpha=self.alpha,
        )

    def stats(self) -> dict[str, float]:
        return {
            "rsquared": float(self.rsquared),
            "adj_rsquared": float(self.adj_rsquared),
            "ssr": float(self.ssr),
            "df_resid": float(self.df_resid),
            "sigma": float(self.sigma),
        }

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table (``term, coef, se, t, p, ci_low, ci_high``)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready coefficients (as :meth:`Estimates.to_dict`) and fit statistics."""
        out = self.estimates().to_dict()
        out.update({k: jsonable(v) for k, v in self.stats().items()})
        out["n"] = int(self.n)
        out["df_resid"] = int(self.df_resid)
        return out


def factor_blocks(blocks: BlockSource, intercept: bool) -> tuple[np.ndarray, int]:
    """Augmented factor ``R`` of ``[1 | X | y]`` (or ``[X | y]``) and the row count.

    ``blocks`` is replayed as the engine needs (:func:`smekit.analysis.lstsq.qr_r_source`).
    """
    count = [0]
    width = [0]

    def rows() -> Iterator[np.ndarray]:
        count[0] = 0
        for Z, yb in blocks():
            m = yb.shape[0]
            count[0] += m
            parts = ([np.ones((m, 1))] if intercept else []) + [Z, yb[:, None]]
            yield np.hstack(parts)

    for Z, _ in blocks():
        width[0] = Z.shape[1] + 1 + int(intercept)
        break
    else:
        raise ModelError("no rows to fit")
    r = qr_r_source(rows, width[0])
    return r, count[0]


def leading_factor(r_aug: np.ndarray, size: int) -> np.ndarray:
    """Augmented factor of the model on the first ``size`` columns only.

    ``R`` and ``Q'y`` restricted to those columns are the leading parts of the
    full factor; the residual norm grows by the dropped part of ``Q'y``.
    """
    k = r_aug.shape[1] - 1
    out = np.zeros((size + 1, size + 1))
    out[:size, :size] = r_aug[:size, :size]
    out[:size, size] = r_aug[:size, k]
    out[size, size] = float(np.sqrt(np.sum(r_aug[size:, k] ** 2)))
    return out


def _rank_error(r_aug: np.ndarray, names: list[str], intercept: bool) -> None:
    k = r_aug.shape[1] - 1
    r = r_aug[:k, :k]
    bad = aliased_columns(r)
    if not bad:
        return
    j = bad[0]
    norm = float(np.sqrt(np.sum(r[:, j] ** 2)))
    if intercept and j > 0:
        off = float(np.sqrt(max(norm**2 - r[0, j] ** 2, 0.0)))
        if off <= RANK_TOL * norm:
            raise ModelError(
                f"term '{names[j]}' is constant on the estimation sample",
                fix="drop it from the model",
            )
    if norm == 0.0:
        raise ModelError(f"term '{names[j]}' is zero in every row", fix="drop it from the model")
    raise ModelError(
        f"term '{names[j]}' is perfectly collinear with earlier terms",
        fix="drop it or one of the variables it is a combination of",
    )


def fit_factor(
    r_aug: np.ndarray, n: int, names: Sequence[str], intercept: bool, *, alpha: float = 0.05
) -> LinearFit:
    """Least squares, covariance and ``summary.lm`` statistics from the factor of ``[1 | X | y]``.

    Parameters
    ----------
    r_aug
        From :func:`factor_blocks`, :func:`leading_factor` or
        :func:`smekit.analysis.lstsq.stack_r`; the intercept, when present, is
        the first column.
    n
        Rows behind the factor.
    names
        Term names in column order (``"Intercept"`` first when ``intercept``).
    intercept
        Whether the first column is the constant.
    alpha
        Confidence intervals are ``1 - alpha``.

    Raises
    ------
    ModelError
        For a constant, zero or aliased term (the rank rule of
        :mod:`smekit.analysis.lstsq`), no residual degrees of freedom, or an
        exact fit.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0]); y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    >>> r, n = factor_blocks(lambda: iter([(x[:, None], y)]), True)
    >>> fit = fit_factor(r, n, ["Intercept", "x"], True)
    >>> round(float(fit.params["x"]), 6), round(fit.rsquared, 6)
    (0.8, 0.64)
    """
    names = list(names)
    k = r_aug.shape[1] - 1
    if not 0 < alpha < 1:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha!r}")
    df = n - k
    if df <= 0:
        raise ModelError(f"{n} rows but {k} parameters: a model needs more rows than parameters")
    _rank_error(r_aug, names, intercept)
    fit = fit_r(r_aug, n, names)
    qty_all = r_aug[:, k]
    tss = float(np.sum(qty_all[1:] ** 2)) if intercept else float(np.sum(qty_all**2))
    yty = float(np.sum(qty_all**2))
    if fit.ssr <= (1e3 * np.finfo(float).eps) ** 2 * yty or fit.ssr == 0.0:
        raise ModelError(
            "the outcome is an exact linear function of the terms (residual sum of squares 0)",
            fix="check that the outcome is not built from the predictors",
        )
    if tss == 0.0:
        raise ModelError("the outcome is constant", fix="a regression needs an outcome that varies")
    sigma2 = fit.ssr / df
    cov = fit.cov(sigma2)
    coef = fit.coef
    se = np.sqrt(np.diag(cov))
    t = coef / se
    q = stats.t.isf(alpha / 2, df)
    table = pd.DataFrame(
        {
            "term": names,
            "coef": coef,
            "se": se,
            "t": t,
            "p": 2.0 * stats.t.sf(np.abs(t), df),
            "ci_low": coef - q * se,
            "ci_high": coef + q * se,
        }
    )
    r2 = 1.0 - fit.ssr / tss
    adj = 1.0 - (1.0 - r2) * ((n - 1) if intercept else n) / df
    return LinearFit(
        table=table,
        cov=cov,
        n=int(n),
        df_resid=int(df),
        ssr=float(fit.ssr),
        rsquared=float(r2),
        adj_rsquared=float(adj),
        sigma=float(np.sqrt(sigma2)),
        r_aug=r_aug,
        alpha=float(alpha),
    )
