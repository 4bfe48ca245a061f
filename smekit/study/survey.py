"""``survey:`` and ``regression:`` sections of study.yaml."""

from __future__ import annotations

from pydantic import Field, field_validator

from smekit.study.base import Strict as _Strict


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
