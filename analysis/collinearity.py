"""Collinearity diagnostics: variance inflation factors and condition numbers.

References
----------
Marquardt, D. W. (1970). Generalized inverses, ridge regression, biased linear
estimation, and nonlinear estimation. *Technometrics*, 12(3), 591-612.
Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression diagnostics:
Identifying influential data and sources of collinearity*. Wiley, chapter 3.
Fox, J., & Monette, G. (1992). Generalized collinearity diagnostics. *JASA*,
87(417), 178-183 (the definition used by R's ``car::vif``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from smekit.analysis.design import INTERCEPT, Design
from smekit.analysis.lstsq import aliased_columns
from smekit.analysis.ols import OLSResult
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.core.errors import ModelError

__all__ = ["CollinearityResult", "collinearity"]

_CHUNK_ROWS = 65_536


@dataclass(frozen=True, eq=False)
class CollinearityResult:
    """Variance inflation factors and condition numbers of a design.

    Attributes
    ----------
    vif
        Variance inflation factor per predictor (intercept excluded).
    tolerance
        ``1 / vif``.
    centred
        True when VIFs are the usual centred ones (model with an intercept);
        False for the uncentred definition used without an intercept.
    condition_number
        Belsley-Kuh-Welsch condition number: ratio of the largest to the
        smallest singular value of ``X`` (intercept included) with every column
        scaled to unit length, i.e. R's ``kappa(X %*% diag(1/sqrt(colSums(X^2))),
        exact = TRUE)``. Above 30 signals harmful collinearity (BKW 1980).
    condition_indices
        ``s_max / s_i`` for each singular value of the scaled ``X``, largest first.
    condition_number_raw
        The same ratio for the unscaled ``X``: the convention of statsmodels'
        ``RegressionResults.condition_number`` and R's ``kappa(X, exact = TRUE)``;
        it depends on the units of the variables.
    """

    vif: pd.Series
    tolerance: pd.Series
    centred: bool
    condition_number: float
    condition_indices: pd.Series
    condition_number_raw: float

    @property
    def flags(self) -> pd.Series:
        """``"vif>10"``, ``"vif>5"`` or ``""`` per predictor."""
        return pd.Series(
            np.where(self.vif > 10, "vif>10", np.where(self.vif > 5, "vif>5", "")),
            index=self.vif.index,
        )

    @property
    def verdict(self) -> str:
        """Plain-language reading of the VIFs."""
        high = [str(t) for t in self.vif.index[self.vif > 10]]
        moderate = [str(t) for t in self.vif.index[(self.vif > 5) & (self.vif <= 10)]]
        worst = float(self.vif.max())
        if high:
            return (
                f"Severe collinearity: VIF > 10 for {', '.join(high)}; their coefficients "
                "are unstable; combine or drop overlapping predictors"
            )
        if moderate:
            return (
                f"Moderate collinearity: VIF > 5 for {', '.join(moderate)}; "
                "interpret their separate effects with care"
            )
        return f"No collinearity problem (largest VIF {worst:.2f})"

    def to_frame(self) -> pd.DataFrame:
        """One row per predictor: term, vif, tolerance, flag."""
        return pd.DataFrame(
            {
                "term": [str(t) for t in self.vif.index],
                "vif": self.vif.to_numpy(),
                "tolerance": self.tolerance.to_numpy(),
                "flag": self.flags.to_numpy(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """``vif`` and ``tolerance`` keyed by term, condition numbers and flags."""
        return {
            "vif": {str(t): _jsonable(v) for t, v in self.vif.items()},
            "tolerance": {str(t): _jsonable(v) for t, v in self.tolerance.items()},
            "centred": bool(self.centred),
            "condition_number": _jsonable(self.condition_number),
            "condition_number_raw": _jsonable(self.condition_number_raw),
            "flagged_gt_5": [str(t) for t in self.vif.index[self.vif > 5]],
            "flagged_gt_10": [str(t) for t in self.vif.index[self.vif > 10]],
        }


def _cross_product(X: np.ndarray, cols: list[int], center: np.ndarray | None) -> np.ndarray:
    """``Xc'Xc`` over the chosen columns, accumulated in row chunks."""
    p = len(cols)
    out = np.zeros((p, p))
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        block = X[start : start + _CHUNK_ROWS, cols]
        if center is not None:
            block = block - center
        out += block.T @ block
    return out


