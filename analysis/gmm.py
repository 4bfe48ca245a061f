"""Dynamic-panel GMM: Arellano-Bond difference GMM and Blundell-Bond system GMM.

Own code: the only Python implementation, pydynpd, fails on NumPy >= 2.4, and
linearmodels has no dynamic-panel GMM. The estimator reproduces R plm's ``pgmm``
(checked on the Arellano-Bond employment data in
``tests/analysis/gmm/test_gmm_reference.py``).

Estimator
---------
With the stacked moment conditions ``E[Z_i' u_i] = 0`` of
:mod:`smekit.analysis.gmm_instruments` (``u_i = y_i - X_i b``):

* one step: ``b1 = (X'Z A1 Z'X)^-1 X'Z A1 Z'y`` with ``A1 = (sum_i Z_i' H Z_i)^-1``,
  ``H`` the covariance of the transformed errors under i.i.d. errors (2 on the
  diagonal and -1 next to it for differences; in system GMM the "full" matrix
  with the difference-level covariances, pgmm's ``fsm = "full"``);
* two step: ``b2`` with ``A2 = (sum_i Z_i' e1_i e1_i' Z_i)^-1`` from the one-step
  residuals ``e1``;
* robust one-step covariance ``B1 X'Z A1 A2^-1 A1 Z'X B1`` with
  ``B1 = (X'Z A1 Z'X)^-1``; Windmeijer's (2005) finite-sample corrected two-step
  covariance ``V = B2 + D B2 + B2 D' + D V1r D'``, column ``k`` of ``D`` being
  ``B2 X'Z A2 [sum_i Z_i'(x_ik e1_i' + e1_i x_ik') Z_i] A2 Z'e2``.

Tests
-----
* Arellano-Bond AR(m) (AB 1991, eq. 8) on the differenced residuals, with the
  model's robust covariance (as ``summary.pgmm``).
* Hansen ``J = (Z'e)' A2 (Z'e)``, chi-square with ``L - K`` df (pgmm's
  ``sargan(, "twosteps")``, the statistic AB 1991 call Sargan for two-step).
* Sargan (not robust): the one-step criterion ``(Z'e1)' (sum Z_i'HZ_i)^-1 (Z'e1) / s2``,
  ``s2 = sum e1^2 / sum tr(H)`` over the rows used.
* Difference-in-Hansen for each instrument group (re-estimated without the
  group, Roodman 2009, section 2.4).

References
----------
Arellano, M., & Bond, S. (1991). *Review of Economic Studies*, 58(2), 277-297.
Blundell, R., & Bond, S. (1998). *Journal of Econometrics*, 87(1), 115-143.
Windmeijer, F. (2005). A finite sample correction for the variance of linear
efficient two-step GMM estimators. *Journal of Econometrics*, 126(1), 25-51.
Roodman, D. (2009). How to do xtabond2. *The Stata Journal*, 9(1), 86-136.
Croissant, Y., & Millo, G. (2008). *Journal of Statistical Software*, 27(2) (plm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.gmm_instruments import GmmDesign, build_design
from smekit.analysis.panel_common import EstimatesView
from smekit.core.errors import ModelError

__all__ = ["GmmResult", "GmmTest", "dynamic_gmm", "fit_design"]


@dataclass(frozen=True)
class GmmTest:
    """A test statistic with its reference distribution's df and p-value."""

    stat: float
    p: float
    df: float | None = None

    def to_dict(self, key: str = "stat") -> dict[str, Any]:
        out: dict[str, Any] = {key: _f(self.stat), "p": _f(self.p)}
        if self.df is not None:
            out["df"] = int(self.df)
        return out


