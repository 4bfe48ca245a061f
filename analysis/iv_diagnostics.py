"""First-stage and weak-instrument diagnostics of 2SLS, and overidentification tests.

First-stage regressions with partial R² and the excluded-instrument F; the
Anderson (1951) canonical-correlation LM, Cragg-Donald (1993) Wald F and
Kleibergen-Paap (2006) rk Wald F; Sargan's and Hansen's J overidentification
tests. Formulas, notation and references are in :mod:`smekit.analysis.iv`,
whose :func:`~smekit.analysis.iv.fit_iv` reports them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.lstsq import lstsq
from smekit.core.errors import ModelError

__all__ = ["FirstStage"]

_TINY = 1e-10


@dataclass(frozen=True)
class FirstStage:
    """First-stage regressions and identification statistics.

    Attributes
    ----------
    estimates
        Endogenous regressor -> its first-stage :class:`Estimates`.
    partial_r2, f, f_pvalue
        Endogenous regressor -> partial R², excluded-instrument F and its p-value.
    f_df
        ``(L2, denominator df)`` of the F tests.
    anderson_lm, anderson_df, anderson_pvalue
        Anderson canonical-correlation LM statistic, df and p-value.
    cragg_donald_f, kleibergen_paap_f
        Weak-identification F statistics.
    canonical_correlations
        Squared canonical correlations of ``Ỹ2`` and ``Z̃2``, descending.
    """

    estimates: dict[str, Estimates]
    partial_r2: dict[str, float]
    f: dict[str, float]
    f_pvalue: dict[str, float]
    f_df: tuple[int, float]
    anderson_lm: float
    anderson_df: int
    anderson_pvalue: float
    cragg_donald_f: float
    kleibergen_paap_f: float
    canonical_correlations: list[float]

    def to_frame(self) -> pd.DataFrame:
        """One row per endogenous regressor and first-stage term."""
        parts = [e.to_frame().assign(endogenous=k) for k, e in self.estimates.items()]
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        one = len(self.partial_r2) == 1

        def pick(d: dict[str, float]) -> Any:
            return next(iter(d.values())) if one else dict(d)

        return {
            "partial_r2": pick(self.partial_r2),
            "f": pick(self.f),
            "f_pvalue": pick(self.f_pvalue),
            "f_df": list(self.f_df),
            "cragg_donald_f": self.cragg_donald_f,
            "kleibergen_paap_f": self.kleibergen_paap_f,
            "anderson_lm": self.anderson_lm,
            "anderson_lm_df": self.anderson_df,
            "anderson_lm_pvalue": self.anderson_pvalue,
            "canonical_correlations_sq": self.canonical_correlations,
            "coefficients": {k: e.to_dict() for k, e in self.estimates.items()},
        }


# -- pieces --------------------------------------------------------------------------------
def _resid(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Columns of ``A`` with ``X`` partialled out (least squares residuals)."""
    if X.shape[1] == 0:
        return A.copy()
    return np.column_stack([lstsq(X, A[:, j]).resid for j in range(A.shape[1])])


