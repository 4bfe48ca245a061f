"""Ordinary least squares with classical and HC3 standard errors.

The fit is a Householder QR decomposition of the design matrix, so that badly
conditioned designs (the NIST Longley benchmark) are solved to full accuracy.
Everything the diagnostics need later (the orthonormal factor ``Q``, the
triangular factor ``R``, the leverages) is computed once and kept on the result.

References
----------
Golub, G. H., & Van Loan, C. F. (2013). *Matrix computations* (4th ed.),
section 5.3: least squares by Householder QR.
MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent
covariance matrix estimators with improved finite sample properties.
*Journal of Econometrics*, 29(3), 305-325.
Longley, J. W. (1967). An appraisal of least squares programs for the electronic
computer from the point of view of the user. *JASA*, 62(319), 819-841.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from smekit.analysis.design import INTERCEPT, Design, require_finite
from smekit.analysis.estimates import Estimates
from smekit.analysis.lstsq import BLOCK_ROWS, fit_r
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.analysis.report_values import series_dict as _series_dict
from smekit.core.errors import ModelError

__all__ = ["OLSResult", "fit_ols"]


@dataclass(frozen=True, eq=False)
class OLSResult:
    """A fitted linear model.

    Attributes
    ----------
    design
        The :class:`~smekit.analysis.design.Design` that was fitted.
    params, bse, bse_hc3, tvalues, pvalues, std_betas
        Per-term series indexed by term name: coefficients, classical standard
        errors, HC3 standard errors, t statistics, two-sided p-values and
        standardised coefficients ``b_j * sd(x_j) / sd(y)``. The intercept's
        standardised coefficient is reported as ``0.0``: it is the intercept of
        the regression on standardised variables, which is exactly zero.
    rsquared, rsquared_adj
        Centred R-squared when the model has an intercept, uncentred otherwise
        (as R's ``summary.lm``).
    fvalue, f_pvalue
        Overall F test that every coefficient except the intercept is zero
        (NaN for an intercept-only model).
    df_model, df_resid, nobs, n_dropped
        Model and residual degrees of freedom, rows used, rows dropped by
        listwise deletion.
    ssr, sigma
        Residual sum of squares and residual standard error
        ``sqrt(ssr / df_resid)``.
    resid, fittedvalues, leverage
        Per-row arrays in the order of ``design.ids``.
    r_factor, xtx_inv, cov_hc3
        ``R`` of ``X = QR``, ``(X'X)^-1 = R^-1 R^-T`` and the HC3 covariance.
    alpha
        Default significance level of :meth:`conf_int`.
    notes
        Plain-language caveats (for example, HC3 undefined at leverage 1).
    """

    design: Design = field(repr=False)
    params: pd.Series
    bse: pd.Series
    bse_hc3: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    std_betas: pd.Series
    rsquared: float
    rsquared_adj: float
    fvalue: float
    f_pvalue: float
    df_model: int
    df_resid: int
    nobs: int
    n_dropped: int
    ssr: float
    sigma: float
    resid: np.ndarray = field(repr=False)
    fittedvalues: np.ndarray = field(repr=False)
    leverage: np.ndarray = field(repr=False)
    r_factor: np.ndarray = field(repr=False)
    xtx_inv: np.ndarray = field(repr=False)
    cov_hc3: np.ndarray = field(repr=False)
    has_intercept: bool = True
    alpha: float = 0.05
    notes: tuple[str, ...] = ()

    @cached_property
    def q_factor(self) -> np.ndarray:
        """``Q = X R^-1`` of the thin QR decomposition, formed on first use (``n x k``)."""
        r_inv = scipy.linalg.solve_triangular(self.r_factor, np.eye(self.k), check_finite=False)
        return self.design.X @ r_inv

    @property
    def names(self) -> list[str]:
        """Term names in column order."""
        return list(self.design.names)

    @property
    def k(self) -> int:
        """Number of estimated coefficients (columns of ``X``)."""
        return self.design.k

    def cov_params(self) -> pd.DataFrame:
        """Classical covariance matrix ``sigma^2 (X'X)^-1``."""
        return pd.DataFrame(self.sigma**2 * self.xtx_inv, index=self.names, columns=self.names)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Two-sided ``1 - alpha`` confidence intervals from the t distribution.

        Returns a frame indexed by term with columns ``lower`` and ``upper``.
        """
        a = self.alpha if alpha is None else float(alpha)
        if not 0.0 < a < 1.0:
            raise ModelError(f"alpha must be between 0 and 1, got {a}")
        q = stats.t.ppf(1.0 - a / 2.0, self.df_resid)
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    @property
    def llf(self) -> float:
        """Gaussian log-likelihood at the estimates (R ``logLik.lm``)."""
        n = self.nobs
        return -0.5 * n * (math.log(2.0 * math.pi) + math.log(self.ssr / n) + 1.0)

    @property
    def aic(self) -> float:
        """AIC counting the error variance as a parameter (R ``AIC(lm)``)."""
        return -2.0 * self.llf + 2.0 * (self.k + 1)

    @property
    def bic(self) -> float:
        """BIC counting the error variance as a parameter (R ``BIC(lm)``)."""
        return -2.0 * self.llf + math.log(self.nobs) * (self.k + 1)

    def estimates(self, cov_type: str | None = None) -> Estimates:
        """The coefficient table with classical (default) or HC3 standard errors.

        Inference is on the t distribution with ``df_resid`` degrees of freedom
        in both cases (R ``summary.lm``; ``lmtest::coeftest(fit, vcovHC(fit, "HC3"))``).

        Parameters
        ----------
        cov_type
            ``"classical"`` (default) or ``"HC3"``.
        """
        kind = "classical" if cov_type is None else str(cov_type)
        if kind.lower() == "classical":
            bse, kind = self.bse, "classical"
        elif kind.upper() == "HC3":
            bse, kind = self.bse_hc3, "HC3"
        else:
            raise ModelError(
                f"OLS standard errors are 'classical' or 'HC3', not {cov_type!r}",
                fix="use cov_type='classical' or cov_type='HC3'",
            )
        return Estimates(
            self.params,
            bse,
            "t",
            self.df_resid,
            cov_type=kind,
            nobs=self.nobs,
            stats={"R²": self.rsquared, "Adj. R²": self.rsquared_adj},
            alpha=self.alpha,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per term: coef, se, se_hc3, t, p, ci_low, ci_high, std_beta."""
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "term": self.names,
                "coef": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "se_hc3": self.bse_hc3.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
                "ci_low": ci["lower"].to_numpy(),
                "ci_high": ci["upper"].to_numpy(),
                "std_beta": self.std_betas.to_numpy(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary keyed by term name."""
        ci = self.conf_int()
        return {
            "params": _series_dict(self.params),
            "bse": _series_dict(self.bse),
            "bse_hc3": _series_dict(self.bse_hc3),
            "pvalues": _series_dict(self.pvalues),
            "tvalues": _series_dict(self.tvalues),
            "conf_int": {
                str(t): [_jsonable(lo), _jsonable(hi)]
                for t, lo, hi in zip(ci.index, ci["lower"], ci["upper"], strict=True)
            },
            "std_betas": _series_dict(self.std_betas),
            "rsquared": _jsonable(self.rsquared),
            "rsquared_adj": _jsonable(self.rsquared_adj),
            "fvalue": _jsonable(self.fvalue),
            "f_pvalue": _jsonable(self.f_pvalue),
            "df_model": int(self.df_model),
            "df_resid": int(self.df_resid),
            "n": int(self.nobs),
            "n_dropped": int(self.n_dropped),
            "sigma": _jsonable(self.sigma),
        }


def fit_ols(design: Design, *, alpha: float = 0.05) -> OLSResult:
    """Fit a linear model by ordinary least squares.

    Coefficients come from the Householder QR decomposition ``X = QR`` of the
    least-squares engine (:mod:`smekit.analysis.lstsq`: LAPACK ``dgeqrf`` on
    row blocks of ``[X | y]``, R's ``lm`` rank rule): ``b = R^-1 Q'y``; the
    factor is the one :func:`~smekit.analysis.design.build_design` computed
    for its rank check. Leverages are the row sums of ``Q**2`` with
    ``Q = X R^-1`` formed one row block at a time; the HC3
    covariance (MacKinnon & White, 1985) is
    ``R^-1 Q' diag(e_i^2 / (1 - h_i)^2) Q R^-T``, computed without any
    ``n x n`` matrix. Standard errors, t tests, F test and R-squared follow R's
    ``summary.lm``; the HC3 covariance equals R's
    ``sandwich::vcovHC(model, type = "HC3")``.

    Parameters
    ----------
    design
        Output of :func:`~smekit.analysis.design.build_design`.
    alpha
        Default significance level for confidence intervals.

    Returns
    -------
    OLSResult

    Raises
    ------
    ModelError
        If a value is infinite, a term is zero or perfectly collinear, the
        outcome is constant, or the outcome is an exact linear function of the
        terms (no residual variation is left to test).

    Examples
    --------
    >>> import pandas as pd
    >>> from smekit.analysis.design import build_design
    >>> df = pd.DataFrame({"y": [1.0, 3.0, 2.0, 5.0, 4.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> res = fit_ols(build_design(df, "y ~ x"))
    >>> round(float(res.params["x"]), 6)
    0.8
    """
    if not 0.0 < alpha < 1.0:
        raise ModelError(f"alpha must be between 0 and 1, got {alpha}")
    n, k = design.n, design.k
    if n <= k:
        raise ModelError(
            f"{n} rows but {k} parameters: a model needs more rows than parameters",
            where=design.formula,
            fix="drop predictors or supply more data",
        )
    require_finite(design)
    y = design.y
    names = list(design.names)
    has_intercept = INTERCEPT in names

    fit = fit_r(design.r_aug, n, names, where=design.formula)
    r, params = fit.r_factor, fit.coef
    fitted = design.X @ params
    resid = y - fitted
    ssr = float(resid @ resid)
    df_resid = n - k

    if has_intercept:
        ybar = float(y.mean())
        tss = float(((y - ybar) ** 2).sum())
    else:
        tss = float(y @ y)
    if tss == 0.0:
        raise ModelError(
            f"outcome '{design.outcome}' is constant"
            + (" (every row is 0)" if not has_intercept else ""),
            where=design.formula,
            fix="a regression needs an outcome that varies",
        )
    if ssr <= (1e3 * np.finfo(float).eps) ** 2 * float(y @ y):
        raise ModelError(
            f"outcome '{design.outcome}' is an exact linear function of the terms "
            "(residual sum of squares is 0), so no test can be computed",
            where=design.formula,
            fix="check that the outcome is not built from the predictors",
        )

    sigma2 = ssr / df_resid
    r_inv, xtx_inv = fit.r_inv, fit.xtx_inv
    bse = np.sqrt(np.diag(xtx_inv) * sigma2)
    tvalues = params / bse
    pvalues = 2.0 * stats.t.sf(np.abs(tvalues), df_resid)

    q = design.X @ r_inv  # Q = X R^-1, formed once and kept (influence, RESET, DW use it)
    leverage = np.einsum("ij,ij->i", q, q)
    notes: list[str] = []
    one_minus_h = 1.0 - leverage
    at_one = one_minus_h <= 1e-10
    if at_one.any():
        ids = ", ".join(repr(v) for v in design.ids[at_one][:5])
        notes.append(
            f"HC3 standard errors are undefined: case(s) {ids} have leverage 1 "
            "(each alone determines a coefficient); drop them or merge sparse categories"
        )
        cov_hc3 = np.full((k, k), np.nan)
    else:
        weights = (resid / one_minus_h) ** 2
        meat = np.zeros((k, k))
        for start in range(0, n, BLOCK_ROWS):  # row blocks: no second n x k temporary
            qb = q[start : start + BLOCK_ROWS]
            meat += qb.T @ (qb * weights[start : start + BLOCK_ROWS, None])
        cov_hc3 = r_inv @ meat @ r_inv.T
    bse_hc3 = np.sqrt(np.diag(cov_hc3))

    df_model = k - 1 if has_intercept else k
    rsquared = 1.0 - ssr / tss
    if df_model > 0:
        n_eff = n if not has_intercept else n - 1
        rsquared_adj = 1.0 - (1.0 - rsquared) * n_eff / df_resid
        fvalue = ((tss - ssr) / df_model) / sigma2
        f_pvalue = float(stats.f.sf(fvalue, df_model, df_resid))
    else:
        rsquared_adj, fvalue, f_pvalue = rsquared, math.nan, math.nan

    sd_y = float(y.std(ddof=1))
    sd_x = np.array([design.X[:, j].std(ddof=1) for j in range(k)])  # no n x k temporary
    std_betas = params * sd_x / sd_y if sd_y > 0 else np.zeros(k)
    if has_intercept:
        std_betas[names.index(INTERCEPT)] = 0.0

    def series(v: np.ndarray) -> pd.Series:
        return pd.Series(np.asarray(v, dtype=np.float64), index=pd.Index(names, dtype=object))

    result = OLSResult(
        design=design,
        params=series(params),
        bse=series(bse),
        bse_hc3=series(bse_hc3),
        tvalues=series(tvalues),
        pvalues=series(pvalues),
        std_betas=series(std_betas),
        rsquared=float(rsquared),
        rsquared_adj=float(rsquared_adj),
        fvalue=float(fvalue),
        f_pvalue=float(f_pvalue),
        df_model=int(df_model),
        df_resid=int(df_resid),
        nobs=int(n),
        n_dropped=int(design.n_dropped),
        ssr=ssr,
        sigma=math.sqrt(sigma2),
        resid=resid,
        fittedvalues=fitted,
        leverage=leverage,
        r_factor=r,
        xtx_inv=xtx_inv,
        cov_hc3=cov_hc3,
        has_intercept=has_intercept,
        alpha=float(alpha),
        notes=tuple(notes),
    )
    result.__dict__["q_factor"] = q  # the cached ``q_factor``, already formed
    return result
