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

from smekit.analysis.estimates import Estimates
from smekit.analysis.iv_diagnostics import FirstStage, _first_stage, _overid
from smekit.analysis.iv_diagnostics import _kp_rk as _kp_rk
from smekit.analysis.iv_diagnostics import _resid as _resid
from smekit.analysis.lstsq import check_rank, qr_r
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
    from linearmodels.iv import IV2SLS

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

    kind = "cluster" if cluster else ("HC1" if robust else "classical")
    fs = _first_stage(
        X1,
        Y2,
        Z2,
        spec,
        exog_names,
        kind=kind,
        clusters=clusters,
        n_clusters=n_clusters,
        dof=dof,
        k_fe_nonnested=k_fe_nonnested,
        alpha=alpha,
        source=source,
    )
    cd_f, kp_f = fs.cragg_donald_f, fs.kleibergen_paap_f
    sy = compare(cd_f, k2, l2, "Cragg-Donald Wald F")
    sy_kp = compare(kp_f, k2, l2, "Kleibergen-Paap rk Wald F")

    overid = _overid(fits["classical"], dep, ex, en, ins, clusters) if l2 > k2 else None
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