def _meat(scores: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    if clusters is None:
        return scores.T @ scores
    s = np.zeros((clusters.max() + 1, scores.shape[1]))
    np.add.at(s, clusters, scores)
    return s.T @ s


def _kp_rk(
    Yt: np.ndarray,
    Zt: np.ndarray,
    V: np.ndarray,
    clusters: np.ndarray | None,
    *,
    homoskedastic: bool = False,
) -> float:
    """Kleibergen-Paap rk Wald statistic for ``rank(Π) = K2 - 1``.

    ``homoskedastic=True`` uses ``cov(vec Π̂) = (V'V/N) ⊗ (Z̃'Z̃)^{-1}``, under which the
    statistic equals the Cragg-Donald Wald statistic ``N r_min² / (1 - r_min²)``.
    """
    n, k2 = Yt.shape
    l2 = Zt.shape[1]
    zz = Zt.T @ Zt
    zz_inv = np.linalg.inv(zz)
    pi = zz_inv @ Zt.T @ Yt  # L2 x K2
    # covariance of vec(pi) (column-major): (I ⊗ zz^-1) meat (I ⊗ zz^-1)
    scores = np.einsum("ik,il->ikl", V, Zt).reshape(n, k2 * l2)
    bread = np.kron(np.eye(k2), zz_inv)
    if homoskedastic:
        cov = np.kron(V.T @ V / n, zz_inv)
    else:
        cov = bread @ _meat(scores, clusters) @ bread
    F = np.linalg.cholesky(zz / n).T  # F'F = zz / n
    G = np.linalg.cholesky(V.T @ V / n).T  # G'G = Y'M_Z Y / n
    G_inv = np.linalg.inv(G)
    theta = F @ pi @ G_inv
    U, _, Vt = np.linalg.svd(theta)
    Vm = Vt.T
    q = k2 - 1
    U12, U22 = U[:q, q:], U[q:, q:]
    V12, V22 = Vm[:q, q:], Vm[q:, q:]
    sq = scipy.linalg.sqrtm
    A = np.vstack([U12, U22]) @ np.linalg.inv(U22) @ np.real(sq(U22 @ U22.T))
    B = np.real(sq(V22 @ V22.T)) @ np.linalg.inv(V22.T) @ np.hstack([V12.T, V22.T])
    lam = A.T @ theta @ B.T
    T = np.kron(G_inv.T, F)  # vec(theta) = T vec(pi)
    K = np.kron(B, A.T)
    omega = K @ T @ cov @ T.T @ K.T
    v = lam.reshape(-1, order="F")
    return float(v @ np.linalg.solve(omega, v))


def _wald_f(b: np.ndarray, cov: np.ndarray) -> float:
    return float(b @ np.linalg.solve(cov, b)) / len(b)


# -- first stage ---------------------------------------------------------------------------
def _first_stage(
    X1: np.ndarray,
    Y2: np.ndarray,
    Z2: np.ndarray,
    spec: Any,
    exog_names: list[str],
    *,
    kind: str,
    clusters: np.ndarray | None,
    n_clusters: int | None,
    dof: int,
    k_fe_nonnested: int,
    alpha: float,
    source: str | None,
) -> FirstStage:
    """First-stage regressions, partial R², excluded-instrument F and identification tests.

    ``kind`` is the covariance of the first-stage F (``"classical"``, ``"HC1"`` or
    ``"cluster"``); ``dof`` is ``N - L - k_FE``. Anderson LM, Cragg-Donald and
    Kleibergen-Paap statistics follow the formulas of :mod:`smekit.analysis.iv`.
    """
    n = X1.shape[0]
    L = X1.shape[1] + Z2.shape[1]
    k2, l2 = Y2.shape[1], Z2.shape[1]
    W = np.column_stack([X1, Z2])
    wnames = [*exog_names, *spec.instruments]
    first: dict[str, Estimates] = {}
    pr2: dict[str, float] = {}
    fstat: dict[str, float] = {}
    fp: dict[str, float] = {}
    Yt = _resid(Y2, X1)
    fdf = (l2, float(n_clusters - 1) if clusters is not None else float(dof))
    V = np.empty_like(Y2)
    for j, name in enumerate(spec.endog):
        fit = lstsq(W, Y2[:, j], names=wnames)
        V[:, j] = fit.resid
        ssr_r = float(Yt[:, j] @ Yt[:, j])
        if ssr_r <= _TINY * (1 + float(Y2[:, j] @ Y2[:, j])):
            raise ModelError(f"endogenous regressor {name!r} is constant after partialling out")
        pr2[name] = 1.0 - fit.ssr / ssr_r
        xtx_inv = fit.xtx_inv
        if kind == "classical":
            cov = fit.ssr / dof * xtx_inv
        else:
            meat = _meat(W * fit.resid[:, None], clusters)
            cov = xtx_inv @ meat @ xtx_inv
            if kind == "cluster":
                g = n_clusters
                cov *= g / (g - 1) * (n - 1) / (n - L - k_fe_nonnested)
            else:
                cov *= n / dof
        zi = np.arange(X1.shape[1], L)
        fstat[name] = _wald_f(fit.coef[zi], cov[np.ix_(zi, zi)])
        fp[name] = float(stats.f.sf(fstat[name], fdf[0], fdf[1]))
        first[name] = Estimates(
            pd.Series(fit.coef, index=wnames),
            pd.Series(np.sqrt(np.diag(cov)), index=wnames),
            "t",
            fdf[1],
            cov_type=kind,
            nobs=n,
            stats={"Partial R²": pr2[name], "F (excluded)": fstat[name]},
            alpha=alpha,
        )
    if min(pr2.values()) < 1e-12:
        worst = min(pr2, key=pr2.get)
        raise ModelError(
            f"the excluded instruments {spec.instruments} do not move {worst!r} at all "
            f"(partial R² = {pr2[worst]:.2g}): the IV estimate is not identified",
            fix="use an instrument correlated with the endogenous regressor",
            where=source,
        )
    Zt = _resid(Z2, X1)
    # canonical correlations: eig of (Yt'Yt)^-1 Yt' P Yt
    PYt = np.column_stack([lstsq(Zt, Yt[:, j]).coef for j in range(k2)])
    PYt = Zt @ PYt
    cc2 = np.sort(np.real(np.linalg.eigvals(np.linalg.solve(Yt.T @ Yt, Yt.T @ PYt))))[::-1]
    cc2 = np.clip(cc2, 0.0, 1.0)
    rmin = float(cc2[-1])
    anderson = n * rmin
    a_df = l2 - k2 + 1
    cd_f = dof / l2 * rmin / (1.0 - rmin) if rmin < 1 else float("inf")
    rk = _kp_rk(Yt, Zt, V, clusters)
    if clusters is not None:
        # absorbed effects nested in the clusters are not counted (as in the clustered F)
        kp_f = rk / (n - 1) * (n - L - k_fe_nonnested) * (n_clusters - 1) / n_clusters / l2
    else:
        kp_f = rk / n * dof / l2
    return FirstStage(
        first,
        pr2,
        fstat,
        fp,
        fdf,
        float(anderson),
        a_df,
        float(stats.chi2.sf(anderson, a_df)),
        float(cd_f),
        float(kp_f),
        [float(c) for c in cc2],
    )


# -- overidentification -----------------------------------------------------------------
def _overid(
    classical_fit: Any,
    dep: pd.Series,
    ex: pd.DataFrame | None,
    en: pd.DataFrame,
    ins: pd.DataFrame,
    clusters: np.ndarray | None,
) -> dict[str, dict[str, float]]:
    """Sargan's test of the 2SLS fit and Hansen's J of two-step efficient GMM."""
    from linearmodels.iv import IVGMM

    s = classical_fit.sargan
    wcfg = {"clusters": pd.Series(clusters)} if clusters is not None else {}
    wtype = "clustered" if clusters is not None else "robust"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = IVGMM(dep, ex, en, ins, weight_type=wtype, **wcfg).fit(cov_type=wtype, **wcfg)
    return {
        "sargan": {"stat": float(s.stat), "df": int(s.df), "p": float(s.pval)},
        "hansen": {
            "stat": float(g.j_stat.stat),
            "df": int(g.j_stat.df),
            "p": float(g.j_stat.pval),
        },
    }
