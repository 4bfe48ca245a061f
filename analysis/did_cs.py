"""Callaway-Sant'Anna group-time average treatment effects with simple and dynamic aggregation.

Own code (no maintained Python port; the reference implementation is the R
``did`` package). The estimator is the unconditional one: without covariates
the outcome-regression, inverse-probability and doubly robust estimators of
Callaway & Sant'Anna (2021) coincide, and smekit computes that common value.

Estimator
---------
For cohort ``g`` (units first treated in ``g``) and period ``t``, with base
period ``b = g - 1`` when ``t >= g`` and, for the pre-periods, ``b = t - 1``
(``did``'s default ``base_period = "varying"``; ``"universal"`` uses ``g - 1``
throughout):

``ATT(g, t) = mean_{G=g}(Y_t - Y_b) - mean_{C}(Y_t - Y_b)``

with the comparison group ``C`` the never-treated units (``control="never"``,
the default, as ``did``) or the never- and not-yet-treated units, those first
treated after ``max(t, b)`` (``control="notyet"``).

Inference is analytical, by the influence function over the ``n`` units,
``psi_i = (n / n_g) 1{G_i = g} (dY_i - mu_g) - (n / n_C) 1{i in C} (dY_i - mu_C)``,
``se = sqrt(sum_i psi_i^2) / n`` (pointwise; ``did`` with ``bstrap = FALSE``).
Aggregations follow ``did::aggte``: the simple ATT averages the post-treatment
``ATT(g, t)`` with weights ``P(G = g)``; the dynamic (event-study) effect at
``e = t - g`` averages the cells with that ``e`` with the same weights, and its
overall value is the mean over ``e >= 0``. Their influence functions include
the estimation of the weights (``did``'s ``wif``).

Data handling: the panel is balanced first (units with a missing outcome in
any period are dropped and listed, as ``did`` does with ``panel = TRUE``);
units treated in the first period have no pre-period and are dropped with a
note; without never-treated units ``control="never"`` is refused (use
``"notyet"``).

References
----------
Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with
multiple time periods. *Journal of Econometrics*, 225(2), 200-230.
Sant'Anna, P. H. C., & Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics*, 219(1), 101-122.
Callaway, B., & Sant'Anna, P. H. C. (2021). did: Difference in differences.
R package version 2.1 (``att_gt``, ``aggte``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from smekit.analysis.estimates import Estimates
from smekit.analysis.panel_prep import check_panel, period_index
from smekit.core.errors import DataError, ModelError

__all__ = ["CsResult", "callaway_santanna"]


@dataclass(frozen=True)
class CsResult:
    """Group-time ATTs and their aggregations.

    Attributes
    ----------
    att_gt
        group, time, base, att, se, ci_low, ci_high, n_group, n_control, post.
    simple
        ``{"att", "se"}``: the post-treatment cells weighted by cohort size.
    dynamic
        Frame by event time ``e``: att, se, ci_low, ci_high.
    dynamic_overall
        ``{"att", "se"}``: mean of the dynamic effects over ``e >= 0``.
    control, base_period, estimator
        The specification.
    n_units
        Units used (after balancing).
    dropped
        unit, reason for every unit left out.
    """

    att_gt: pd.DataFrame
    simple: dict[str, float]
    dynamic: pd.DataFrame
    dynamic_overall: dict[str, float]
    control: str
    base_period: str
    n_units: int
    dropped: pd.DataFrame = field(repr=False)
    notes: list[str] = field(default_factory=list)
    estimator: str = "unconditional (outcome regression = IPW = doubly robust without covariates)"

    @property
    def estimates(self) -> Estimates:
        """Simple and overall dynamic ATT as a two-row table (z reference)."""
        return Estimates(
            pd.Series(
                {"ATT (simple)": self.simple["att"], "ATT (dynamic)": self.dynamic_overall["att"]}
            ),
            pd.Series(
                {"ATT (simple)": self.simple["se"], "ATT (dynamic)": self.dynamic_overall["se"]}
            ),
            "z",
            None,
            cov_type="influence function",
            nobs=self.n_units,
            stats={"Units": self.n_units, "Control": self.control},
        )

    def to_frame(self) -> pd.DataFrame:
        return self.att_gt.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "att_gt": [
                {
                    "group": _num(r.group),
                    "time": _num(r.time),
                    "att": float(r.att),
                    "se": float(r.se),
                }
                for r in self.att_gt.itertuples()
            ],
            "simple": dict(self.simple),
            "dynamic": {
                **self.dynamic_overall,
                "by_event": [
                    {"e": int(r.e), "att": float(r.att), "se": float(r.se)}
                    for r in self.dynamic.itertuples()
                ],
            },
            "control": self.control,
            "base_period": self.base_period,
            "estimator": self.estimator,
            "n_units": self.n_units,
            "notes": list(self.notes),
        }


def _num(v: Any) -> Any:
    f = float(v)
    return int(f) if f.is_integer() else f


def _wif(keepers: np.ndarray, pg: np.ndarray, G: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Influence function of the estimated weights (did's ``wif``), ``n x len(keepers)``."""
    s = pg[keepers].sum()
    ind = (G[:, None] == groups[keepers][None, :]).astype(float)  # n x k
    if1 = (ind - pg[keepers][None, :]) / s
    if2 = (ind - pg[keepers][None, :]).sum(axis=1, keepdims=True) * (pg[keepers] / s**2)[None, :]
    return if1 - if2


