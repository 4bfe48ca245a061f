"""Joint display: each interview theme next to the survey construct it speaks to.

The integration step of an exploratory sequential mixed-methods study sets
every qualitative theme against the quantitative evidence on the matching
construct (S1: the digital-tools theme against the digital-tools coefficient).
:func:`joint_display` builds one row per declared theme–construct pair with

* the theme's prevalence (participants voicing it / participants interviewed,
  and its segment count) and its best quotes, attributed;
* the construct's OLS and Huber coefficients with 95% confidence intervals;
* its stability across subgroups (share of modelled subgroups with a positive
  coefficient at p < .05);
* a proposed convergence verdict by the rule below, which the researcher may
  change (the app saves the change in the study, never in ``results/``).

Convergence rule
----------------
Following the three "fits" of integrated data in Fetters, Curry & Creswell
(2013) — confirmation, expansion, discordance — a pair is proposed as

``converges``
    the theme is voiced by at least half of the participants (``prevalence >=
    0.5``) **and** the construct's OLS and Huber coefficients are both positive
    with 95% intervals excluding zero;
``diverges``
    the strands contradict: the theme is voiced by at least half of the
    participants while the OLS interval covers zero or the coefficient is not
    positive, **or** the OLS coefficient is negative with an interval excluding
    zero;
``complements``
    anything else: both strands point the same way but one is partial (a theme
    voiced by fewer than half the participants next to a clear effect, or a
    widely voiced theme whose effect holds in OLS but not in the Huber fit).

Themes are read as reports of a strategy that helps, so a positive coefficient
is the quantitative counterpart of a voiced theme.

References
----------
Fetters, M. D., Curry, L. A., & Creswell, J. W. (2013). Achieving integration
in mixed methods designs — principles and practices. *Health Services
Research*, 48(6 Pt 2), 2134–2156. https://doi.org/10.1111/1475-6773.12117

Guetterman, T. C., Fetters, M. D., & Creswell, J. W. (2015). Integrating
quantitative and qualitative results in health science mixed methods research
through joint displays. *Annals of Family Medicine*, 13(6), 554–561.

Examples
--------
>>> propose_verdict(prevalence=0.8, ols_ci=(0.36, 0.55), huber_ci=(0.40, 0.60))
'converges'
>>> propose_verdict(prevalence=0.8, ols_ci=(-0.05, 0.30), huber_ci=(-0.02, 0.31))
'diverges'
>>> propose_verdict(prevalence=0.3, ols_ci=(0.10, 0.30), huber_ci=(0.12, 0.33))
'complements'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from smekit.core.jsonable import json_ready

VERDICTS = ("converges", "complements", "diverges")
PREVALENT = 0.5
SIGNIFICANT = 0.05


def _excludes_zero_positive(ci: Sequence[float] | None) -> bool:
    return ci is not None and ci[0] is not None and ci[0] > 0


def _covers_zero(ci: Sequence[float] | None) -> bool:
    return ci is None or ci[0] is None or ci[1] is None or ci[0] <= 0 <= ci[1]


def propose_verdict(
    prevalence: float | None,
    ols_ci: Sequence[float] | None,
    huber_ci: Sequence[float] | None,
) -> str:
    """The convergence verdict the rule in the module docstring proposes for one pair."""
    prevalent = prevalence is not None and prevalence >= PREVALENT
    ols_pos = _excludes_zero_positive(ols_ci)
    ols_neg = ols_ci is not None and ols_ci[1] is not None and ols_ci[1] < 0
    if prevalent and ols_pos and _excludes_zero_positive(huber_ci):
        return "converges"
    if (prevalent and (_covers_zero(ols_ci) or ols_neg)) or ols_neg:
        return "diverges"
    return "complements"


def rule_reason(prevalence: float | None, ols_ci, huber_ci, verdict: str) -> str:
    """One sentence saying why the rule proposed ``verdict``."""
    share = "unknown" if prevalence is None else f"{100 * prevalence:.0f}%"
    ols = "positive" if _excludes_zero_positive(ols_ci) else "not clearly positive"
    hub = "positive" if _excludes_zero_positive(huber_ci) else "not clearly positive"
    return (
        f"Theme voiced by {share} of participants; OLS effect {ols}, Huber effect {hub} "
        f"(95% CIs) → {verdict}."
    )


@dataclass(frozen=True)
class JointDisplay:
    """Rows of the joint display (one per theme–construct pair) and the rule's inputs."""

    rows: pd.DataFrame
    quotes: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        records = []
        for row in self.rows.to_dict("records"):
            records.append({k: json_ready(v) for k, v in row.items()})
        quotes = [{k: json_ready(v) for k, v in q.items()} for q in self.quotes.to_dict("records")]
        return {"pairs": records, "quotes": quotes, "notes": list(self.notes), "rule": RULE_TEXT}