def _f(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class GmmResult(EstimatesView):
    """A fitted dynamic-panel GMM model.

    Attributes
    ----------
    estimates
        Coefficients with robust SEs (Windmeijer for two-step), z reference.
    bse_nonrobust
        Conventional SEs (``B1 s2`` one-step, ``B2`` two-step).
    ar1, ar2
        Arellano-Bond tests (``stat`` is the z value).
    hansen, sargan
        Overidentification tests with ``L - K`` df.
    diff_hansen
        Frame: group, n_columns, hansen_excluding, df_excluding, difference, df, p.
    n_instruments, n_obs, n_units
        Instrument columns; observations (difference rows for difference GMM,
        level rows for system GMM, as xtabond2); units.
    """

    estimates: Estimates
    bse_nonrobust: pd.Series
    ar1: GmmTest
    ar2: GmmTest | None
    hansen: GmmTest
    sargan: GmmTest
    diff_hansen: pd.DataFrame
    n_instruments: int
    n_obs: int
    n_rows: int
    n_units: int
    transform: str
    steps: int
    warnings: list[str] = field(default_factory=list)
    step1_params: pd.Series | None = None

    def to_dict(self) -> dict[str, Any]:
        e = self.estimates.to_dict()
        return {
            "params": e["params"],
            "bse": e["bse"],
            "bse_nonrobust": {k: _f(v) for k, v in self.bse_nonrobust.items()},
            "pvalues": e["pvalues"],
            "conf_int": e["conf_int"],
            "cov_type": self.estimates.cov_type,
            "ar1": self.ar1.to_dict("z"),
            "ar2": self.ar2.to_dict("z") if self.ar2 is not None else None,
            "hansen": self.hansen.to_dict(),
            "sargan": self.sargan.to_dict(),
            "diff_hansen": [
                {k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.diff_hansen.to_dict("records")
            ],
            "n_instruments": self.n_instruments,
            "n_obs": self.n_obs,
            "n_units": self.n_units,
            "transform": self.transform,
            "steps": self.steps,
            "warnings": list(self.warnings),
        }


def _inv(a: np.ndarray, what: str, notes: list[str]) -> np.ndarray:
    a = (a + a.T) / 2.0
    w = np.linalg.eigvalsh(a)
    if w.min() < 1e-9 * max(abs(w.max()), 1.0):
        notes.append(f"the {what} is singular; a generalised inverse is used")
        return np.linalg.pinv(a, hermitian=True)
    return np.linalg.inv(a)


def _h_matrix(d: GmmDesign) -> np.ndarray:
    """Covariance of the transformed errors under i.i.d. errors (pgmm's ``G`` / ``full``)."""
    nd, R = d.n_diff, d.y.shape[1]
    H = np.zeros((R, R))
    idx = np.arange(nd)
    H[idx, idx] = 2.0
    H[idx[:-1], idx[:-1] + 1] = -1.0
    H[idx[:-1] + 1, idx[:-1]] = -1.0
    if d.system:
        nl = R - nd
        H[nd + np.arange(nl), nd + np.arange(nl)] = 1.0
        # difference row r is period TL1 + r; level row j is period TL2 + j = TL1 - 1 + j
        for r in range(nd):
            H[r, nd + r + 1] = H[nd + r + 1, r] = 1.0  # same period
            H[r, nd + r] = H[nd + r, r] = -1.0  # previous period
    return H


@dataclass(frozen=True)
class _Fit:
    b1: np.ndarray
    b: np.ndarray
    e1: np.ndarray
    e: np.ndarray
    A1: np.ndarray
    A2: np.ndarray
    S1: np.ndarray
    B1: np.ndarray
    B: np.ndarray
    V: np.ndarray
    Vnr: np.ndarray
    ZX: np.ndarray
    Ze: np.ndarray
    J: float
    s2: float


def _td(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_i a_i' b_i`` over units and rows (``a``: N x R x p, ``b``: N x R [x q])."""
    return np.tensordot(a, b, axes=([0, 1], [0, 1]))


def _solve(Z, X, y, H, used, steps: int, notes: list[str]) -> _Fit:
    ZX = _td(Z, X)
    Zy = _td(Z, y)
    HZ = np.matmul(H, Z)
    A1 = _inv(_td(Z, HZ), "one-step weighting matrix", notes)
    B1 = _inv(ZX.T @ A1 @ ZX, "one-step X'Z A1 Z'X", notes)
    b1 = B1 @ (ZX.T @ A1 @ Zy)
    e1 = y - X @ b1
    g1 = np.matmul(e1[:, None, :], Z)[:, 0, :]  # N x L: Z_i' e1_i
    S1 = g1.T @ g1
    A2 = _inv(S1, "two-step weighting matrix", notes)
    V1r = B1 @ ZX.T @ A1 @ S1 @ A1 @ ZX @ B1
    tr = float((np.diag(H)[None, :] * used).sum())
    s2 = float((e1**2).sum() / tr)
    if steps == 1:
        b, e, B = b1, e1, B1
        V = V1r
        Vnr = B1 * s2
    else:
        B2 = _inv(ZX.T @ A2 @ ZX, "two-step X'Z A2 Z'X", notes)
        b = B2 @ (ZX.T @ A2 @ Zy)
        e = y - X @ b
        right = A2 @ _td(Z, e)  # L
        Ax = np.matmul(Z.transpose(0, 2, 1), X)  # N x L x K: Z_i' x_ik
        u = g1 @ right  # N: e1_i' Z_i A2 Z'e2
        v = np.einsum("nlk,l->nk", Ax, right)  # N x K: x_ik' Z_i A2 Z'e2
        # column k of S_k A2 Z'e2 with S_k = sum_i Z_i'(x_ik e1_i' + e1_i x_ik')Z_i
        SkR = np.einsum("nlk,n->lk", Ax, u) + g1.T @ v
        D = B2 @ ZX.T @ A2 @ SkR
        V = B2 + D @ B2 + B2 @ D.T + D @ V1r @ D.T
        B, Vnr = B2, B2
    Ze = _td(Z, e)
    J = float(Ze @ A2 @ Ze)
    return _Fit(b1, b, e1, e, A1, A2, S1, B1, B, V, Vnr, ZX, Ze, J, s2)


def _ar_test(fit: _Fit, Z, X, nd: int, order: int, steps: int) -> GmmTest | None:
    """Arellano-Bond (1991) m-statistic of order ``order`` on the differenced residuals."""
    if nd <= order:
        return None
    e = np.zeros_like(fit.e)
    e[:, :nd] = fit.e[:, :nd]
    el = np.zeros_like(e)
    el[:, order:nd] = fit.e[:, : nd - order]
    A = fit.A1 if steps == 1 else fit.A2
    num = float((e * el).sum())
    c = (e * el).sum(axis=1)  # e_i' el_i
    EVE = float((c**2).sum())
    EX = _td(X, el)
    ZVE = _td(Z, e * c[:, None])
    denom = EVE - 2.0 * EX @ fit.B @ fit.ZX.T @ A @ ZVE + EX @ fit.V @ EX
    if not denom > 0:
        return GmmTest(float("nan"), float("nan"))
    z = num / math.sqrt(denom)
    return GmmTest(z, float(2.0 * stats.norm.sf(abs(z))))


def fit_design(d: GmmDesign, *, steps: Literal[1, 2] = 2, diff_hansen: bool = True) -> GmmResult:
    """Estimate a :class:`~smekit.analysis.gmm_instruments.GmmDesign` (see :func:`dynamic_gmm`).

    The matrices are small (instruments x instruments), so BLAS runs on one
    thread here: on a loaded machine a multi-threaded BLAS is many times slower
    on them.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_design(d, steps=steps, diff_hansen=diff_hansen)


def _fit_design(d: GmmDesign, *, steps: int, diff_hansen: bool) -> GmmResult:
    if steps not in (1, 2):
        raise ModelError(f"steps must be 1 or 2, got {steps}")
    notes = list(d.notes)
    H = _h_matrix(d)
    L = d.Z.shape[2]
    K = d.X.shape[2]
    if L < K:
        raise ModelError(
            f"{L} instruments for {K} parameters: the model is not identified",
            fix="add GMM lags or IV-style instruments",
        )
    fit = _solve(d.Z, d.X, d.y, H, d.used, steps, notes)
    df = L - K
    hansen = GmmTest(fit.J, float(stats.chi2.sf(fit.J, df)) if df > 0 else float("nan"), df)
    # Sargan: one-step criterion with the homoskedastic weight
    g1 = _td(d.Z, fit.e1)
    sg = float(g1 @ fit.A1 @ g1 / fit.s2)
    sargan = GmmTest(sg, float(stats.chi2.sf(sg, df)) if df > 0 else float("nan"), df)
    ar1 = _ar_test(fit, d.Z, d.X, d.n_diff, 1, steps)
    ar2 = _ar_test(fit, d.Z, d.X, d.n_diff, 2, steps)
    rows = []
    if diff_hansen and df > 0:
        groups = list(dict.fromkeys(d.groups))
        if d.system:
            lev = [g for g in groups if g.startswith("gmm_level:")]
            if len(lev) > 1:
                groups.append("gmm_level:*")
        for g in groups:
            if g == "gmm_level:*":
                drop = np.array([x.startswith("gmm_level:") for x in d.groups])
                label = "GMM instruments for levels"
            else:
                drop = np.array([x == g for x in d.groups])
                label = g
            keep = ~drop
            if keep.sum() <= K:
                continue
            sub = _solve(d.Z[:, :, keep], d.X, d.y, H, d.used, steps, [])
            dfx = int(keep.sum()) - K
            diff = fit.J - sub.J
            ddf = int(drop.sum())
            rows.append(
                {
                    "group": label,
                    "n_columns": ddf,
                    "hansen_excluding": sub.J,
                    "df_excluding": dfx,
                    "difference": diff,
                    "df": ddf,
                    "p": float(stats.chi2.sf(diff, ddf)) if diff >= 0 else float("nan"),
                }
            )
    dh = pd.DataFrame(
        rows,
        columns=[
            "group",
            "n_columns",
            "hansen_excluding",
            "df_excluding",
            "difference",
            "df",
            "p",
        ],
    )
    n_units = int(d.used.any(axis=1).sum())
    if L > n_units:
        notes.append(
            f"{L} instruments exceed the {n_units} units: the Hansen test is weakened and "
            "two-step estimates are biased towards OLS (Roodman 2009); collapse the "
            "instruments or shorten the lag range"
        )
    n_obs = int(d.used[:, d.n_diff :].sum()) if d.system else int(d.used[:, : d.n_diff].sum())
    cov = "windmeijer" if steps == 2 else "robust"
    bse = np.sqrt(np.clip(np.diag(fit.V), 0, None))
    est = Estimates(
        pd.Series(fit.b, index=d.names),
        pd.Series(bse, index=d.names),
        "z",
        None,
        cov_type=cov,
        nobs=n_obs,
        stats={
            "Units": n_units,
            "Instruments": L,
            "AR(1) p": ar1.p if ar1 else float("nan"),
            "AR(2) p": ar2.p if ar2 else float("nan"),
            "Hansen p": hansen.p,
        },
    )
    return GmmResult(
        estimates=est,
        bse_nonrobust=pd.Series(np.sqrt(np.clip(np.diag(fit.Vnr), 0, None)), index=d.names),
        ar1=ar1,
        ar2=ar2,
        hansen=hansen,
        sargan=sargan,
        diff_hansen=dh,
        n_instruments=L,
        n_obs=n_obs,
        n_rows=int(d.used.sum()),
        n_units=n_units,
        transform="system" if d.system else "difference",
        steps=steps,
        warnings=notes,
        step1_params=pd.Series(fit.b1, index=d.names),
    )


def dynamic_gmm(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    formula: str,
    gmm: str,
    *,
    iv: str | None = None,
    transform: Literal["difference", "system"] = "difference",
    steps: Literal[1, 2] = 2,
    time_effects: bool = True,
    collapse: bool = False,
    diff_hansen: bool = True,
    source: str | None = None,
) -> GmmResult:
    """Arellano-Bond difference GMM or Blundell-Bond system GMM, one or two steps.

    Parameters
    ----------
    frame
        Long panel (one row per unit and period; unbalanced panels and gaps are
        allowed, duplicated unit-period rows are an error).
    unit, time
        Identifier columns.
    formula
        ``"y ~ L(1:2).y + L(0:1).w + k"``; terms are named ``L1.y``, ``L2.y``, ``w``,
        ``L1.w``, ``k``.
    gmm
        GMM-style instruments by lag range: ``"L(2:).y"`` (all lags from 2),
        ``"L(2:4).y L(1:).w"``.
    iv
        IV-style instruments; default every regressor that is not a GMM variable.
    transform
        ``"difference"`` or ``"system"``.
    steps
        1 (robust SEs) or 2 (Windmeijer-corrected SEs).
    time_effects
        Period dummies ``time_<period>`` (pgmm's ``effect = "twoways"``).
    collapse
        Collapse the GMM-style instruments to one column per lag.
    diff_hansen
        Compute difference-in-Hansen tests by instrument group.

    Returns
    -------
    GmmResult

    Notes
    -----
    When the instruments outnumber the units, the result carries a warning
    (Roodman 2009: too many instruments overfit the endogenous variables and
    weaken the Hansen test). Singular weighting matrices are inverted by a
    generalised inverse, with a warning (as pgmm).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(60):
    ...     a, y = rng.normal(), 0.0
    ...     for t in range(8):
    ...         y = 0.5 * y + a + rng.normal()
    ...         rows.append((i, t, y))
    >>> d = pd.DataFrame(rows, columns=["id", "t", "y"])
    >>> r = dynamic_gmm(d, "id", "t", "y ~ L.y", "L(2:).y", time_effects=False)
    >>> r.params.index.tolist(), r.n_units, r.n_obs
    (['L1.y'], 60, 360)
    >>> bool(abs(r.params["L1.y"] - 0.5) < 2 * r.bse["L1.y"])
    True
    """
    if transform not in ("difference", "system"):
        raise ModelError(f"transform must be 'difference' or 'system', got {transform!r}")
    d = build_design(
        frame,
        unit,
        time,
        formula,
        gmm,
        iv=iv,
        system=transform == "system",
        time_effects=time_effects,
        collapse=collapse,
        source=source,
    )
    return fit_design(d, steps=steps, diff_hansen=diff_hansen)
