"""Headline findings in plain words, from results already computed.

The app's overview and the study report open with the same sentences, built
here from the survey summary (``results/survey/summary.json``) and the
regression suite (``results/regression/suite.json``), so the two cannot
disagree. Nothing is estimated: every number is read from the results.

Example
-------
>>> suite = {
...     "n": 300,
...     "ols": {
...         "params": {"Intercept": -1.5, "a": 0.45, "b": 0.2},
...         "conf_int": {"Intercept": [-2, -1], "a": [0.36, 0.55], "b": [-0.01, 0.41]},
...         "pvalues": {"Intercept": 1e-11, "a": 1e-19, "b": 0.06},
...         "rsquared": 0.61,
...     },
... }
>>> for line in regression_headlines(suite):
...     print(line)
OLS on 300 firms explains 61.0% of the variance in the outcome (R² = 0.610).
a: b = 0.450, 95% CI [0.360, 0.550], p < .001.
b: b = 0.200, 95% CI [-0.010, 0.410], p = .060 (the interval covers zero).
The largest effect is a (b = 0.450).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smekit.analysis.display import apa_number, apa_p

INTERCEPT = "Intercept"


def _p_text(p: float | None) -> str:
    text = apa_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def coefficient_sentence(term: str, b: float, ci: list[float] | None, p: float | None) -> str:
    """``term: b = 0.454, 95% CI [0.361, 0.548], p < .001.``"""
    parts = [f"{term}: b = {apa_number(b)}"]
    covers = False
    if ci is not None and len(ci) == 2 and ci[0] is not None and ci[1] is not None:
        parts.append(f"95% CI [{apa_number(ci[0])}, {apa_number(ci[1])}]")
        covers = ci[0] <= 0 <= ci[1]
    parts.append(_p_text(p))
    return ", ".join(parts) + (" (the interval covers zero)." if covers else ".")


def regression_headlines(
    suite: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> list[str]:
    """Sentences on the OLS model, each predictor, the largest effect and the checks run.

    Parameters
    ----------
    suite
        The regression suite's JSON (``results/regression/suite.json``).
    labels
        Optional display names of terms (construct labels).
    """
    labels = labels or {}
    ols = suite.get("ols") or {}
    params = {k: v for k, v in (ols.get("params") or {}).items() if k != INTERCEPT}
    if not params:
        return []
    out = []
    r2 = ols.get("rsquared")
    if r2 is not None:
        out.append(
            f"OLS on {suite.get('n', '?')} firms explains {100 * r2:.1f}% of the variance in "
            f"the outcome (R² = {apa_number(r2)})."
        )
    ci = ols.get("conf_int") or {}
    pv = ols.get("pvalues") or {}
    for term, b in params.items():
        out.append(coefficient_sentence(labels.get(term, term), b, ci.get(term), pv.get(term)))
    largest = max(params, key=lambda t: abs(params[t]) if params[t] is not None else -1)
    out.append(
        f"The largest effect is {labels.get(largest, largest)} (b = {apa_number(params[largest])})."
    )
    reset = suite.get("reset") or {}
    if reset.get("pvalue") is not None:
        verdict = "no sign of" if reset["pvalue"] >= 0.05 else "evidence of"
        out.append(
            f"Ramsey RESET finds {verdict} a misspecified functional form "
            f"(F = {apa_number(reset.get('fstat'))}, {_p_text(reset['pvalue'])})."
        )
    flagged = (suite.get("influence") or {}).get("flagged") or []
    strong = [
        f["id"] for f in flagged if {"cooks_gt_1", "leverage_gt_2p"} & set(f.get("rules", []))
    ]
    if strong:
        shown = ", ".join(str(s) for s in strong[:5]) + (" ..." if len(strong) > 5 else "")
        out.append(
            f"{len(strong)} firm(s) exceed Cook's D > 1 or leverage > 2p/n ({shown}); "
            "the model refitted without them is on the Regression page."
        )
    huber = (suite.get("huber") or {}).get("params") or {}
    if huber:
        same = all((huber.get(t) or 0) * b > 0 for t, b in params.items())
        out.append(
            "Huber M-estimates keep the sign of every OLS coefficient."
            if same
            else "Huber M-estimates change the sign of at least one coefficient."
        )
    return out


def survey_headlines(summary: Mapping[str, Any]) -> list[str]:
    """Sentences on the responses kept and the reliability of the scales.

    Examples
    --------
    >>> s = {"responses_in": 304, "kept": 300, "excluded": 4,
    ...      "reliability": {"a": {"alpha": 0.88}, "b": {"alpha": 0.91}}}
    >>> survey_headlines(s)[0]
    '300 of 304 responses were analysed; 4 were excluded by the quality rules.'
    """
    out = []
    n_in, kept = summary.get("responses_in"), summary.get("kept")
    if n_in is not None and kept is not None:
        out.append(
            f"{kept} of {n_in} responses were analysed; "
            f"{summary.get('excluded', n_in - kept)} were excluded by the quality rules."
        )
    alphas = [v.get("alpha") for v in (summary.get("reliability") or {}).values()]
    alphas = [a for a in alphas if a is not None]
    if alphas:
        out.append(
            f"Cronbach's alpha ranges from {apa_number(min(alphas))} to "
            f"{apa_number(max(alphas))} across the {len(alphas)} scales."
        )
    return out