RULE_TEXT = (
    "converges: theme voiced by >= 50% of participants and OLS and Huber coefficients positive "
    "with 95% CIs excluding zero; diverges: theme voiced by >= 50% while the OLS CI covers zero "
    "or the effect is not positive, or a negative OLS effect with a CI excluding zero; "
    "complements: otherwise (Fetters, Curry & Creswell, 2013)."
)


def _ci(block: Mapping[str, Any] | None, term: str) -> list | None:
    """A coefficient's 95% CI from a result block (its own ``conf_int`` when stored)."""
    if not block:
        return None
    ci = (block.get("conf_int") or {}).get(term)
    if ci is not None:
        return [ci[0], ci[1]]
    return None


def joint_display(
    pairs: Sequence[tuple[str, str]],
    themes: pd.DataFrame,
    suite: Mapping[str, Any],
    quotes: pd.DataFrame | None = None,
    *,
    n_quotes: int = 2,
) -> JointDisplay:
    """One row per (theme, construct) pair: prevalence, quotes, coefficients, verdict.

    Parameters
    ----------
    pairs
        ``(theme id, construct id)`` as declared in ``study.yaml``.
    themes
        One row per theme with ``theme``, ``participants`` (how many voiced it),
        ``n_participants`` (how many were interviewed) and ``segments``; a
        ``name`` column is used as the display label when present.
    suite
        The regression suite's JSON (``ols`` and ``huber`` blocks with
        ``params`` and ``conf_int``; ``subgroups``).
    quotes
        Attributed quotes: ``theme``, ``quote``, ``attribution`` (best first).
    n_quotes
        Quotes shown per theme.

    Returns
    -------
    JointDisplay
    """
    notes: list[str] = []
    by_theme = themes.set_index("theme") if "theme" in themes else pd.DataFrame()
    ols, huber = suite.get("ols") or {}, suite.get("huber") or {}
    groups = {
        k: v
        for k, v in (suite.get("subgroups") or {}).items()
        if isinstance(v, dict) and "params" in v
    }
    rows, shown_quotes = [], []
    for theme, construct in pairs:
        info = by_theme.loc[theme] if theme in by_theme.index else None
        if info is None:
            notes.append(f"theme '{theme}' has no row in the theme table")
        total = None if info is None else info.get("n_participants")
        voiced = None if info is None else info.get("participants")
        prevalence = (voiced / total) if voiced is not None and total else None
        if construct not in (ols.get("params") or {}):
            notes.append(f"construct '{construct}' is not a term of the regression model")
        ols_ci, huber_ci = _ci(ols, construct), _ci(huber, construct)
        stable = [
            g
            for g in groups.values()
            if (g["params"].get(construct) or 0) > 0
            and (g.get("pvalues", {}).get(construct) or 1) < SIGNIFICANT
        ]
        verdict = propose_verdict(prevalence, ols_ci, huber_ci)
        rows.append(
            {
                "theme": theme,
                "theme_name": None if info is None else info.get("name", theme),
                "construct": construct,
                "participants": voiced,
                "n_participants": total,
                "prevalence": prevalence,
                "segments": None if info is None else info.get("segments"),
                "ols_b": (ols.get("params") or {}).get(construct),
                "ols_ci_low": None if ols_ci is None else ols_ci[0],
                "ols_ci_high": None if ols_ci is None else ols_ci[1],
                "huber_b": (huber.get("params") or {}).get(construct),
                "huber_ci_low": None if huber_ci is None else huber_ci[0],
                "huber_ci_high": None if huber_ci is None else huber_ci[1],
                "subgroups_supporting": len(stable),
                "subgroups_modelled": len(groups),
                "proposed_verdict": verdict,
                "reason": rule_reason(prevalence, ols_ci, huber_ci, verdict),
            }
        )
        if quotes is not None and len(quotes):
            shown_quotes += quotes[quotes["theme"] == theme].head(n_quotes).to_dict("records")
    quote_frame = pd.DataFrame(shown_quotes, columns=["theme", "quote", "attribution"])
    return JointDisplay(rows=pd.DataFrame(rows), quotes=quote_frame, notes=notes)
