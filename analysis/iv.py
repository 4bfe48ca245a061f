"""Instrumental-variables 2SLS with first-stage and weak-instrument diagnostics.

The second stage is :class:`linearmodels.iv.IV2SLS` (classical, HC1 and
clustered covariances with the ``debiased`` small-sample scaling, as R
``AER::ivreg`` + ``sandwich`` and Stata ``ivregress ..., small``); Hansen's J
comes from :class:`linearmodels.iv.IVGMM`. The first-stage table and the
identification statistics are computed here with the shared least-squares
engine (:mod:`smekit.analysis.lstsq`), because no Python library reports them
all.

Notation: ``y`` outcome, ``X1`` exogenous regressors (with the constant, or
the absorbed fixed effects), ``Y2`` the ``K2`` endogenous regressors, ``Z2``
the ``L2`` excluded instruments, ``L`` = columns of ``[X1 Z2]``; a tilde marks
a variable with ``X1`` partialled out; ``N`` observations.

* **First stage** of each endogenous regressor on ``[X1 Z2]``; partial R²
  ``1 - SSR(Y2_j ~ X1 + Z2) / SSR(Y2_j ~ X1)``; the F test of the excluded
  instruments with the covariance the model uses (classical, HC1 or
  clustered), on ``(L2, N - L)`` df (``(L2, G - 1)`` clustered).
* **Anderson (1951) canonical-correlation LM**: ``N r_min²`` with ``r_min`` the
  smallest canonical correlation of ``Ỹ2`` and ``Z̃2``, ``χ²(L2 - K2 + 1)``
  under under-identification.
* **Cragg-Donald (1993) Wald F**: ``(N - L)/L2 · r_min² / (1 - r_min²)``, the
  minimum eigenvalue of the first-stage concentration matrix
  ``Σ_VV^{-1/2} Ỹ2'P_Z̃ Ỹ2 Σ_VV^{-1/2} / L2`` (Stock & Yogo 2005, eq. 3.9); with
  one endogenous regressor it equals the classical first-stage F.
* **Kleibergen-Paap (2006) rk Wald F**: the rank statistic for
  ``rank(Π) = K2 - 1`` with a heteroskedasticity- (or cluster-) robust
  covariance of ``vec(Π̂)``, normalised ``Θ = F Π̂ G^{-1}`` with
  ``F'F = Z̃2'Z̃2/N`` and ``G'G = Ỹ2'M_Z Ỹ2/N``, under which it reduces to the
  Cragg-Donald statistic with an i.i.d. covariance; in F form
  ``rk/N · (N - L)/L2`` (clustered ``rk/(N - 1) · (N - L) · (G - 1)/G / L2``),
  as ``ivreg2`` reports it; with absorbed effects ``N - L`` loses their
  levels, less those nested in the clusters when clustered. With one
  endogenous regressor it is the robust (clustered) first-stage Wald F.
* **Stock-Yogo** critical values (:mod:`smekit.analysis.stock_yogo`) for the
  Cragg-Donald F (and, customarily, the Kleibergen-Paap F).
* **Overidentification** (``L2 > K2``): Sargan's ``N R²`` of the 2SLS residuals
  on all instruments (i.i.d.) and Hansen's J of the two-step efficient GMM
  estimator (robust or clustered weight matrix), ``χ²(L2 - K2)``.

Fixed effects (``absorb``) are partialled out of every variable first
(Frisch-Waugh-Lovell holds for 2SLS when the effects are exogenous); the
classical and HC1 covariances are then rescaled by ``(N - K)/(N - K - k_FE)``
and the clustered one by ``(N - K)/(N - K - k_FE,non-nested)``, the fixest
convention of :mod:`smekit.analysis.panel_fe`.

References
----------
Anderson, T. W. (1951). Estimating linear restrictions on regression
coefficients for multivariate normal distributions. *Annals of Mathematical
Statistics*, 22, 327-351.
Cragg, J. G., & Donald, S. G. (1993). Testing identifiability and
specification in instrumental variable models. *Econometric Theory*, 9, 222-240.
Kleibergen, F., & Paap, R. (2006). Generalized reduced rank tests using the
singular value decomposition. *Journal of Econometrics*, 133(1), 97-126.
Stock, J. H., & Yogo, M. (2005). Testing for weak instruments in linear IV
regression. In Andrews & Stock (Eds.), *Identification and inference for
econometric models* (pp. 80-108). Cambridge University Press.
Baum, C. F., Schaffer, M. E., & Stillman, S. (2007). Enhanced routines for
instrumental variables/GMM estimation and testing. *Stata Journal*, 7(4), 465-506.
Sargan, J. D. (1958). The estimation of economic relationships using
instrumental variables. *Econometrica*, 26, 393-415. Hansen, L. P. (1982).
Large sample properties of generalized method of moments estimators.
*Econometrica*, 50, 1029-1054.
Stock, J. H., & Watson, M. W. (2007). *Introduction to econometrics* (2nd ed.),
ch. 12 (cigarette demand, the reference data of the tests).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.lstsq import check_rank, lstsq, qr_r
from smekit.analysis.stock_yogo import StockYogo, compare
from smekit.core.errors import DataError, ModelError

__all__ = ["FirstStage", "IVFormula", "IVResult", "demean", "fit_iv", "parse_iv_formula"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_TINY = 1e-10


@dataclass(frozen=True)
class IVFormula:
    """Parts of ``"y ~ exog1 + exog2 | endog ~ z1 + z2"``."""

    outcome: str
    exog: list[str]
    endog: list[str]
    instruments: list[str]


def _terms(text: str, formula: str) -> list[str]:
    out = [t.strip() for t in text.split("+") if t.strip() and t.strip() != "1"]
    for t in out:
        if not _NAME.match(t):
            raise ModelError(f"formula {formula!r}: term {t!r} is not a column name")
    return out


def parse_iv_formula(formula: str) -> IVFormula:
    """Split an IV formula ``"y ~ exog | endog ~ instruments"`` (``1`` or nothing for no exog).

    Examples
    --------
    >>> parse_iv_formula("y ~ w | x ~ z1 + z2")
    IVFormula(outcome='y', exog=['w'], endog=['x'], instruments=['z1', 'z2'])
    """
    if formula.count("|") != 1 or formula.count("~") != 2:
        raise ModelError(
            f"IV formula {formula!r}: write it as 'y ~ exog1 + exog2 | endog ~ z1 + z2'"
        )
    left, right = formula.split("|")
    y, exog = left.split("~")
    endog, inst = right.split("~")
    y = y.strip()
    if not _NAME.match(y):
        raise ModelError(f"IV formula {formula!r}: outcome {y!r} is not a column name")
    f = IVFormula(y, _terms(exog, formula), _terms(endog, formula), _terms(inst, formula))
    if not f.endog or not f.instruments:
        raise ModelError(f"IV formula {formula!r}: needs endogenous regressors and instruments")
    allc = [f.outcome, *f.exog, *f.endog, *f.instruments]
    if len(set(allc)) != len(allc):
        raise ModelError(f"IV formula {formula!r}: a column appears in two roles")
    if len(f.instruments) < len(f.endog):
        raise ModelError(
            f"IV formula {formula!r}: {len(f.endog)} endogenous regressors but only "
            f"{len(f.instruments)} instruments (the order condition needs at least as many)"
        )
    return f


def demean(
    X: np.ndarray, codes: Sequence[np.ndarray], *, tol: float = 1e-12, maxiter: int = 10_000
) -> np.ndarray:
    """Partial fixed effects out of the columns of ``X`` by alternating projections.

    Each sweep subtracts the group means of every fixed effect in turn
    (Gaure 2013); one sweep is exact for a single effect or a balanced
    two-way panel.

    Examples
    --------
    >>> import numpy as np
    >>> u, t = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> demean(np.array([[1.0], [2.0], [3.0], [5.0]]), [u, t]).ravel().round(3).tolist()
    [0.25, -0.25, -0.25, 0.25]
    """
    X = np.array(X, dtype=float, copy=True)
    counts = [np.bincount(c) for c in codes]
    for _ in range(maxiter):
        before = X.copy()
        for c, n in zip(codes, counts, strict=True):
            for j in range(X.shape[1]):
                X[:, j] -= (np.bincount(c, weights=X[:, j], minlength=len(n)) / n)[c]
        if len(codes) == 1 or np.max(np.abs(X - before)) < tol * (1 + np.max(np.abs(X))):
            return X
    raise ModelError("the fixed effects did not converge while partialling them out")


# -- results -------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class IVResult:
    """A 2SLS fit with its diagnostics.

    Attributes
    ----------
    formula
        The parsed formula.
    cov_type
        ``"classical"``, ``"HC1"`` or ``"cluster"``: the covariance of :attr:`estimates`.
    classical, robust, clustered
        Second-stage estimates with each covariance (clustered only with a cluster).
    first_stage
        :class:`FirstStage`.
    stock_yogo, stock_yogo_kp
        Cragg-Donald and Kleibergen-Paap F against the Stock-Yogo tables.
    overid
        ``{"sargan": {stat, df, p}, "hansen": {stat, df, p}}`` or None when
        exactly identified.
    nobs, n_clusters, absorbed
        Sample size, clusters, absorbed fixed effects.
    excluded
        Rows not used (``row``, ``reason``).
    warnings
        Plain-language warnings (weak instruments).
    """

    formula: IVFormula
    cov_type: str
    classical: Estimates
    robust: Estimates
    clustered: Estimates | None
    first_stage: FirstStage
    stock_yogo: StockYogo
    stock_yogo_kp: StockYogo
    overid: dict[str, dict[str, float]] | None
    nobs: int
    n_clusters: int | None
    absorbed: list[str]
    excluded: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def estimates(self) -> Estimates:
        return {"classical": self.classical, "HC1": self.robust}.get(self.cov_type, self.clustered)

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of ``smekit iv`` (README)."""
        est = self.estimates.to_dict()
        return {
            "outcome": self.formula.outcome,
            "endogenous": self.formula.endog,
            "instruments": self.formula.instruments,
            "exogenous": self.formula.exog,
            "absorbed": self.absorbed,
            "cov_type": self.cov_type,
            "n": self.nobs,
            "n_clusters": self.n_clusters,
            "params": est["params"],
            "bse": est["bse"],
            "bse_classical": self.classical.to_dict()["bse"],
            "bse_robust": self.robust.to_dict()["bse"],
            "pvalues": est["pvalues"],
            "conf_int": est["conf_int"],
            "df": est["df"],
            "first_stage": self.first_stage.to_dict(),
            "stock_yogo": {
                "cragg_donald": self.stock_yogo.to_dict(),
                "kleibergen_paap": self.stock_yogo_kp.to_dict(),
            },
            "overid": self.overid,
            "warnings": list(self.warnings),
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


# -- fit -----------------------------------------------------------------------------------
def fit_iv(
    frame: pd.DataFrame,
    formula: str,
    *,
    robust: bool = False,
    cluster: str | None = None,
    absorb: Sequence[str] = (),
    alpha: float = 0.05,
    source: str | None = None,
) -> IVResult:
    """Two-stage least squares with first-stage, weak-instrument and overidentification tests.

    Parameters
    ----------
    frame
        Data, one row per observation.
    formula
        ``"y ~ exog1 + exog2 | endog ~ z1 + z2"``; a constant is always included
        unless fixed effects are absorbed.
    robust
        Report HC1 errors as :attr:`IVResult.estimates` (both are always computed).
    cluster
        Cluster column: clustered errors (``t(G - 1)``), clustered first-stage F,
        Kleibergen-Paap and Hansen J.
    absorb
        Fixed-effect columns partialled out of every variable (e.g. ``[unit, time]``).
    alpha
        Level of the confidence intervals.
    source
        File name for error messages.

    Raises
    ------
    ModelError
        Order condition fails, an instrument is constant (or absorbed), or the
        excluded instruments do not move an endogenous regressor at all.

    Examples
    --------
    Stock & Watson's (2007, ch. 12) cigarette demand, 48 states in 1995
    (reference values from R ``AER::ivreg``; ``tests/analysis/reference/panel/iv.R``):

    >>> import pandas as pd
    >>> from pathlib import Path
    >>> import smekit
    >>> csv = Path(smekit.__file__).parents[1] / "tests/analysis/reference/panel/cigarettes_sw.csv"
    >>> d = pd.read_csv(csv)
    >>> res = fit_iv(d, "lpacks ~ lrincome | lrprice ~ tdiff + rtax", robust=True)
    >>> res.estimates.params.round(4).tolist(), res.estimates.bse.round(4).tolist()
    ([9.895, 0.2804, -1.2774], [0.9592, 0.2539, 0.2496])
    >>> round(res.first_stage.cragg_donald_f, 2), round(res.overid["sargan"]["stat"], 4)
    (244.73, 0.3326)
    """
    spec = parse_iv_formula(formula)
    cols = [spec.outcome, *spec.exog, *spec.endog, *spec.instruments]
    ids = list(dict.fromkeys([*absorb, *([cluster] if cluster else [])]))
    for c in cols + ids:
        if c not in frame.columns:
            raise DataError(f"column {c!r} not found", where=source)
    for c in cols:
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise DataError(f"column {c!r} is not numeric ({frame[c].dtype})", where=source)
    data = frame[list(dict.fromkeys(cols + ids))].reset_index(drop=True)
    miss = data[cols].isna().to_numpy() | data[ids].isna().to_numpy().any(axis=1)[:, None]
    bad = miss.any(axis=1)
    excluded = pd.DataFrame(
        {
            "row": np.flatnonzero(bad),
            "reason": [
                "missing " + ", ".join(repr(cols[j]) for j in np.flatnonzero(miss[r]))
                if miss[r].any()
                else "missing identifier"
                for r in np.flatnonzero(bad)
            ],
        }
    )
    data = data.loc[~bad].reset_index(drop=True)
    n = len(data)
    y = data[spec.outcome].to_numpy(float)
    X1 = data[spec.exog].to_numpy(float).reshape(n, -1)
    Y2 = data[spec.endog].to_numpy(float).reshape(n, -1)
    Z2 = data[spec.instruments].to_numpy(float).reshape(n, -1)
    k_fe = k_fe_nonnested = 0
    codes = [pd.factorize(data[c])[0] for c in absorb]
    if absorb:
        allv = demean(np.column_stack([y, X1, Y2, Z2]), codes)
        y, X1, Y2, Z2 = np.split(allv, np.cumsum([1, X1.shape[1], Y2.shape[1]]), axis=1)
        y = y.ravel()
        sizes = [int(c.max()) + 1 for c in codes]
        k_fe = sum(sizes) - (len(sizes) - 1)
        if cluster:
            cl = pd.Series(pd.factorize(data[cluster])[0])
            nested = [bool(cl.groupby(c).nunique().max() == 1) for c in codes]
        else:
            nested = [False] * len(codes)
        # fixest: effects nested in the clusters are not counted (each keeps one level)
        k_fe_nonnested = k_fe - sum(s - 1 for s, nst in zip(sizes, nested, strict=True) if nst)
        exog_names = list(spec.exog)
    else:
        X1 = np.column_stack([np.ones(n), X1])
        exog_names = ["Intercept", *spec.exog]
    L = X1.shape[1] + Z2.shape[1]
    k2, l2 = Y2.shape[1], Z2.shape[1]
    K = X1.shape[1] + k2
    # instruments: present after partialling, jointly of full rank with X1
    for j, z in enumerate(spec.instruments):
        if np.sqrt(np.sum(Z2[:, j] ** 2)) <= _TINY * (
            1 + np.sqrt(np.sum(np.asarray(data[z], float) ** 2))
        ):
            raise ModelError(
                f"instrument {z!r} is constant"
                + (f" within the absorbed effects {list(absorb)}" if absorb else ""),
                fix="it carries no exogenous variation; use another instrument",
                where=source,
            )
    check_rank(
        qr_r(np.column_stack([X1, Z2])),
        [*exog_names, *spec.instruments],
        where=source,
        what="instrument or exogenous regressor",
    )
    dof = n - L - k_fe
    if dof <= 0:
        raise ModelError(f"{n} rows are too few for {L + k_fe} instruments and effects")

    # -- second stage via linearmodels ---------------------------------------------------
    from linearmodels.iv import IV2SLS, IVGMM

    names = [*exog_names, *spec.endog]
    dep = pd.Series(y, name=spec.outcome)
    ex = pd.DataFrame(X1, columns=exog_names) if X1.shape[1] else None
    en = pd.DataFrame(Y2, columns=spec.endog)
    ins = pd.DataFrame(Z2, columns=spec.instruments)
    model = IV2SLS(dep, ex, en, ins)
    clusters = pd.factorize(data[cluster])[0] if cluster else None
    n_clusters = int(clusters.max() + 1) if cluster else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {
            "classical": model.fit(cov_type="unadjusted", debiased=True),
            "HC1": model.fit(cov_type="robust", debiased=True),
        }
        if cluster:
            fits["cluster"] = model.fit(
                cov_type="clustered", clusters=pd.Series(clusters), debiased=True
            )
    fe_scale = (n - K) / (n - K - k_fe) if absorb else 1.0
    fe_scale_cl = (n - K) / (n - K - k_fe_nonnested) if absorb else 1.0
    df_resid = n - K - k_fe
    stats_footer = {"Instruments": str(l2)}

    def est(fit: Any, kind: str) -> Estimates:
        scale = fe_scale_cl if kind == "cluster" else fe_scale
        se = np.asarray(fit.std_errors.reindex(names), float) * np.sqrt(scale)
        df = (n_clusters - 1) if kind == "cluster" else df_resid
        return Estimates(
            pd.Series(fit.params.reindex(names).to_numpy(), index=names),
            pd.Series(se, index=names),
            "t",
            df,
            cov_type=kind,
            nobs=n,
            stats=stats_footer,
            alpha=alpha,
        )

    classical = est(fits["classical"], "classical")
    robust_est = est(fits["HC1"], "HC1")
    clustered = est(fits["cluster"], "cluster") if cluster else None

    # -- first stage (own, lstsq) --------------------------------------------------------
    W = np.column_stack([X1, Z2])
    wnames = [*exog_names, *spec.instruments]
    first: dict[str, Estimates] = {}
    pr2: dict[str, float] = {}
    fstat: dict[str, float] = {}
    fp: dict[str, float] = {}
    Yt = _resid(Y2, X1)
    kind = "cluster" if cluster else ("HC1" if robust else "classical")
    fdf = (l2, float(n_clusters - 1) if cluster else float(dof))
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
    if cluster:
        # absorbed effects nested in the clusters are not counted (as in the clustered F)
        kp_f = rk / (n - 1) * (n - L - k_fe_nonnested) * (n_clusters - 1) / n_clusters / l2
    else:
        kp_f = rk / n * dof / l2
    fs = FirstStage(
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
    sy = compare(cd_f, k2, l2, "Cragg-Donald Wald F")
    sy_kp = compare(kp_f, k2, l2, "Kleibergen-Paap rk Wald F")

    # -- overidentification -------------------------------------------------------------
    overid = None
    if l2 > k2:
        s = fits["classical"].sargan
        wcfg = {"clusters": pd.Series(clusters)} if cluster else {}
        wtype = "clustered" if cluster else "robust"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = IVGMM(dep, ex, en, ins, weight_type=wtype, **wcfg).fit(cov_type=wtype, **wcfg)
        overid = {
            "sargan": {"stat": float(s.stat), "df": int(s.df), "p": float(s.pval)},
            "hansen": {
                "stat": float(g.j_stat.stat),
                "df": int(g.j_stat.df),
                "p": float(g.j_stat.pval),
            },
        }
    notes = []
    chosen = sy_kp if (robust or cluster) else sy
    if chosen.size and chosen.max_size is None:
        notes.append(chosen.verdict())
    elif not chosen.size and chosen.statistic < 10:
        notes.append(
            f"{chosen.name} = {chosen.statistic:.2f} < 10: instruments may be weak "
            "(Staiger & Stock 1997 rule of thumb)"
        )
    return IVResult(
        formula=spec,
        cov_type=kind,
        classical=classical,
        robust=robust_est,
        clustered=clustered,
        first_stage=fs,
        stock_yogo=sy,
        stock_yogo_kp=sy_kp,
        overid=overid,
        nobs=n,
        n_clusters=n_clusters,
        absorbed=list(absorb),
        excluded=excluded,
        warnings=tuple(notes),
    )
