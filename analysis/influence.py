"""Influence diagnostics: leverage, studentised residuals, Cook's distance, DFFITS, DFBETAS.

Every measure is a closed form of the single fit (the ``Q`` and ``R`` factors
kept on :class:`~smekit.analysis.ols.OLSResult`): no ``n x n`` hat matrix and
no leave-one-out refits, so memory and time are ``O(n k)``.

References
----------
Cook, R. D. (1977). Detection of influential observation in linear regression.
*Technometrics*, 19(1), 15-18.
Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression diagnostics:
Identifying influential data and sources of collinearity*. Wiley, chapter 2.
Chatterjee, S., & Hadi, A. S. (1988). *Sensitivity analysis in linear
regression*. Wiley, chapter 4 (leave-one-out identities).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from smekit.analysis.ols import OLSResult, fit_ols
from smekit.analysis.report_values import jsonable as _jsonable
from smekit.core.errors import ModelError

__all__ = [
    "RULES",
    "InfluenceResult",
    "compare_models",
    "influence",
    "refit_without_flagged",
]

RULES: dict[str, str] = {
    "cooks_gt_1": "Cook's distance > 1",
    "cooks_gt_4n": "Cook's distance > 4/n",
    "leverage_gt_2p": "leverage > 2p/n",
    "leverage_gt_3p": "leverage > 3p/n",
    "student_gt_3": "|externally studentised residual| > 3",
    "leverage_1": "leverage = 1 (the case alone determines a coefficient)",
}
"""Flag rules: ``p`` is the number of estimated coefficients (columns of ``X``,
intercept included), so ``2p/n`` is the ``2(k+1)/n`` rule for ``k`` predictors."""

DEFAULT_REFIT_RULES: tuple[str, ...] = ("cooks_gt_1", "leverage_gt_2p")


@dataclass(frozen=True, eq=False)
class InfluenceResult:
    """Per-case influence measures of a fitted linear model.

    Attributes
    ----------
    ids
        Case identifiers, in row order.
    terms
        Coefficient names (columns of :attr:`dfbetas`).
    leverage
        Hat values ``h_i``.
    student_internal
        ``e_i / (s sqrt(1 - h_i))`` (R ``rstandard``).
    student_external
        ``e_i / (s_(i) sqrt(1 - h_i))`` with the leave-one-out residual standard
        error ``s_(i)`` (R ``rstudent``).
    cooks_d
        Cook's distance (R ``cooks.distance``).
    dffits
        ``t_i sqrt(h_i / (1 - h_i))`` (R ``dffits``).
    covratio
        ``(s_(i) / s)^(2p) / (1 - h_i)`` (R ``covratio``).
    dfbetas
        ``n x p`` array of scaled coefficient changes when case ``i`` is left
        out (R ``dfbetas``); computed on first use, from the model's ``Q`` and
        ``R``, so a suite that never reads it never holds it.
    flags
        Boolean frame, one column per rule in :data:`RULES`, indexed by id.
    thresholds
        Cut-offs used: ``cooks_4n = 4/n``, ``leverage_2p = 2p/n``,
        ``leverage_3p = 3p/n``.
    """

    ids: pd.Index
    terms: list[str]
    leverage: np.ndarray = field(repr=False)
    student_internal: np.ndarray = field(repr=False)
    student_external: np.ndarray = field(repr=False)
    cooks_d: np.ndarray = field(repr=False)
    dffits: np.ndarray = field(repr=False)
    covratio: np.ndarray = field(repr=False)
    flags: pd.DataFrame = field(repr=False)
    dfbetas_parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = field(repr=False)
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    @cached_property
    def dfbetas(self) -> np.ndarray:
        """DFBETAS: ``(Q R^-T)_ij e_i / ((1 - h_i) s_(i) sqrt((X'X)^-1_jj))``."""
        q, r_inv, row_scale, col_scale = self.dfbetas_parts
        dfb = q @ r_inv.T
        dfb *= row_scale[:, None]
        dfb /= col_scale[None, :]
        return dfb

    def _rule_strings(self) -> np.ndarray:
        """Comma-joined rule names per case (``""`` when none), built per distinct pattern."""
        flags = self.flags.to_numpy()
        names = list(self.flags.columns)
        codes = np.zeros(flags.shape[0], dtype=np.int64)
        for b in range(len(names)):
            codes |= flags[:, b].astype(np.int64) << b
        labels = np.array(
            [
                ", ".join(nm for b, nm in enumerate(names) if code >> b & 1)
                for code in range(1 << len(names))
            ],
            dtype=object,
        )
        return labels[codes]

    @property
    def flagged(self) -> pd.DataFrame:
        """One row per flagged case: id, rules, cooks_d, leverage, student_external."""
        rows = np.flatnonzero(self.flags.to_numpy().any(axis=1))
        return pd.DataFrame(
            {
                "id": self.ids[rows],
                "rules": pd.Series(self._rule_strings()[rows], dtype=object),
                "cooks_d": self.cooks_d[rows],
                "leverage": self.leverage[rows],
                "student_external": self.student_external[rows],
            }
        )

    def mask(self, rules: Sequence[str] = DEFAULT_REFIT_RULES, how: str = "any") -> np.ndarray:
        """Boolean array: cases flagged by ``any`` (or ``all``) of ``rules``."""
        rules = _check_rules(rules)
        sub = self.flags[list(rules)].to_numpy()
        if how == "any":
            return sub.any(axis=1)
        if how == "all":
            return sub.all(axis=1)
        raise ModelError(f"how must be 'any' or 'all', got {how!r}")

    def verdict(self, rules: Sequence[str] = DEFAULT_REFIT_RULES) -> str:
        """Plain-language summary of the cases flagged by ``rules``."""
        m = self.mask(rules)
        if not m.any():
            return "No case is flagged as influential (" + "; ".join(RULES[r] for r in rules) + ")"
        ids = ", ".join(str(v) for v in self.ids[m][:10])
        more = f" and {int(m.sum()) - 10} more" if m.sum() > 10 else ""
        return (
            f"{int(m.sum())} case(s) flagged ({ids}{more}): inspect them and compare the "
            "model refitted without them"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per case: id, the measures, ``dfb_<term>`` columns and rules."""
        data: dict[str, Any] = {
            "id": self.ids,
            "leverage": self.leverage,
            "student_internal": self.student_internal,
            "student_external": self.student_external,
            "cooks_d": self.cooks_d,
            "dffits": self.dffits,
            "covratio": self.covratio,
        }
        for j, t in enumerate(self.terms):
            data[f"dfb_{t}"] = self.dfbetas[:, j]
        frame = pd.DataFrame(data)
        frame["rules"] = pd.Series(self._rule_strings(), dtype=object)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Measures keyed by ``str(id)``; ``dfbetas`` as id -> {term: value}."""
        keys = [str(v) for v in self.ids]

        def by_id(values: np.ndarray) -> dict[str, Any]:
            return {key: _jsonable(v) for key, v in zip(keys, values.tolist(), strict=True)}

        dfb = {
            key: {t: _jsonable(v) for t, v in zip(self.terms, row, strict=True)}
            for key, row in zip(keys, self.dfbetas.tolist(), strict=True)
        }
        flagged = self.flagged
        return {
            "cooks_d": by_id(self.cooks_d),
            "leverage": by_id(self.leverage),
            "dfbetas": dfb,
            "dffits": by_id(self.dffits),
            "student_internal": by_id(self.student_internal),
            "student_external": by_id(self.student_external),
            "covratio": by_id(self.covratio),
            "flagged": [
                {"id": str(i), "rules": r.split(", ")}
                for i, r in zip(flagged["id"], flagged["rules"], strict=True)
            ],
            "thresholds": {k: _jsonable(v) for k, v in self.thresholds.items()},
        }


def _check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    if isinstance(rules, str):
        rules = (rules,)
    rules = tuple(rules)
    unknown = [r for r in rules if r not in RULES]
    if unknown or not rules:
        raise ModelError(
            f"unknown influence rule(s) {unknown}" if unknown else "no influence rule given",
            fix="choose from " + ", ".join(RULES),
        )
    return rules


def influence(ols: OLSResult, *, id_labels: Sequence[Any] | None = None) -> InfluenceResult:
    """Leverage, studentised residuals, Cook's distance, DFFITS, COVRATIO and DFBETAS.

    Closed forms (Belsley, Kuh & Welsch, 1980; Cook, 1977), with ``X = QR``,
    ``e`` the residuals, ``s`` the residual standard error and ``p`` the number
    of coefficients:

    - ``h_i = ||q_i||^2`` (row sums of ``Q**2``);
    - ``s_(i)^2 = (SSR - e_i^2 / (1 - h_i)) / (n - p - 1)`` (leave-one-out);
    - ``D_i = r_i^2 h_i / (p (1 - h_i))`` with ``r_i = e_i / (s sqrt(1 - h_i))``;
    - ``DFBETAS_ij = [(X'X)^-1 x_i]_j e_i / ((1 - h_i) s_(i) sqrt([(X'X)^-1]_jj))``,
      where ``(X'X)^-1 x_i = R^-1 q_i``.

    They equal R's ``influence.measures(lm(...))`` columns and statsmodels'
    ``OLSInfluence`` (which refits the model ``n`` times for DFBETAS; this
    does not).

    Flag rules are listed in :data:`RULES`. Cases with leverage 1 have residual
    0 and undefined studentised measures: those are NaN and the case is flagged
    ``leverage_1``.

    Parameters
    ----------
    ols
        A fitted model.
    id_labels
        Labels for the cases, one per row used in the fit; the design's ids by
        default.

    Returns
    -------
    InfluenceResult

    Raises
    ------
    ModelError
        If fewer than ``p + 2`` rows were used (leave-one-out variances need at
        least one residual degree of freedom after deleting a case) or
        ``id_labels`` has the wrong length.
    """
    n, p = ols.nobs, ols.k
    if n - p - 1 <= 0:
        raise ModelError(
            f"influence measures need at least {p + 2} rows for {p} coefficients; got {n}",
            where=ols.design.formula,
        )
    if id_labels is None:
        ids = ols.design.ids
    else:
        ids = pd.Index(list(id_labels) if not isinstance(id_labels, pd.Index) else id_labels)
        if len(ids) != n:
            raise ModelError(
                f"id_labels has {len(ids)} labels but the model used {n} rows",
                fix="pass one label per row of the fitted design",
            )
    h = ols.leverage
    e = ols.resid
    s = ols.sigma
    one_minus_h = 1.0 - h
    at_one = one_minus_h <= 1e-10
    safe = np.where(at_one, np.nan, one_minus_h)

    s_i2 = (ols.ssr - e * e / safe) / (n - p - 1)
    s_i = np.sqrt(np.maximum(s_i2, 0.0))
    sqrt_1mh = np.sqrt(safe)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_int = e / (s * sqrt_1mh)
        t_ext = e / (s_i * sqrt_1mh)
        cooks = r_int * r_int * h / (p * safe)
        dffits = t_ext * np.sqrt(h / safe)
        covratio = (s_i / s) ** (2 * p) / safe

        r_inv = scipy.linalg.solve_triangular(ols.r_factor, np.eye(p), check_finite=False)
        dfb_parts = (ols.q_factor, r_inv, e / (safe * s_i), np.sqrt(np.diag(ols.xtx_inv)))

    cut_4n = 4.0 / n
    cut_2p = 2.0 * p / n
    cut_3p = 3.0 * p / n
    flags = pd.DataFrame(
        {
            "cooks_gt_1": np.nan_to_num(cooks, nan=0.0) > 1.0,
            "cooks_gt_4n": np.nan_to_num(cooks, nan=0.0) > cut_4n,
            "leverage_gt_2p": h > cut_2p,
            "leverage_gt_3p": h > cut_3p,
            "student_gt_3": np.abs(np.nan_to_num(t_ext, nan=0.0)) > 3.0,
            "leverage_1": at_one,
        },
        index=ids,
    )
    return InfluenceResult(
        ids=ids,
        terms=list(ols.names),
        leverage=h,
        student_internal=r_int,
        student_external=t_ext,
        cooks_d=cooks,
        dffits=dffits,
        covratio=covratio,
        flags=flags,
        dfbetas_parts=dfb_parts,
        thresholds={"cooks_4n": cut_4n, "leverage_2p": cut_2p, "leverage_3p": cut_3p},
    )


def refit_without_flagged(
    ols: OLSResult,
    infl: InfluenceResult,
    rules: Sequence[str] = DEFAULT_REFIT_RULES,
    *,
    how: str = "any",
) -> OLSResult:
    """Refit the model without the cases flagged by ``rules``.

    The default rule set is the one S1 reports: Cook's distance above 1 or
    leverage above ``2p/n`` (``2(k+1)/n`` with ``k`` predictors); a case is
    dropped when ``any`` of the rules flags it (``how="all"`` drops only cases
    flagged by every rule). When no case is flagged, ``ols`` itself is
    returned.

    Raises
    ------
    ModelError
        If ``infl`` does not belong to ``ols``, a rule is unknown, or too few
        rows remain to fit the model.
    """
    if infl.n != ols.nobs:
        raise ModelError(
            f"influence result has {infl.n} cases but the model used {ols.nobs} rows",
            fix="compute influence(ols) on the same fitted model",
        )
    drop = infl.mask(rules, how)
    if not drop.any():
        return ols
    keep = ~drop
    if int(keep.sum()) <= ols.k:
        raise ModelError(
            f"dropping {int(drop.sum())} flagged case(s) leaves {int(keep.sum())} rows "
            f"for {ols.k} coefficients",
            where=ols.design.formula,
            fix="use a stricter rule such as cooks_gt_1",
        )
    refit = fit_ols(ols.design.subset(keep), alpha=ols.alpha)
    # Q of the refit is formed again on first use (same values); not holding it
    # keeps an n x k array out of memory in a suite that never reads it.
    refit.__dict__.pop("q_factor", None)
    return refit


def compare_models(
    a: OLSResult, b: OLSResult, labels: tuple[str, str] = ("full", "reduced")
) -> pd.DataFrame:
    """Coefficients of two fits side by side.

    One row per term (union of both models' terms, in ``a``'s order first):
    ``coef_``, ``se_``, ``p_`` for each label, the difference ``diff = b - a``
    and ``rel_diff = diff / |a|``. The frame's ``attrs`` hold both models'
    ``n`` and R-squared.
    """
    la, lb = labels
    if la == lb:
        raise ModelError("compare_models needs two different labels")
    terms = list(a.names) + [t for t in b.names if t not in a.names]

    def cols(res: OLSResult, label: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                f"coef_{label}": res.params,
                f"se_{label}": res.bse,
                f"p_{label}": res.pvalues,
            }
        ).reindex(terms)

    out = pd.concat([cols(a, la), cols(b, lb)], axis=1)
    out["diff"] = out[f"coef_{lb}"] - out[f"coef_{la}"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_diff"] = out["diff"] / out[f"coef_{la}"].abs()
    out.index.name = "term"
    out = out.reset_index()
    out.attrs = {
        f"n_{la}": a.nobs,
        f"n_{lb}": b.nobs,
        f"rsquared_{la}": a.rsquared,
        f"rsquared_{lb}": b.rsquared,
    }
    return out