def _aggregate(att: np.ndarray, psi: np.ndarray, keepers: np.ndarray, pg: np.ndarray, G, groups):
    w = pg[keepers] / pg[keepers].sum()
    est = float(att[keepers] @ w)
    inf = psi[:, keepers] @ w + _wif(keepers, pg, G, groups) @ att[keepers]
    return est, inf


def callaway_santanna(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    cohort: pd.Series,
    *,
    control: Literal["never", "notyet"] = "never",
    base_period: Literal["varying", "universal"] = "varying",
    alpha: float = 0.05,
    source: str | None = None,
) -> CsResult:
    """Callaway-Sant'Anna ATT(g, t) with simple and dynamic aggregation.

    Parameters
    ----------
    frame
        Long panel with ``outcome``.
    unit, time
        Identifiers.
    cohort
        First treated period by unit (NaN = never treated), e.g. from
        :func:`smekit.analysis.did.cohorts`.
    control
        ``"never"`` (default) or ``"notyet"`` comparison units.
    base_period
        ``"varying"`` (default) or ``"universal"``.
    alpha
        Level of the pointwise intervals.

    Examples
    --------
    Two periods, one cohort: ATT(2, 2) is the difference of mean changes.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"i": [1, 1, 2, 2, 3, 3, 4, 4], "t": [1, 2] * 4,
    ...                   "y": [0.0, 2.0, 1.0, 4.0, 0.0, 1.0, 2.0, 3.0]})
    >>> g = pd.Series({1: 2.0, 2: 2.0, 3: float("nan"), 4: float("nan")})
    >>> r = callaway_santanna(d, "i", "t", "y", g)
    >>> r.att_gt[["group", "time", "att"]].values.tolist()
    [[2.0, 2.0, 1.5]]
    >>> round(r.simple["se"], 4)  # sqrt(2) / 4: psi = (-1, 1, 0, 0)
    0.3536
    """
    check_panel(frame, unit, time, source=source)
    if control not in ("never", "notyet"):
        raise ModelError(f"control must be 'never' or 'notyet', got {control!r}")
    if base_period not in ("varying", "universal"):
        raise ModelError(f"base_period must be 'varying' or 'universal', got {base_period!r}")
    if outcome not in frame.columns:
        raise DataError(f"outcome column {outcome!r} not found", where=source)
    p = period_index(frame[time])
    wide = (
        pd.DataFrame({"u": frame[unit].to_numpy(), "p": p, "y": frame[outcome].to_numpy(float)})
        .pivot(index="u", columns="p", values="y")
        .sort_index(axis=1)
    )
    periods = np.arange(wide.columns.min(), wide.columns.max() + 1)
    wide = wide.reindex(columns=periods)
    dropped = []
    incomplete = wide.isna().any(axis=1)
    for u in wide.index[incomplete]:
        dropped.append({"unit": u, "reason": "outcome missing in some period (balanced panel)"})
    wide = wide[~incomplete]
    G = cohort.reindex(wide.index).to_numpy(dtype=float)
    notes: list[str] = []
    first = periods[0]
    early = (G <= first) & ~np.isnan(G)
    for u in wide.index[early]:
        dropped.append({"unit": u, "reason": "treated in the first period (no pre-period)"})
    if early.any():
        notes.append(f"{int(early.sum())} units treated in the first period are dropped")
    wide, G = wide[~early], G[~early]
    Y = wide.to_numpy()
    n = len(G)
    never = np.isnan(G)
    if control == "never" and not never.any():
        raise ModelError(
            "no never-treated units: there is no never-treated comparison group",
            where=source,
            fix="use control='notyet' (--cs-control notyet)",
        )
    groups_all = np.unique(G[~never])
    if groups_all.size == 0:
        raise ModelError("no treated units with a pre-period", where=source)
    pos = {int(v): k for k, v in enumerate(periods)}
    rows, psis = [], []
    for g in groups_all:
        gi = pos[int(g)]
        in_g = G == g
        for ti in range(1, len(periods)):
            t = periods[ti]
            post = t >= g
            if base_period == "universal":
                bi = gi - 1
                if ti == bi:
                    continue
            else:
                bi = gi - 1 if post else ti - 1
            b = periods[bi]
            if control == "never":
                in_c = never.copy()
            else:
                in_c = never | ((G > max(t, b)) & (G != g))
            n_g, n_c = int(in_g.sum()), int(in_c.sum())
            if n_c == 0:
                notes.append(f"ATT({int(g)}, {int(t)}): no comparison units, skipped")
                continue
            dy = Y[:, ti] - Y[:, bi]
            mu_g, mu_c = dy[in_g].mean(), dy[in_c].mean()
            psi = np.where(in_g, n / n_g * (dy - mu_g), 0.0) - np.where(
                in_c, n / n_c * (dy - mu_c), 0.0
            )
            rows.append((g, t, b, mu_g - mu_c, np.sqrt((psi**2).sum()) / n, n_g, n_c, post))
            psis.append(psi)
    if not rows:
        raise ModelError("no group-time ATT could be estimated", where=source)
    tab = pd.DataFrame(
        rows, columns=["group", "time", "base", "att", "se", "n_group", "n_control", "post"]
    )
    q = stats.norm.ppf(1 - alpha / 2)
    tab["ci_low"], tab["ci_high"] = tab["att"] - q * tab["se"], tab["att"] + q * tab["se"]
    psi = np.column_stack(psis)
    att = tab["att"].to_numpy()
    cell_g = tab["group"].to_numpy()
    pg_group = {g: float(np.mean(G == g)) for g in groups_all}
    pg = np.array([pg_group[g] for g in cell_g])

    def se(inf: np.ndarray) -> float:
        return float(np.sqrt((inf**2).sum()) / n)

    keep = np.flatnonzero(tab["post"].to_numpy())
    s_att, s_inf = _aggregate(att, psi, keep, pg, G, cell_g)
    # event time on the period grid
    ev = np.array([pos[int(t)] - pos[int(g)] for t, g in zip(tab["time"], cell_g, strict=True)])
    dyn_rows, dyn_infs = [], []
    for e in np.unique(ev):
        k = np.flatnonzero(ev == e)
        a, inf = _aggregate(att, psi, k, pg, G, cell_g)
        dyn_rows.append((int(e), a, se(inf)))
        dyn_infs.append((int(e), inf))
    dyn = pd.DataFrame(dyn_rows, columns=["e", "att", "se"])
    dyn["ci_low"], dyn["ci_high"] = dyn["att"] - q * dyn["se"], dyn["att"] + q * dyn["se"]
    post_inf = [inf for e, inf in dyn_infs if e >= 0]
    d_att = float(dyn.loc[dyn["e"] >= 0, "att"].mean())
    d_inf = np.mean(np.column_stack(post_inf), axis=1)
    return CsResult(
        att_gt=tab[
            [
                "group",
                "time",
                "base",
                "att",
                "se",
                "ci_low",
                "ci_high",
                "n_group",
                "n_control",
                "post",
            ]
        ],
        simple={"att": s_att, "se": se(s_inf)},
        dynamic=dyn,
        dynamic_overall={"att": d_att, "se": se(d_inf)},
        control=control,
        base_period=base_period,
        n_units=n,
        dropped=pd.DataFrame(dropped, columns=["unit", "reason"]),
        notes=notes,
    )
