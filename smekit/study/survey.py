"""``survey:`` and ``regression:`` sections of study.yaml, and the check of the names they use."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from pydantic import Field, field_validator

from smekit.core.errors import StudyError
from smekit.study.base import Strict as _Strict
from smekit.survey.instrument import Instrument


class SurveyConfig(_Strict):
    """``survey:`` — the questionnaire and its responses."""

    instrument: str = Field(description="Library name (s1_resilience_dt) or path to a YAML file")
    responses: str = Field(description="Response file, relative to the study folder")
    id_column: str | None = None
    duration_column: str | None = None
    format: str | None = Field(
        None, description="csv, xlsx, qualtrics, kobo or sav; default: detected"
    )
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    min_item_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="stop when fewer than this share of the items match a column",
    )


class MediationConfig(_Strict):
    """One mediation analysis: ``x`` -> ``m`` -> ``y`` (default: the regression outcome)."""

    x: str
    m: str
    y: str | None = None
    covariates: list[str] = Field(default_factory=list)


class RegressionConfig(_Strict):
    """``regression:`` — the model of the survey suite."""

    outcome: str
    predictors: list[str] = Field(min_length=1)
    controls: list[str] = Field(default_factory=list)
    subgroup: str | None = None
    interactions: list[list[str]] = Field(default_factory=list)
    min_group_size: int | None = Field(None, ge=3)
    robust_alternatives: bool = True
    mediation: list[MediationConfig] = Field(default_factory=list)
    n_boot: int = Field(5000, ge=100)

    @field_validator("interactions")
    @classmethod
    def _pairs(cls, v: list[list[str]]) -> list[list[str]]:
        for pair in v:
            if len(pair) != 2:
                raise ValueError("each interaction is a pair of predictors, e.g. [x1, x2]")
        return v


# --------------------------------------------------------------------------- names

_FUNCTIONS = frozenset({"np", "C", "I", "log", "exp", "sqrt", "center", "scale", "standardize"})
_IDENT = re.compile(r"(?<![.\w'\"])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*[.(])")


def term_names(term: str) -> list[str]:
    """Data columns a model term refers to: ``np.log(employees)`` -> ``["employees"]``.

    Examples
    --------
    >>> term_names("digital_tools"), term_names("np.log(employees)"), term_names("C(sector)")
    (['digital_tools'], ['employees'], ['sector'])
    """
    return [n for n in _IDENT.findall(term) if n not in _FUNCTIONS]


def _closest(name: str, pool: list[str]) -> str:
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    shown = ", ".join(pool[:10]) + (" ..." if len(pool) > 10 else "")
    return f"known names: {shown}"


def check_names(
    survey: SurveyConfig,
    regression: RegressionConfig | None,
    instrument: Instrument,
    where: Callable[..., str],
) -> None:
    """Check every name ``regression:`` uses against the instrument, before any stage runs.

    The regression runs on the analysis frame: one score per construct and the
    items outside constructs (the respondent's profile). Outcome, predictors,
    controls, the subgroup, interaction pairs and mediation variables must name
    one of those; ``where(*key_path)`` gives the ``study.yaml:LINE`` to report.
    The id and duration columns come from the response file and are checked
    against its header when it is read.

    Raises
    ------
    StudyError
        Naming the first unknown name and its line, the closest known names, and
        how many other names are unknown.
    """
    if regression is None:
        return
    constructs = [c.id for c in instrument.constructs]
    profile = [i.id for i in instrument.iter_items() if i.construct_id is None]
    items_in_constructs = {i.id for i in instrument.iter_items() if i.construct_id is not None}
    known = set(constructs) | set(profile)
    if survey.id_column:
        known.add(survey.id_column)
    checks: list[tuple[tuple[str | int, ...], str, list[str]]] = [
        (("regression", "outcome"), regression.outcome, constructs)
    ]
    checks += [
        (("regression", "predictors", i), t, constructs)
        for i, t in enumerate(regression.predictors)
    ]
    checks += [
        (("regression", "controls", i), t, profile) for i, t in enumerate(regression.controls)
    ]
    if regression.subgroup is not None:
        checks.append((("regression", "subgroup"), regression.subgroup, profile))
    for i, pair in enumerate(regression.interactions):
        checks += [
            (("regression", "interactions", i, j), t, constructs + profile)
            for j, t in enumerate(pair)
        ]
    for i, med in enumerate(regression.mediation):
        for key in ("x", "m", "y"):
            value = getattr(med, key)
            if value is not None:
                checks.append((("regression", "mediation", i, key), value, constructs))
        checks += [
            (("regression", "mediation", i, "covariates", j), t, constructs + profile)
            for j, t in enumerate(med.covariates)
        ]
    bad = [
        (loc, name, pool)
        for loc, term, pool in checks
        for name in term_names(term) or [term]
        if name not in known
    ]
    if not bad:
        return
    loc, name, pool = bad[0]
    key = ".".join(str(p) for p in loc)
    if name in items_in_constructs:
        what = (
            f"key '{key}': '{name}' is an item of a construct; the regression uses construct "
            f"scores and profile items of instrument '{instrument.id}'"
        )
        fix = f"use its construct '{instrument.item(name).construct_id}'"
    else:
        what = (
            f"key '{key}': '{name}' is neither a construct nor a profile item "
            f"of instrument '{instrument.id}'"
        )
        fix = _closest(name, pool if pool else sorted(known))
    more = len(bad) - 1
    if more:
        what += f" ({more} more unknown name{'s' if more > 1 else ''} in this file)"
    raise StudyError(what, where=where(*loc), fix=fix)
