"""Difference-in-differences by two-way fixed effects: DiD estimate, event study, TWFE weights.

The fits are :func:`pyfixest.feols` with fixest's small-sample conventions
(CRV1, fixed effects nested in the cluster not counted, ``t(G - 1)``; the same
as :func:`smekit.analysis.panel_fe.fit_panel`); this module builds the
treatment and event-time regressors, checks the design, and reports every
model as an :class:`~smekit.analysis.estimates.Estimates`.

Models
------
* DiD: ``y_it = b D_it + x_it' g + a_i + l_t + e_it`` with ``D_it = 1`` in the
  treated unit-periods (Angrist & Pischke 2009, section 5.2).
* Event study: ``y_it = sum_{e != -1} b_e 1{t - G_i = e} + x_it' g + a_i + l_t + e_it``
  for every lead and lag ``e`` observed (no binning), ``G_i`` the unit's first
  treated period; never-treated units have no event dummies. Without
  never-treated units the periods from the last cohort's adoption on (no
  untreated unit left) are dropped and the last cohort serves as the
  comparison group, so the event dummies are not collinear with the period
  effects (Borusyak, Jaravel & Spiess 2024). Joint pre-trend test:
  ``F = b_pre' V_pre^-1 b_pre / q`` on the leads ``e <= -2`` with ``F(q, G - 1)``
  under clustering (Stata's ``test`` after ``reghdfe, vce(cluster)``), else
  ``F(q, N - K)``.
* TWFE weights (de Chaisemartin & D'Haultfœuille 2020, Theorem 1): the DiD
  coefficient is ``sum w_gt TE_gt`` over treated cells with
  ``w_gt = e_gt / sum_{D=1} e_gt``, ``e`` the residual of ``D`` on unit and
  period effects. Negative weights (possible under staggered adoption) mean
  the TWFE estimate need not lie between the cell effects; smekit warns.

Bad input
---------
Duplicated unit-period rows: DataError naming them. Unbalanced panels are used
as they are. Rows with missing model values are excluded and logged, singleton
fixed-effect groups dropped (reghdfe) and logged. A treated cohort with no
pre-period has no event-time ``-1``: warned, its leads cannot be estimated. A
treatment indicator that switches off again is refused (the estimators assume
staggered, absorbing adoption).

References
----------
Angrist, J. D., & Pischke, J.-S. (2009). *Mostly harmless econometrics*. Princeton UP.
de Chaisemartin, C., & D'Haultfœuille, X. (2020). Two-way fixed effects
estimators with heterogeneous treatment effects. *American Economic Review*,
110(9), 2964-2996.
Borusyak, K., Jaravel, X., & Spiess, J. (2024). Revisiting event-study designs.
*Review of Economic Studies*, 91(6), 3253-3285.
Bergé, L. (2018). fixest; Correia, S. (2015). reghdfe.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.did_weights import TwfeWeights, twfe_weights
from smekit.analysis.estimates import Estimates
from smekit.analysis.panel_common import EstimatesView
from smekit.analysis.panel_prep import check_panel, period_index
from smekit.core.errors import DataError, ModelError

__all__ = [
    "DidFit",
    "EventStudy",
    "TwfeWeights",
    "cohorts",
    "event_study",
    "event_study_plot",
    "fe_fit",
    "twfe_did",
    "twfe_weights",
]


# -- the fitting helper -------------------------------------------------------------------
@dataclass(frozen=True)
class DidFit(EstimatesView):
    """A fixed-effects fit: estimates, the vcov of the slopes, and the sample.

    Attributes
    ----------
    estimates
        Slopes with clustered (CRV1, ``t(G-1)``) or classical errors.
    vcov
        Covariance of the slopes (same order as ``estimates.params``).
    nobs, n_units, n_clusters, r2, r2_within
        Sample and fit.
    excluded
        Rows not used: row (0-based position), unit, time, reason.
    notes
        Warnings in words.
    """

    estimates: Estimates
    vcov: pd.DataFrame
    nobs: int
    n_units: int
    n_clusters: int | None
    r2: float
    r2_within: float
    excluded: pd.DataFrame = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        e = self.estimates.to_dict()
        return {
            **{k: e[k] for k in ("params", "bse", "pvalues", "conf_int", "df", "cov_type")},
            "nobs": self.nobs,
            "n_units": self.n_units,
            "n_clusters": self.n_clusters,
            "r2": self.r2,
            "r2_within": self.r2_within,
            "n_excluded": len(self.excluded),
            "notes": list(self.notes),
        }


def fe_fit(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    fe: Sequence[str],
    *,
    cluster: str | None = None,
    weights: str | None = None,
    stats_extra: dict[str, Any] | None = None,
    source: str | None = None,
) -> DidFit:
    """Least squares with absorbed fixed effects by :func:`pyfixest.feols`.

    ``fe`` lists fixed-effect columns (``["city_id", "year"]``; an interaction
    such as region x year is a column built by the caller). Missing values are
    excluded and singletons dropped, both logged in ``excluded``.
    """
    import pyfixest as pf

    regressors = list(regressors)
    cols = list(dict.fromkeys([outcome, *regressors, *fe, *([cluster] if cluster else [])]))
    if weights:
        cols.append(weights)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"column {missing[0]!r} not found", where=source)
    d = data[cols].reset_index(drop=True)
    miss = d[[outcome, *regressors] + ([weights] if weights else [])].isna().to_numpy()
    bad = miss.any(axis=1)
    excluded = [
        {"row": int(r), "reason": "missing value in a model column"} for r in np.flatnonzero(bad)
    ]
    rows = np.flatnonzero(~bad)
    d = d.loc[~bad].reset_index(drop=True)
    if weights:
        keep = d[weights].to_numpy() > 0
        excluded += [{"row": int(rows[r]), "reason": "zero weight"} for r in np.flatnonzero(~keep)]
        rows = rows[keep]
        d = d.loc[keep].reset_index(drop=True)
    fml = f"{outcome} ~ {' + '.join(regressors)}"
    if fe:
        fml += " | " + " + ".join(fe)
    vcov: Any = {"CRV1": cluster} if cluster else "iid"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = pf.feols(
                fml, data=d, vcov=vcov, weights=weights, fixef_rm="singleton", copy_data=False
            )
        except ValueError as exc:
            raise ModelError(f"cannot fit {fml!r}: {exc}", where=source) from None
    collin = list(getattr(m, "_collin_vars", []) or [])
    if collin:
        raise ModelError(
            f"regressor {collin[0]!r} is collinear with the fixed effects and the other regressors",
            where=source,
        )
    dropped = sorted(getattr(m, "_na_index", frozenset()) or ())
    excluded += [{"row": int(rows[r]), "reason": "singleton fixed-effect group"} for r in dropped]
    names = list(m._coefnames)
    params = pd.Series(np.asarray(m._beta_hat), index=names)
    V = np.asarray(m._vcov)
    n = int(m._N)
    n_clusters = int(np.min(m._G)) if cluster else None
    df = (n_clusters - 1) if cluster else float(m._df_t)
    used = d.drop(index=dropped) if dropped else d
    footer: dict[str, Any] = {"R²": float(m._r2)}
    if fe:
        footer["R² within"] = float(m._r2_within)
    if cluster:
        footer["Clusters"] = n_clusters
    footer.update(stats_extra or {})
    est = Estimates(
        params,
        pd.Series(np.sqrt(np.diag(V)), index=names),
        "t",
        df,
        cov_type="cluster" if cluster else "classical",
        nobs=n,
        stats=footer,
    )
    return DidFit(
        estimates=est,
        vcov=pd.DataFrame(V, index=names, columns=names),
        nobs=n,
        n_units=int(used[fe[0]].nunique()) if fe else n,
        n_clusters=n_clusters,
        r2=float(m._r2),
        r2_within=float(m._r2_within) if fe else float("nan"),
        excluded=pd.DataFrame(excluded, columns=["row", "reason"]),
    )


# -- cohorts --------------------------------------------------------------------------------
def cohorts(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    *,
    treat: str | None = None,
    cohort: str | None = None,
    source: str | None = None,
) -> pd.Series:
    """First treated period of every unit (NaN = never treated), indexed by unit.

    From ``cohort`` (0, empty, or a value outside the observed periods means
    never treated) or, failing that, from ``treat`` (the first period with
    ``treat == 1``). A ``treat`` that switches off again is refused.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"i": [1, 1, 2, 2], "t": [1, 2, 1, 2], "D": [0, 1, 0, 0]})
    >>> cohorts(d, "i", "t", treat="D").tolist()
    [2.0, nan]
    """
    check_panel(frame, unit, time, source=source)
    p = period_index(frame[time])
    if cohort is not None:
        if cohort not in frame.columns:
            raise DataError(f"cohort column {cohort!r} not found", where=source)
        g = pd.to_numeric(frame[cohort], errors="coerce")
        per_unit = g.groupby(frame[unit].to_numpy()).agg(["min", "max"])
        varying = per_unit.index[(per_unit["min"] != per_unit["max"]) & per_unit["min"].notna()]
        if len(varying):
            raise DataError(
                f"cohort column {cohort!r} varies within unit {varying[0]!r}", where=source
            )
        g = per_unit["min"]
        lo, hi = p.min(), p.max()
        g = g.where((g >= lo) & (g <= hi) & (g != 0))
        return g.astype(float).rename("cohort")
    if treat is None:
        raise ModelError("give a treatment column or a cohort column")
    if treat not in frame.columns:
        raise DataError(f"treatment column {treat!r} not found", where=source)
    d = pd.DataFrame({"u": frame[unit].to_numpy(), "p": p, "D": frame[treat].to_numpy()})
    bad = ~d["D"].isin([0, 1]) & d["D"].notna()
    if bad.any():
        r = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"treatment column {treat!r} must be 0 or 1 (row {r + 2}: {d['D'].iloc[r]!r})",
            where=source,
        )
    d = d.sort_values(["u", "p"])
    first = d[d["D"] == 1].groupby("u")["p"].min()
    after = d.merge(first.rename("g"), left_on="u", right_index=True)
    off = after[(after["p"] >= after["g"]) & (after["D"] == 0)]
    if len(off):
        r = off.iloc[0]
        raise ModelError(
            f"unit {r['u']!r} is treated from {int(r['g'])} but untreated again in {int(r['p'])}",
            where=source,
            fix="the DiD estimators assume adoption is absorbing (once treated, always treated)",
        )
    out = pd.Series(np.nan, index=pd.Index(np.sort(d["u"].unique())), name="cohort")
    out.loc[first.index] = first.astype(float)
    return out


# -- TWFE DiD -------------------------------------------------------------------------------
def twfe_did(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treat: str,
    *,
    controls: Sequence[str] = (),
    cluster: str | None = None,
    fe: Sequence[str] | None = None,
    weights: str | None = None,
    source: str | None = None,
) -> DidFit:
    """TWFE difference-in-differences ``y ~ D + controls | unit + time``, clustered by ``cluster``.

    Parameters
    ----------
    frame
        Long panel.
    unit, time
        Identifiers.
    outcome, treat
        Outcome and the 0/1 indicator of treated unit-periods.
    controls
        Time-varying controls.
    cluster
        Cluster column (default: ``unit``); ``""`` for classical errors.
    fe
        Fixed effects (default ``[unit, time]``); e.g. ``[unit, "region_year"]``.
    weights
        Analytic weights column (PSM-DiD).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> i, t = np.repeat(np.arange(40), 6), np.tile(np.arange(6), 40)
    >>> D = ((i < 15) & (t >= 3)).astype(int)
    >>> y = 0.1 * i + 0.2 * t + 1.0 * D + rng.normal(0, 0.5, i.size)
    >>> d = pd.DataFrame({"i": i, "t": t, "D": D, "y": y})
    >>> fit = twfe_did(d, "i", "t", "y", "D")
    >>> round(float(fit.params["D"]), 2), fit.n_clusters, fit.estimates.df
    (0.85, 40, 39.0)
    """
    check_panel(frame, unit, time, source=source)
    cohorts(frame, unit, time, treat=treat, source=source)  # validates 0/1 and absorbing
    cl = unit if cluster is None else (cluster or None)
    return fe_fit(
        frame,
        outcome,
        [treat, *controls],
        list(fe) if fe is not None else [unit, time],
        cluster=cl,
        weights=weights,
        source=source,
    )


# -- event study ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EventStudy:
    """Event-study coefficients by relative period (reference ``-1``) and the pre-trend test.

    Attributes
    ----------
    estimates
        Event coefficients named ``event[-3]``, ..., ``event[4]`` and the controls.
    table
        One row per relative period: ``rel``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``p``, ``n_treated`` (treated units observed there); the
        reference row has estimate 0 and no SE.
    pretrend
        ``f``, ``df_num``, ``df_denom``, ``p`` of the joint test that all leads
        ``e <= -2`` are zero.
    reference
        Relative periods normalised to zero.
    """

    estimates: Estimates
    table: pd.DataFrame
    pretrend: dict[str, float]
    reference: list[int]
    fit: DidFit = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        t = self.table[~self.table["rel"].isin(self.reference)]
        return {
            "coefficients": {
                str(int(r)): float(v) for r, v in zip(t["rel"], t["estimate"], strict=True)
            },
            "bse": {str(int(r)): float(v) for r, v in zip(t["rel"], t["se"], strict=True)},
            "conf_int": {
                str(int(r)): [float(lo), float(hi)]
                for r, lo, hi in zip(t["rel"], t["ci_low"], t["ci_high"], strict=True)
            },
            "reference": [int(r) for r in self.reference],
            "pretrend": {k: float(v) for k, v in self.pretrend.items()},
            "df": self.estimates.df,
            "notes": list(self.notes),
        }


def _ev_name(e: int) -> str:
    return f"ev_m{-e}" if e < 0 else f"ev_p{e}"


def event_study(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    *,
    treat: str | None = None,
    cohort: str | None = None,
    controls: Sequence[str] = (),
    cluster: str | None = None,
    reference: int = -1,
    source: str | None = None,
) -> EventStudy:
    """Event study of every lead and lag around adoption, reference period ``-1``.

    Parameters
    ----------
    frame
        Long panel.
    unit, time, outcome
        Identifiers and outcome.
    treat, cohort
        The 0/1 treated indicator or the first-treated-period column (see :func:`cohorts`).
    controls, cluster
        As in :func:`twfe_did` (cluster default ``unit``).
    reference
        Relative period normalised to zero.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> i, t = np.repeat(np.arange(60), 8), np.tile(np.arange(8), 60)
    >>> D = ((i < 20) & (t >= 4)).astype(int)
    >>> d = pd.DataFrame({"i": i, "t": t, "D": D, "y": 0.5 * D + rng.normal(0, 0.3, i.size)})
    >>> es = event_study(d, "i", "t", "y", treat="D")
    >>> es.table["rel"].tolist()
    [-4, -3, -2, -1, 0, 1, 2, 3]
    >>> bool(es.pretrend["p"] > 0.01), es.pretrend["df_num"]
    (True, 3)
    """
    g = cohorts(frame, unit, time, treat=treat, cohort=cohort, source=source)
    p = period_index(frame[time])
    gi = frame[unit].map(g).to_numpy(dtype=float)
    rel = p - gi  # NaN for never treated
    notes: list[str] = []
    if cohort is None:
        seen = set(zip(frame[unit].to_numpy(), p, strict=True))
        unsure = [u for u, c in g.dropna().items() if c > p.min() and (u, int(c) - 1) not in seen]
        if unsure:
            notes.append(
                f"{len(unsure)} unit(s) (e.g. {unsure[0]!r}) have no row just before their first "
                "treated period, so their adoption may be earlier than the data show; give the "
                "cohort column (--cohort) to fix the adoption period"
            )
    treated_g = g.dropna()
    if treated_g.empty:
        raise ModelError("no unit is ever treated: there is no event to study", where=source)
    no_pre = sorted({int(c) for c in treated_g if c <= p.min()})
    if no_pre:
        notes.append(
            f"cohort(s) {no_pre} are treated from the first observed period: no pre-period, "
            "so they contribute no leads"
        )
    frame = frame.reset_index(drop=True)
    if g.isna().sum() == 0:
        last = float(treated_g.max())
        keep = p < last
        notes.append(
            f"no never-treated units: the periods from {int(last)} on, when every unit is "
            f"treated, have no comparison and are left out, and the units adopting in {int(last)} "
            "serve as the (not yet treated) comparison group (Borusyak, Jaravel & Spiess 2024)"
        )
        late = gi[keep] >= last
        frame, p, rel = frame.loc[keep].reset_index(drop=True), p[keep], rel[keep]
        rel = np.where(late, np.nan, rel)
    observed = pd.Series(rel).dropna().astype(int)
    rels = sorted(observed.unique().tolist())
    refs = [reference]
    if reference not in rels:
        notes.append(f"no unit is observed at the reference period {reference}")
    data = frame.reset_index(drop=True).copy()
    ev_cols = []
    for e in rels:
        if e in refs:
            continue
        c = _ev_name(e)
        data[c] = (rel == e).astype(float)
        ev_cols.append(c)
    cl = unit if cluster is None else (cluster or None)
    fit = fe_fit(data, outcome, [*ev_cols, *controls], [unit, time], cluster=cl, source=source)
    est = fit.estimates
    ci = est.conf_int()
    rows = []
    counts = pd.Series(rel).groupby(rel).size()
    for e in rels:
        if e in refs:
            rows.append((e, 0.0, np.nan, np.nan, np.nan, np.nan))
        else:
            c = _ev_name(e)
            rows.append(
                (
                    e,
                    est.params[c],
                    est.bse[c],
                    ci.loc[c, "lower"],
                    ci.loc[c, "upper"],
                    est.pvalues[c],
                )
            )
    table = pd.DataFrame(rows, columns=["rel", "estimate", "se", "ci_low", "ci_high", "p"])
    table["n_treated"] = [int(counts.get(e, 0)) for e in rels]
    leads = [_ev_name(e) for e in rels if e <= -2 and e not in refs]
    if leads:
        b = est.params[leads].to_numpy()
        V = fit.vcov.loc[leads, leads].to_numpy()
        q = len(leads)
        f = float(b @ np.linalg.solve(V, b) / q)
        df2 = float(est.df)
        pretrend = {"f": f, "df_num": q, "df_denom": df2, "p": float(stats.f.sf(f, q, df2))}
    else:
        pretrend = {"f": float("nan"), "df_num": 0, "df_denom": float("nan"), "p": float("nan")}
        notes.append("no lead before the reference period: no pre-trend test")
    names = {_ev_name(e): f"event[{e}]" for e in rels if e not in refs}
    renamed = Estimates(
        est.params.rename(index=names),
        est.bse.rename(index=names),
        est.distribution,
        est.df,
        cov_type=est.cov_type,
        nobs=est.nobs,
        stats=est.stats,
    )
    return EventStudy(renamed, table, pretrend, refs, fit, notes)


def event_study_plot(
    es: EventStudy, *, title: str = "Event study", xlabel: str = "Periods since adoption"
):
    """Coefficients with 95% CIs by relative period; the reference period marked at zero."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    t = es.table
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    est = t[~t["rel"].isin(es.reference)]
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.6", lw=0.8, ls="--")
    ax.errorbar(
        est["rel"],
        est["estimate"],
        yerr=[est["estimate"] - est["ci_low"], est["ci_high"] - est["estimate"]],
        fmt="o",
        color="C0",
        ecolor="C0",
        capsize=3,
        label="estimate, 95% CI",
    )
    ref = t[t["rel"].isin(es.reference)]
    ax.plot(ref["rel"], ref["estimate"], "o", mfc="white", color="C0", label="reference (0)")
    pt = es.pretrend
    sub = (
        f"pre-trend F({pt['df_num']}, {pt['df_denom']:.0f}) = {pt['f']:.2f}, p = {pt['p']:.3f}"
        if pt["df_num"]
        else ""
    )
    ax.set(xlabel=xlabel, ylabel="Effect", title=f"{title}\n{sub}" if sub else title)
    ax.set_xticks(t["rel"].tolist())
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