def collinearity(model: Design | OLSResult) -> CollinearityResult:
    """Variance inflation factors, tolerances and condition numbers.

    With an intercept, ``VIF_j = [R^-1]_jj`` where ``R`` is the correlation
    matrix of the predictors: the closed form of ``1 / (1 - R_j^2)`` from the
    regression of predictor ``j`` on the others (Marquardt, 1970). This equals
    R's ``car::vif(model)`` for one-column terms and
    ``statsmodels.stats.outliers_influence.variance_inflation_factor(X, j)``
    with ``X`` holding the constant. Without an intercept the uncentred
    definition is used (cosines instead of correlations, i.e. ``R_j^2`` from
    the regression through the origin), as ``variance_inflation_factor(X, j,
    standardize=False)`` does for a design without a constant.

    The cross-products are accumulated in row chunks after centring, so no
    auxiliary regression is run and memory stays ``O(k^2)`` beyond ``X``.
    Condition numbers come from the singular values of the ``R`` factor of
    ``X`` (taken from the fit when an :class:`OLSResult` is given).

    Parameters
    ----------
    model
        A design, or a fitted model (whose ``R`` factor is reused).

    Returns
    -------
    CollinearityResult

    Raises
    ------
    ModelError
        If the model has no predictor besides the intercept, a predictor is
        constant, or predictors are perfectly collinear.
    """
    if isinstance(model, OLSResult):
        design, r = model.design, model.r_factor
    else:
        design, r = model, None
    names = list(design.names)
    X = design.X
    centred = INTERCEPT in names
    cols = [j for j, nm in enumerate(names) if nm != INTERCEPT]
    if not cols:
        raise ModelError(
            "collinearity diagnostics need at least one predictor besides the intercept",
            where=design.formula,
        )
    if not np.isfinite(X).all():
        raise ModelError("the design has infinite values", where=design.formula)
    if r is None:
        r = design.r_aug[: design.k, : design.k]
    center = X[:, cols].mean(axis=0) if centred else None
    cp = _cross_product(X, cols, center)
    diag = np.diag(cp).copy()
    for j, d in zip(cols, diag, strict=True):
        if d <= 0.0:
            raise ModelError(
                f"predictor '{names[j]}' is constant",
                where=design.formula,
                fix="drop it from the formula",
            )
    aliased = aliased_columns(r)  # the engine's rank rule
    if aliased:
        raise ModelError(
            f"predictor '{names[aliased[0]]}' is perfectly collinear with earlier terms, "
            "so variance inflation factors are infinite",
            where=design.formula,
            fix="drop a predictor that is a combination of the others",
        )
    scale = 1.0 / np.sqrt(diag)
    corr = cp * scale[:, None] * scale[None, :]
    try:
        factor = scipy.linalg.cho_factor(corr, lower=True, check_finite=False)
        inv = scipy.linalg.cho_solve(factor, np.eye(len(cols)), check_finite=False)
    except np.linalg.LinAlgError:
        inv = None
    if inv is None or not np.all(np.diag(inv) > 0) or not np.isfinite(inv).all():
        raise ModelError(
            "predictors are perfectly collinear, so variance inflation factors are infinite",
            where=design.formula,
            fix="drop a predictor that is a combination of the others",
        )
    vif_values = np.diag(inv).copy()
    index = pd.Index([names[j] for j in cols], dtype=object)
    vif = pd.Series(vif_values, index=index)

    col_norm = np.sqrt((r * r).sum(axis=0))
    sv_raw = scipy.linalg.svdvals(r, check_finite=False)
    sv_scaled = scipy.linalg.svdvals(r / col_norm, check_finite=False)
    with np.errstate(divide="ignore"):
        indices = sv_scaled[0] / sv_scaled
        cond_raw = float(sv_raw[0] / sv_raw[-1])
    return CollinearityResult(
        vif=vif,
        tolerance=1.0 / vif,
        centred=centred,
        condition_number=float(indices[-1]),
        condition_indices=pd.Series(indices, index=pd.RangeIndex(1, len(indices) + 1)),
        condition_number_raw=cond_raw,
    )
