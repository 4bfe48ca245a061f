"""Robust regression: Huber and Tukey-bisquare M-estimation, and median regression.

M-estimates are computed by iteratively reweighted least squares exactly as
R's ``MASS::rlm`` does by default (``method = "M"``, ``init = "ls"``,
``scale.est = "MAD"``, ``maxit = 20``, ``acc = 1e-4``, residual-change
convergence), and their standard errors as in ``summary.rlm`` with
``method = "XtX"``, so results agree with R to rounding. Each iteration is a
weighted least-squares solve from cross-products of a centred and scaled design
(``Z' W Z``), accumulated in row blocks, so a fit on 1,000,000 rows needs no
``n x n`` matrix and no full weighted copy of ``X``.

Median (least absolute deviation) regression is done by
``statsmodels.regression.quantile_regression.QuantReg`` at ``q = 0.5``.

References
----------
Huber, P. J. (1964). Robust estimation of a location parameter. *Annals of
Mathematical Statistics*, 35(1), 73-101.
Huber, P. J. (1981). *Robust Statistics*. Wiley (section 7.6: the correction
factor ``kappa`` of the covariance).
Beaton, A. E., & Tukey, J. W. (1974). The fitting of power series, meaning
polynomials, illustrated on band-spectroscopic data. *Technometrics*, 16(2),
147-185.
Venables, W. N., & Ripley, B. D. (2002). *Modern Applied Statistics with S*
(4th ed.), section 6.5. Springer (``MASS::rlm``).
Koenker, R., & Bassett, G. (1978). Regression quantiles. *Econometrica*, 46(1),
33-50.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.design import Design, require_finite
from smekit.analysis.estimates import Estimates
from smekit.analysis.lad import kernel_cov, lad_preprocessed
from smekit.analysis.lstsq import fit_r, lstsq
from smekit.analysis.report_values import series_dict as _series_dict
from smekit.core.errors import ModelError

_MAD_CONSTANT = 0.6745


@dataclass(frozen=True)
class RobustResult:
    """A robust regression fit.

    Attributes
    ----------
    method
        ``"huber"``, ``"bisquare"`` or ``"median"``.
    params, bse, tvalues, pvalues
        Coefficients, standard errors, ``params / bse`` and two-sided p-values,
        indexed by term name.
    scale
        Residual scale: for M-estimators the MAD scale ``median(|r|) / 0.6745``
        used in the final iteration (R's ``fit$s``); for median regression the
        same statistic of the final residuals.
    weights
        Final IRLS case weights indexed by case id (R's ``fit$w``); ``None`` for
        median regression, which has no case weights.
    n_iter
        Iterations run.
    converged
        Whether the convergence criterion was met within the iteration limit.
    n
        Cases used.
    tuning
        Tuning constant of the psi function (``k`` or ``c``), ``None`` for the
        median.
    pvalue_reference
        Distribution of the p-values and intervals: ``"normal"`` (M-estimators,
        as statsmodels ``RLM``; ``MASS::summary.rlm`` prints t values without
        p-values) or ``"t"`` with ``n - p`` degrees of freedom (median
        regression, as ``quantreg::summary.rq`` and statsmodels ``QuantReg``).
    """

    method: str
    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    scale: float
    weights: pd.Series | None = field(repr=False)
    n_iter: int
    converged: bool
    n: int
    tuning: float | None = None
    pvalue_reference: str = "normal"

    @property
    def df_resid(self) -> int:
        """``n - p``: the degrees of freedom of the median regression's t reference."""
        return int(self.n - len(self.params))

    def estimates(self, cov_type: str | None = None) -> Estimates:
        """The coefficient table; p-values and intervals from :attr:`pvalue_reference`.

        ``cov_type`` is ``"XtX"`` for the M-estimators (``summary.rlm``'s
        ``method = "XtX"``) and ``"robust"`` for median regression (statsmodels'
        kernel sandwich); asking for another raises :class:`ModelError`.
        """
        kind = "robust" if self.method == "median" else "XtX"
        if cov_type is not None and cov_type != kind:
            raise ModelError(
                f"{self.method} regression reports {kind!r} standard errors, not {cov_type!r}"
            )
        t_ref = self.pvalue_reference == "t"
        return Estimates(
            self.params,
            self.bse,
            "t" if t_ref else "z",
            self.df_resid if t_ref else None,
            cov_type=kind,
            nobs=self.n,
            stats={"Scale": self.scale},
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Two-sided intervals from the same reference distribution as the p-values."""
        return self.estimates().conf_int(alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row per term: term, coef, se, t, p."""
        return pd.DataFrame(
            {
                "term": list(self.params.index),
                "coef": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
            }
        )

    def to_dict(self) -> dict:
        """JSON-ready summary (case weights are left out; see ``weights``)."""
        return {
            "method": self.method,
            "params": _series_dict(self.params),
            "bse": _series_dict(self.bse),
            "tvalues": _series_dict(self.tvalues),
            "pvalues": _series_dict(self.pvalues),
            "scale": float(self.scale),
            "n": int(self.n),
            "n_iter": int(self.n_iter),
            "converged": bool(self.converged),
            "tuning": None if self.tuning is None else float(self.tuning),
            "conf_int": self.estimates().to_dict()["conf_int"],
            "distribution": "t" if self.pvalue_reference == "t" else "z",
            "df": self.df_resid if self.pvalue_reference == "t" else None,
        }


# --------------------------------------------------------------------------- psi functions
# Each takes ``a = |u|``, the absolute standardised residual (every psi used here is odd,
# so weights and derivatives depend on |u| only).


def _huber_weight(k: float) -> Callable[[np.ndarray], np.ndarray]:
    def weight(a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            w = np.divide(k, a)
        return np.minimum(w, 1.0, out=w)

    return weight


def _huber_deriv(k: float) -> Callable[[np.ndarray], np.ndarray]:
    def deriv(a: np.ndarray) -> np.ndarray:
        return (a <= k).astype(np.float64)

    return deriv


def _bisquare_weight(c: float) -> Callable[[np.ndarray], np.ndarray]:
    def weight(a: np.ndarray) -> np.ndarray:
        t = np.minimum(a / c, 1.0)
        t *= t
        np.subtract(1.0, t, out=t)
        t *= t
        return t

    return weight


def _bisquare_deriv(c: float) -> Callable[[np.ndarray], np.ndarray]:
    def deriv(a: np.ndarray) -> np.ndarray:
        t = (a / c) ** 2
        return np.where(t < 1.0, (1.0 - t) * (1.0 - 5.0 * t), 0.0)

    return deriv


# --------------------------------------------------------------------------- weighted least squares


def _wls(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str], what: str
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares by the engine's QR: coefficients and residuals ``y - X b``."""
    try:
        fit = lstsq(X, y, w, names=names)
    except ModelError:
        raise ModelError(
            f"{what}: the weighted design is singular (too many cases have zero weight)",
            fix="use the Huber estimator, or check the data for a cluster of extreme cases",
        ) from None
    return fit.coef, fit.resid


# --------------------------------------------------------------------------- M-estimation


def _m_estimate(
    design: Design,
    method: str,
    tuning: float,
    weight: Callable[[np.ndarray], np.ndarray],
    deriv: Callable[[np.ndarray], np.ndarray],
    maxit: int,
    acc: float,
) -> RobustResult:
    """IRLS as in ``MASS:::rlm.default`` and standard errors as in ``summary.rlm``."""
    if not np.isfinite(tuning) or tuning <= 0:
        raise ModelError(f"{method} tuning constant must be positive, got {tuning!r}")
    if int(maxit) != maxit or maxit < 1:
        raise ModelError(f"maxit must be a positive integer, got {maxit!r}")
    if not np.isfinite(acc) or acc <= 0:
        raise ModelError(f"acc must be positive, got {acc!r}")
    require_finite(design)
    X, y = design.X, design.y
    n, p = X.shape
    what = f"{method} regression of '{design.outcome}'"
    zero_scale = 1e-10 * float(np.sqrt(np.mean(y**2)))
    names = list(design.names)
    start = fit_r(design.r_aug, n, names, where=design.formula)  # least-squares start
    beta = start.coef
    resid = y - X @ beta
    w = np.ones(n)
    scale = np.nan
    done = False
    n_iter = 0
    for n_iter in range(1, int(maxit) + 1):  # noqa: B007 - n_iter is reported
        old = resid
        a = np.abs(resid)
        scale = float(np.median(a)) / _MAD_CONSTANT
        if scale <= zero_scale:
            raise ModelError(
                f"{what}: more than half of the cases are fitted exactly, "
                "so the MAD scale is 0 and robust weights and standard errors are undefined",
                fix="check for a constructed or duplicated outcome",
            )
        a /= scale
        w = weight(a)
        beta, resid = _wls(X, y, w, names, what)
        conv = np.sqrt(np.sum((old - resid) ** 2) / max(1e-20, float(np.sum(old**2))))
        done = bool(conv <= acc)
        if done:
            break
    if not done:
        warnings.warn(
            f"{what} did not converge in {maxit} iterations (MASS::rlm would warn too); "
            "raise maxit to iterate further",
            RuntimeWarning,
            stacklevel=3,
        )
    # summary.rlm, method = "XtX"
    a = np.abs(resid) / scale
    psi_w = weight(a)
    S = float(np.sum((resid * psi_w) ** 2)) / (n - p)
    psiprime = deriv(a)
    mn = float(psiprime.mean())
    if not mn > 0:
        raise ModelError(
            f"{what}: the mean derivative of psi at the residuals is not positive, "
            "so the standard errors are undefined",
            fix="use the Huber estimator or a larger tuning constant",
        )
    kappa = 1.0 + p * float(psiprime.var(ddof=1)) / (n * mn**2)
    stddev = np.sqrt(S) * kappa / mn
    bse = stddev * np.sqrt(np.diag(start.xtx_inv))
    tvalues = beta / bse
    pvalues = 2.0 * stats.norm.sf(np.abs(tvalues))
    return RobustResult(
        method=method,
        params=pd.Series(beta, index=names, name="coef"),
        bse=pd.Series(bse, index=names, name="se"),
        tvalues=pd.Series(tvalues, index=names, name="t"),
        pvalues=pd.Series(pvalues, index=names, name="p"),
        scale=float(scale),
        weights=pd.Series(w, index=design.ids, name="weight"),
        n_iter=int(n_iter),
        converged=done,
        n=n,
        tuning=float(tuning),
        pvalue_reference="normal",
    )


def fit_huber(design: Design, k: float = 1.345, maxit: int = 20, acc: float = 1e-4) -> RobustResult:
    """Huber M-estimator of a linear model, as R ``MASS::rlm(formula, data)``.

    Iteratively reweighted least squares from the least-squares start; at each
    step the scale is the uncentred MAD ``median(|r|) / 0.6745`` of the current
    residuals, the weights are ``min(1, k / |r / s|)`` (Huber's psi divided by
    its argument), and the loop stops when
    ``sqrt(sum((r_old - r)^2) / max(1e-20, sum(r_old^2))) <= acc``.
    Standard errors follow ``summary.rlm`` (``method = "XtX"``):
    ``kappa / mean(psi') * sqrt(sum(psi(r/s)^2 s^2) / (n - p))`` times the
    square roots of the diagonal of ``(X'X)^-1``, with Huber's correction
    ``kappa = 1 + p var(psi') / (n mean(psi')^2)``.

    Parameters
    ----------
    design
        From :func:`smekit.analysis.design.build_design`.
    k
        Tuning constant (1.345 gives 95% efficiency under normal errors).
    maxit
        Maximum IRLS iterations (R's default 20).
    acc
        Convergence tolerance on the relative change in residuals.

    Returns
    -------
    RobustResult
        p-values refer to the normal distribution (as statsmodels ``RLM``;
        ``summary.rlm`` prints t values only).

    References
    ----------
    Huber (1964, 1981); Venables & Ripley (2002), ``MASS::rlm`` and
    ``MASS:::summary.rlm``.

    Examples
    --------
    >>> from statsmodels.datasets import stackloss
    >>> from smekit.analysis.design import build_design
    >>> d = build_design(stackloss.load_pandas().data,
    ...                  "STACKLOSS ~ AIRFLOW + WATERTEMP + ACIDCONC")
    >>> round(float(fit_huber(d).params["AIRFLOW"]), 4)
    0.8294
    """
    return _m_estimate(design, "huber", k, _huber_weight(k), _huber_deriv(k), maxit, acc)


def fit_bisquare(
    design: Design, c: float = 4.685, maxit: int = 20, acc: float = 1e-4
) -> RobustResult:
    """Tukey bisquare M-estimator, as R ``MASS::rlm(formula, data, psi = psi.bisquare)``.

    Same iteration as :func:`fit_huber` (least-squares start, MAD scale
    re-estimated each step, R's residual-change convergence) with weights
    ``(1 - min(1, |u| / c)^2)^2`` and ``psi'(u) = (1 - t)(1 - 5t)`` for
    ``t = (u/c)^2 < 1`` in the covariance. Because the bisquare is redescending
    the fit depends on the start; like R's default this one starts from least
    squares (R's ``method = "MM"`` would start from an S-estimate instead).

    Parameters
    ----------
    design
        From :func:`smekit.analysis.design.build_design`.
    c
        Tuning constant (4.685 gives 95% efficiency under normal errors).
    maxit, acc
        As in :func:`fit_huber`.

    Returns
    -------
    RobustResult

    References
    ----------
    Beaton & Tukey (1974); Venables & Ripley (2002), ``MASS::psi.bisquare``.
    """
    return _m_estimate(design, "bisquare", c, _bisquare_weight(c), _bisquare_deriv(c), maxit, acc)


# --------------------------------------------------------------------------- median regression


def fit_median(
    design: Design,
    *,
    max_iter: int = 1000,
    p_tol: float = 1e-6,
    preprocess_above: int = 50_000,
) -> RobustResult:
    """Median (least absolute deviation) regression.

    ``statsmodels.regression.quantile_regression.QuantReg(y, X).fit(q=0.5)``
    does the work (iteratively reweighted least squares). The LAD problem is a
    linear programme whose solutions include a vertex interpolating ``p``
    cases, which is what R's ``quantreg::rq(tau = 0.5)`` (Barrodale-Roberts
    simplex) reports; the IRLS answer is therefore finished by solving exactly
    through the ``p`` cases with the smallest absolute residuals, kept when its
    sum of absolute residuals is no larger than the IRLS one.

    Standard errors are statsmodels' default (``vcov="robust"``: the
    Powell-type sandwich with an Epanechnikov kernel and Hall-Sheather
    bandwidth), with t-based p-values on ``n - p`` degrees of freedom. They
    differ from ``summary.rq``'s default rank-inversion intervals.

    Parameters
    ----------
    design
        From :func:`smekit.analysis.design.build_design`.
    max_iter, p_tol
        Passed to ``QuantReg.fit``.
    preprocess_above
        Above this many rows the fit uses the Portnoy-Koenker preprocessing of
        :func:`smekit.analysis.lad.lad_preprocessed` (the same LAD solution
        from a few reduced problems) and statsmodels' covariance formula at
        that solution (:func:`smekit.analysis.lad.kernel_cov`).

    Returns
    -------
    RobustResult
        ``scale`` is ``median(|r|) / 0.6745`` of the final residuals; ``weights``
        is ``None``.

    References
    ----------
    Koenker & Bassett (1978); Koenker, R. (2005). *Quantile Regression*.
    Cambridge University Press.
    """
    from statsmodels.regression.quantile_regression import QuantReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

    require_finite(design)
    X, y = design.X, design.y
    n, p = X.shape
    reduced = None
    if n > preprocess_above:
        reduced = lad_preprocessed(X, y, max_iter=max_iter, p_tol=p_tol)
    if reduced is not None:
        converged, n_iter = reduced.converged, reduced.n_iter
        beta = reduced.params
        bse = np.sqrt(np.diag(kernel_cov(X, y, beta)))
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = QuantReg(y, X).fit(q=0.5, max_iter=max_iter, p_tol=p_tol)
        converged = not any(
            issubclass(c.category, (IterationLimitWarning, ConvergenceWarning)) for c in caught
        )
        n_iter = int(res.iterations)
        beta = np.asarray(res.params, dtype=np.float64)
        bse = np.asarray(res.bse, dtype=np.float64)
    if not converged:
        warnings.warn(
            f"median regression of '{design.outcome}' did not converge in {max_iter} iterations",
            RuntimeWarning,
            stacklevel=2,
        )
    if not np.all(np.isfinite(bse)):
        raise ModelError(
            f"median regression of '{design.outcome}': standard errors are undefined",
            fix="the residual density at zero could not be estimated; check for ties",
        )
    resid = y - X @ beta
    beta, resid = _lad_vertex(X, y, beta, resid)
    tvalues = beta / bse
    pvalues = 2.0 * stats.t.sf(np.abs(tvalues), n - p)
    names = list(design.names)
    return RobustResult(
        method="median",
        params=pd.Series(beta, index=names, name="coef"),
        bse=pd.Series(bse, index=names, name="se"),
        tvalues=pd.Series(tvalues, index=names, name="t"),
        pvalues=pd.Series(pvalues, index=names, name="p"),
        scale=float(np.median(np.abs(resid))) / _MAD_CONSTANT,
        weights=None,
        n_iter=n_iter,
        converged=converged,
        n=n,
        tuning=None,
        pvalue_reference="t",
    )


def _lad_vertex(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray, resid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The basic LAD solution through the ``p`` cases nearest the IRLS fit, if no worse."""
    p = X.shape[1]
    basis = np.argpartition(np.abs(resid), p - 1)[:p]
    Xb = X[basis]
    if np.linalg.cond(Xb) > 1e10:
        return beta, resid
    vertex = np.linalg.solve(Xb, y[basis])
    r_vertex = y - X @ vertex
    if np.abs(r_vertex).sum() <= np.abs(resid).sum():
        return vertex, r_vertex
    return beta, resid


# --------------------------------------------------------------------------- comparison


def compare_ols_robust(ols, robust: RobustResult) -> pd.DataFrame:
    """OLS and robust coefficients side by side.

    Parameters
    ----------
    ols
        An OLS result with ``params`` and ``bse`` indexed by term (from
        ``smekit.analysis.ols.fit_ols``).
    robust
        A :class:`RobustResult` on the same design.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``term, ols_coef, ols_se, robust_coef, robust_se,
        diff`` (robust minus OLS) and ``diff_in_se`` (``diff`` divided by the OLS
        standard error).
    """
    ols_params = _as_series(ols.params, robust.params.index, "OLS params")
    ols_bse = _as_series(ols.bse, robust.params.index, "OLS standard errors")
    terms = list(robust.params.index)
    missing = [t for t in terms if t not in ols_params.index]
    if missing:
        raise ModelError(
            f"the OLS and robust fits have different terms (OLS lacks {missing})",
            fix="fit both on the same design",
        )
    oc = ols_params.loc[terms].to_numpy(dtype=np.float64)
    os_ = ols_bse.loc[terms].to_numpy(dtype=np.float64)
    rc = robust.params.to_numpy()
    diff = rc - oc
    return pd.DataFrame(
        {
            "term": terms,
            "ols_coef": oc,
            "ols_se": os_,
            "robust_coef": rc,
            "robust_se": robust.bse.to_numpy(),
            "diff": diff,
            "diff_in_se": diff / os_,
        }
    )


def _as_series(values, index: pd.Index, what: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, dict):
        return pd.Series(values)
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size != len(index):
        raise ModelError(f"{what} have {arr.size} values but the robust fit has {len(index)}")
    return pd.Series(arr, index=index)
