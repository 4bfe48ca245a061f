"""What a firm should work on first: its gap on a dimension times the dimension's effect.

Priority rule
-------------
For each dimension ``j`` that is a predictor in the study's regression, the
expected gain of closing the firm's gap is

    gain_j = max(gap_j, 0) x b_j

where ``gap_j`` is the gap to the peer top quartile (or the peer median;
configurable) in score points and ``b_j`` is the dimension's coefficient (in
outcome points per score point), with its confidence interval. The firm's
priorities are at most ``max_n`` dimensions (default 3) with a positive gap
and a positive effect, ranked by gain:

1. dimensions whose effect CI lies above zero come first (``supported``);
2. dimensions whose CI covers zero follow only when fewer than ``max_n`` are
   supported, and each says so in its note;
3. a dimension whose effect CI lies below zero, the outcome itself and
   dimensions without an estimated effect are never priorities.

The gain is an association in the study's data, not a causal promise; every
priority carries the effect and its CI so the reasoning is visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import ModelError

__all__ = [
    "Effect",
    "Priority",
    "effects_from_estimates",
    "effects_from_json",
    "effects_from_suite",
    "rank_priorities",
]

GAPS = {"top_quartile": "gap_top", "median": "gap_median"}


@dataclass(frozen=True)
class Effect:
    """A dimension's effect on the study's outcome, from one model."""

    dimension: str
    estimate: float
    ci_low: float
    ci_high: float
    p: float
    outcome: str
    model: str = "OLS"
    level: float = 0.95

    @property
    def covers_zero(self) -> bool:
        return bool(self.ci_low <= 0.0 <= self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p": self.p,
            "outcome": self.outcome,
            "model": self.model,
            "level": self.level,
        }


def effects_from_estimates(
    estimates: Any, outcome: str, model: str = "OLS", alpha: float = 0.05
) -> dict[str, Effect]:
    """Effects of every non-intercept term of an :class:`~smekit.analysis.estimates.Estimates`."""
    ci = estimates.conf_int(alpha)
    pvalues = estimates.pvalues
    out = {}
    for term in estimates.names:
        if term == "Intercept":
            continue
        out[term] = Effect(
            dimension=term,
            estimate=float(estimates.params[term]),
            ci_low=float(ci.loc[term, "lower"]),
            ci_high=float(ci.loc[term, "upper"]),
            p=float(pvalues[term]),
            outcome=outcome,
            model=model,
            level=1.0 - alpha,
        )
    return out


def effects_from_suite(suite: Any, outcome: str) -> dict[str, Effect]:
    """Effects from a fitted :class:`~smekit.analysis.suite.RegressionSuite` (its OLS model)."""
    ols = suite.ols
    estimates = getattr(ols, "estimates", None)
    if callable(estimates):
        return effects_from_estimates(estimates(), outcome)
    ci = ols.conf_int()
    lo, hi = ci.iloc[:, 0], ci.iloc[:, 1]
    return {
        str(t): Effect(str(t), float(ols.params[t]), float(lo[t]), float(hi[t]), float(p), outcome)
        for t, p in ols.pvalues.items()
        if t != "Intercept"
    }


def effects_from_json(suite: Mapping[str, Any], where: str = "suite.json") -> dict[str, Effect]:
    """Effects from ``results/regression/suite.json`` (keys ``ols.params``, ``ols.conf_int``)."""
    try:
        ols = suite["ols"]
        params, ci, pvalues = ols["params"], ols["conf_int"], ols["pvalues"]
        outcome = str(suite["formula"]).split("~")[0].strip()
    except (KeyError, TypeError) as exc:
        raise ModelError(
            f"the regression results have no key {exc}", where=where, fix="rerun smekit analyze"
        ) from None
    out = {}
    for term, value in params.items():
        if term == "Intercept" or value is None or ci.get(term) is None:
            continue
        low, high = ci[term]
        p = pvalues.get(term)
        out[term] = Effect(
            term,
            float(value),
            float("nan") if low is None else float(low),
            float("nan") if high is None else float(high),
            float("nan") if p is None else float(p),
            outcome,
        )
    return out


@dataclass(frozen=True)
class Priority:
    """One priority of one firm."""

    rank: int
    dimension: str
    label: str
    gap: float
    gain: float
    effect: Effect
    supported: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "dimension": self.dimension,
            "label": self.label,
            "gap": self.gap,
            "gain": self.gain,
            "supported": self.supported,
            "note": self.note,
            "effect": self.effect.to_dict(),
        }


def _note(label: str, gap: float, gain: float, e: Effect, basis: str) -> str:
    ci = f"{e.level:.0%} CI {e.ci_low:.2f} to {e.ci_high:.2f}"
    text = (
        f"Closing the gap of {gap:.2f} points to the peer {basis} on {label.lower()} goes with "
        f"{gain:+.2f} points of {e.outcome.replace('_', ' ')} in the study "
        f"(b = {e.estimate:.2f}, {ci})."
    )
    if e.covers_zero:
        text += " The effect's CI covers zero: the study does not support this priority."
    return text


def rank_priorities(
    profiles: pd.DataFrame,
    effects: Mapping[str, Effect],
    *,
    gap: str = "top_quartile",
    max_n: int = 3,
) -> pd.DataFrame:
    """Rank every firm's priorities by ``max(gap, 0) x effect`` (rule in the module docstring).

    Parameters
    ----------
    profiles
        :attr:`Benchmark.profiles` (or one firm's rows): ``firm_id``,
        ``dimension``, ``label`` and the gap columns.
    effects
        Dimension -> :class:`Effect`.
    gap
        ``"top_quartile"`` (default) or ``"median"``.
    max_n
        At most this many priorities per firm.

    Returns
    -------
    pandas.DataFrame
        One row per firm and priority: ``firm_id``, ``rank``, ``dimension``,
        ``label``, ``gap``, ``effect``, ``ci_low``, ``ci_high``, ``p``,
        ``gain``, ``supported``, ``note``.

    Examples
    --------
    >>> prof = pd.DataFrame({"firm_id": ["A", "A", "A"], "dimension": ["x", "y", "z"],
    ...                      "label": ["X", "Y", "Z"], "gap_top": [1.0, 2.0, 0.5],
    ...                      "gap_median": [0.5, 1.0, 0.0]})
    >>> eff = {"x": Effect("x", 0.5, 0.2, 0.8, 0.001, "out"),
    ...        "y": Effect("y", 0.1, -0.1, 0.3, 0.3, "out"),
    ...        "z": Effect("z", 0.9, 0.5, 1.3, 0.0001, "out")}
    >>> r = rank_priorities(prof, eff)
    >>> r[["dimension", "gain", "supported"]].values.tolist()
    [['x', 0.5, True], ['z', 0.45, True], ['y', 0.2, False]]
    """
    if gap not in GAPS:
        raise ModelError(f"unknown priority gap {gap!r}", fix=f"use one of {sorted(GAPS)}")
    columns = [
        "firm_id",
        "rank",
        "dimension",
        "label",
        "gap",
        "effect",
        "ci_low",
        "ci_high",
        "p",
        "gain",
        "supported",
        "note",
    ]
    eff = pd.DataFrame([e.to_dict() for e in effects.values()])
    if eff.empty:
        return pd.DataFrame(columns=columns)
    eff = eff.rename(columns={"estimate": "effect"})
    rows = profiles.loc[profiles["dimension"].isin(eff["dimension"]), :]
    rows = rows[["firm_id", "dimension", "label", GAPS[gap]]].rename(columns={GAPS[gap]: "gap"})
    rows = rows.merge(eff, on="dimension", how="inner")
    rows = rows[(rows["gap"] > 0) & (rows["effect"] > 0) & ~(rows["ci_high"] < 0)].copy()
    rows["gain"] = rows["gap"] * rows["effect"]
    rows["supported"] = rows["ci_low"] > 0
    rows = rows.sort_values(
        ["firm_id", "supported", "gain"], ascending=[True, False, False], kind="stable"
    )
    rows["rank"] = rows.groupby("firm_id", sort=False).cumcount() + 1
    rows = rows[rows["rank"] <= max_n].reset_index(drop=True)
    basis = "top quartile" if gap == "top_quartile" else "median"
    by_dim = {d: e for d, e in effects.items()}
    rows["note"] = [
        _note(lab, g, gn, by_dim[d], basis)
        for lab, g, gn, d in zip(
            rows["label"], rows["gap"], rows["gain"], rows["dimension"], strict=True
        )
    ]
    return rows[columns]


def priority_objects(table: pd.DataFrame, effects: Mapping[str, Effect]) -> list[Priority]:
    """The rows of :func:`rank_priorities` for one firm as :class:`Priority` records."""
    return [
        Priority(
            rank=int(r["rank"]),
            dimension=r["dimension"],
            label=r["label"],
            gap=float(r["gap"]),
            gain=float(r["gain"]),
            effect=effects[r["dimension"]],
            supported=bool(r["supported"]),
            note=r["note"],
        )
        for r in table.to_dict(orient="records")
    ]


def unranked_notes(
    dimensions: Sequence[str], labels: Mapping[str, str], effects: Mapping[str, Effect]
) -> list[str]:
    """Why a dimension can never be a priority (no effect, or an effect below zero)."""
    notes = []
    for d in dimensions:
        e = effects.get(d)
        label = labels.get(d, d)
        if e is None:
            notes.append(f"{label}: no effect estimated in the study (not a predictor).")
        elif e.ci_high < 0 or (np.isfinite(e.estimate) and e.estimate <= 0):
            notes.append(
                f"{label}: the study's effect is not positive (b = {e.estimate:.2f}, "
                f"CI {e.ci_low:.2f} to {e.ci_high:.2f}); not a priority."
            )
    return notes
