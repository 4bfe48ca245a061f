"""Kernel propensity-score DiD: Stata's ``diff, kernel`` and a multi-period weighted-TWFE variant.

Own code: no Python port of ``diff`` (Villa 2016) exists. The propensity
score is a probit (default) or logit of the treated-group indicator on the
covariates by :mod:`statsmodels`; everything else is here.

Kernel weights (``diff, kernel``; Heckman, Ichimura & Todd 1997)
--------------------------------------------------------------------
With scores ``p``, bandwidth ``h`` (default 0.06) and the Epanechnikov kernel
``K(u) = 0.75 (1 - u^2) 1{|u| < 1}``, treated unit ``i`` spreads a weight of
one over the controls, ``w_ij = K((p_j - p_i) / h) / sum_k K((p_k - p_i) / h)``;
a control's weight is ``sum_i w_ij`` (zero when no treated unit is within
``h``), a treated unit's weight is 1 (0 when no control is within ``h``, it is
then unmatched). ``support=True`` first keeps the common support: treated
units with ``p`` inside the controls' range and controls inside the treated
units' range.

Two-period DiD (:func:`kernel_did`, ``diff y, t(treated) p(post) cov(x) kernel``):
the score is estimated on the baseline period, the unit weights are applied to
both periods, and ``y = a + b treated + c post + d treated x post`` is fitted
by weighted least squares (analytic weights); ``d`` is the DiD estimate.
Standard errors: classical as ``diff`` without ``robust``, or clustered.

Multi-period variant (:func:`psm_twfe`, the one S3-type papers report): the
score of ever being treated is estimated on each unit's pre-adoption means of
the covariates (periods before the first adoption), the kernel weights enter
a weighted TWFE DiD with unit and period effects, clustered by unit. The
variant is recorded in the result.

References
----------
Villa, J. M. (2016). diff: Simplifying the estimation of difference-in-differences
treatment effects. *The Stata Journal*, 16(1), 52-71.
Heckman, J. J., Ichimura, H., & Todd, P. E. (1997). Matching as an econometric
evaluation estimator. *Review of Economic Studies*, 64(4), 605-654.
Silverman, B. W. (1986). *Density estimation for statistics and data analysis*
(the Epanechnikov kernel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from smekit.analysis.did import DidFit, cohorts, fe_fit
from smekit.analysis.panel_prep import check_panel, period_index
from smekit.core.errors import DataError, ModelError

__all__ = ["KernelWeights", "PsmDid", "kernel_did", "kernel_weights", "propensity", "psm_twfe"]

KERNELS = {
    "epanechnikov": lambda u: np.where(np.abs(u) < 1, 0.75 * (1 - u**2), 0.0),
    "uniform": lambda u: np.where(np.abs(u) < 1, 0.5, 0.0),
    "triangular": lambda u: np.where(np.abs(u) < 1, 1 - np.abs(u), 0.0),
}


def propensity(
    X: pd.DataFrame, treated: np.ndarray, *, model: Literal["probit", "logit"] = "probit"
) -> np.ndarray:
    """Fitted propensity scores of a probit (default) or logit with an intercept."""
    import statsmodels.api as sm

    if model not in ("probit", "logit"):
        raise ModelError(f"model must be 'probit' or 'logit', got {model!r}")
    exog = sm.add_constant(X.to_numpy(dtype=float), has_constant="add")
    cls = sm.Probit if model == "probit" else sm.Logit
    try:
        res = cls(np.asarray(treated, dtype=float), exog).fit(disp=0, maxiter=200)
    except Exception as exc:  # perfect separation, singular design
        raise ModelError(f"the propensity-score {model} cannot be fitted: {exc}") from None
    return np.asarray(res.predict(exog))


@dataclass(frozen=True)
class KernelWeights:
    """Unit weights from kernel matching on the propensity score."""

    table: pd.DataFrame  # unit, treated, pscore, weight, on_support, matched
    bandwidth: float
    kernel: str
    support: bool

    @property
    def n_unmatched_treated(self) -> int:
        t = self.table
        return int(((t["treated"] == 1) & (t["weight"] == 0)).sum())

    @property
    def n_controls_used(self) -> int:
        t = self.table
        return int(((t["treated"] == 0) & (t["weight"] > 0)).sum())


def kernel_weights(
    pscore: np.ndarray,
    treated: np.ndarray,
    *,
    bandwidth: float = 0.06,
    kernel: str = "epanechnikov",
    support: bool = False,
    units: Sequence[Any] | None = None,
) -> KernelWeights:
    """Kernel-matching weights (see the module docstring).

    Examples
    --------
    Treated units at 0.50 and 0.51, controls at 0.49, 0.53 and 0.90. The first
    gives the two near controls K(-1/6) = 0.7292 and K(1/2) = 0.5625, shares
    0.5645 and 0.4355; the second is equidistant (0.5 each); the far control
    gets nothing:

    >>> import numpy as np
    >>> w = kernel_weights(np.array([0.50, 0.51, 0.49, 0.53, 0.90]), np.array([1, 1, 0, 0, 0]))
    >>> w.table["weight"].round(4).tolist()
    [1.0, 1.0, 1.0645, 0.9355, 0.0]
    """
    if kernel not in KERNELS:
        raise ModelError(f"kernel must be one of {sorted(KERNELS)}, got {kernel!r}")
    if not bandwidth > 0:
        raise ModelError(f"bandwidth must be positive, got {bandwidth}")
    p = np.asarray(pscore, dtype=float)
    tr = np.asarray(treated).astype(int)
    on = np.ones(p.size, dtype=bool)
    if support:
        pt, pc = p[tr == 1], p[tr == 0]
        on = np.where(tr == 1, (p >= pc.min()) & (p <= pc.max()), (p >= pt.min()) & (p <= pt.max()))
    ti = np.flatnonzero((tr == 1) & on)
    ci = np.flatnonzero((tr == 0) & on)
    K = KERNELS[kernel]((p[ci][None, :] - p[ti][:, None]) / bandwidth)  # treated x controls
    rs = K.sum(axis=1)
    matched = rs > 0
    W = np.divide(K, rs[:, None], out=np.zeros_like(K), where=matched[:, None])
    w = np.zeros(p.size)
    w[ci] = W.sum(axis=0)
    w[ti] = matched.astype(float)
    table = pd.DataFrame(
        {
            "unit": list(units) if units is not None else np.arange(p.size),
            "treated": tr,
            "pscore": p,
            "weight": w,
            "on_support": on,
        }
    )
    return KernelWeights(table, float(bandwidth), kernel, bool(support))


def _balance(X: pd.DataFrame, tr: np.ndarray, w: np.ndarray) -> pd.DataFrame:
    rows = []
    for c in X.columns:
        x = X[c].to_numpy(dtype=float)
        sd = np.sqrt((x[tr == 1].var(ddof=1) + x[tr == 0].var(ddof=1)) / 2)
        raw = (x[tr == 1].mean() - x[tr == 0].mean()) / sd
        wt, wc = w * (tr == 1), w * (tr == 0)
        mt = (wt @ x) / wt.sum() if wt.sum() > 0 else np.nan
        mc = (wc @ x) / wc.sum() if wc.sum() > 0 else np.nan
        rows.append({"covariate": c, "smd_raw": raw, "smd_weighted": (mt - mc) / sd})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PsmDid:
    """A kernel propensity-score DiD."""

    fit: DidFit
    weights: KernelWeights
    balance: pd.DataFrame
    variant: str
    term: str
    notes: list[str] = field(default_factory=list)

    @property
    def estimates(self):
        return self.fit.estimates

    def to_frame(self) -> pd.DataFrame:
        return self.fit.to_frame()

    def to_dict(self) -> dict[str, Any]:
        e = self.fit.estimates
        ci = e.conf_int()
        return {
            "variant": self.variant,
            "att": float(e.params[self.term]),
            "se": float(e.bse[self.term]),
            "p": float(e.pvalues[self.term]),
            "conf_int": [float(ci.loc[self.term, "lower"]), float(ci.loc[self.term, "upper"])],
            "nobs": self.fit.nobs,
            "bandwidth": self.weights.bandwidth,
            "kernel": self.weights.kernel,
            "support": self.weights.support,
            "n_unmatched_treated": self.weights.n_unmatched_treated,
            "n_controls_used": self.weights.n_controls_used,
            "balance": self.balance.to_dict("records"),
            "notes": list(self.notes),
        }


def kernel_did(
    frame: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    covariates: Sequence[str],
    *,
    unit: str,
    model: Literal["probit", "logit"] = "probit",
    bandwidth: float = 0.06,
    kernel: str = "epanechnikov",
    support: bool = False,
    cluster: str | None = None,
    source: str | None = None,
) -> PsmDid:
    """Two-period kernel PSM-DiD, as Stata's ``diff y, t(tr) p(post) cov(...) id(unit) kernel``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 3000
    >>> x = rng.normal(size=n)
    >>> tr = (rng.normal(size=n) + x > 0.5).astype(int)
    >>> rows = [(i, p, tr[i], x[i], x[i] + 0.5 * p + 1.0 * tr[i] * p + rng.normal(0, 0.3))
    ...         for i in range(n) for p in (0, 1)]
    >>> d = pd.DataFrame(rows, columns=["id", "post", "treated", "x", "y"])
    >>> r = kernel_did(d, "y", "treated", "post", ["x"], unit="id")
    >>> out = r.to_dict()
    >>> bool(abs(out["att"] - 1.0) < 2 * out["se"]), r.variant.startswith("two-period")
    (True, True)
    """
    for c in (outcome, treated, post, unit, *covariates):
        if c not in frame.columns:
            raise DataError(f"column {c!r} not found", where=source)
    if set(pd.unique(frame[post].dropna())) - {0, 1}:
        raise DataError(f"{post!r} must be 0 (baseline) or 1 (follow-up)", where=source)
    base = frame[frame[post] == 0].drop_duplicates(unit)
    base = base.dropna(subset=list(covariates))
    tr = base[treated].to_numpy().astype(int)
    if tr.sum() == 0 or tr.sum() == len(tr):
        raise ModelError("kernel matching needs treated and control units at baseline")
    ps = propensity(base[list(covariates)], tr, model=model)
    kw = kernel_weights(
        ps, tr, bandwidth=bandwidth, kernel=kernel, support=support, units=base[unit].tolist()
    )
    wmap = kw.table.set_index("unit")["weight"]
    d = frame.copy()
    d["_w"] = d[unit].map(wmap).fillna(0.0)
    d["_tp"] = d[treated] * d[post]
    fit = fe_fit(
        d, outcome, [treated, post, "_tp"], [], cluster=cluster, weights="_w", source=source
    )
    notes = []
    if kw.n_unmatched_treated:
        notes.append(f"{kw.n_unmatched_treated} treated units have no control within the bandwidth")
    return PsmDid(
        fit=fit,
        weights=kw,
        balance=_balance(base[list(covariates)], tr, kw.table["weight"].to_numpy()),
        variant=(
            f"two-period kernel PSM-DiD (Stata diff, kernel): {model} on baseline covariates, "
            f"{kernel} kernel, bandwidth {bandwidth}{', common support' if support else ''}"
        ),
        term="_tp",
        notes=notes,
    )


def psm_twfe(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treat: str,
    covariates: Sequence[str],
    *,
    controls: Sequence[str] = (),
    model: Literal["probit", "logit"] = "probit",
    bandwidth: float = 0.06,
    kernel: str = "epanechnikov",
    support: bool = False,
    cluster: str | None = None,
    source: str | None = None,
) -> PsmDid:
    """Multi-period kernel PSM-DiD: kernel weights in a weighted TWFE DiD (module docstring).

    ``treat`` is the 0/1 indicator of treated unit-periods; the treated group
    is every unit ever treated.
    """
    check_panel(frame, unit, time, source=source)
    g = cohorts(frame, unit, time, treat=treat, source=source)
    p = period_index(frame[time])
    first = np.nanmin(g.to_numpy()) if g.notna().any() else None
    if first is None:
        raise ModelError("no unit is ever treated", where=source)
    pre = frame[p < first]
    if pre.empty:
        raise ModelError(
            "no period before the first adoption: no baseline to match on", where=source
        )
    means = pre.groupby(unit)[list(covariates)].mean().dropna()
    tr = g.reindex(means.index).notna().to_numpy().astype(int)
    ps = propensity(means, tr, model=model)
    kw = kernel_weights(
        ps, tr, bandwidth=bandwidth, kernel=kernel, support=support, units=means.index.tolist()
    )
    d = frame.copy()
    d["_w"] = d[unit].map(kw.table.set_index("unit")["weight"]).fillna(0.0)
    cl = unit if cluster is None else (cluster or None)
    fit = fe_fit(
        d, outcome, [treat, *controls], [unit, time], cluster=cl, weights="_w", source=source
    )
    notes = []
    if kw.n_unmatched_treated:
        notes.append(f"{kw.n_unmatched_treated} treated units have no control within the bandwidth")
    return PsmDid(
        fit=fit,
        weights=kw,
        balance=_balance(means, tr, kw.table["weight"].to_numpy()),
        variant=(
            f"multi-period weighted TWFE: {model} of ever-treated on pre-adoption covariate means, "
            f"{kernel} kernel weights (bandwidth {bandwidth}"
            f"{', common support' if support else ''}), unit and period effects"
        ),
        term=treat,
        notes=notes,
    )
