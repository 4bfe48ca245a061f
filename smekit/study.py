"""Studies: the ``study.yaml`` model and loading a study folder.

A study is a folder a user owns::

    my-study/
      study.yaml   what to load and which analyses to run
      data/        raw inputs, never modified
      results/     written by ``smekit analyze``

:func:`load_study` validates ``study.yaml`` (unknown keys are errors naming the
key and line); :func:`smekit.runner.run_study` runs every stage the file asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smekit.core.errors import StudyError
from smekit.core.yamlio import read_yaml, validate_yaml
from smekit.survey.quality import QualityRules

STUDY_FILE = "study.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class InterviewsConfig(_Strict):
    """``interviews:`` — protocol, codebook, participant sheet and transcripts."""

    protocol: str | None = None
    codebook: str | None = None
    participants: str | None = None
    transcripts: str | None = None


class PanelsConfig(_Strict):
    """``panels:`` — panel data files for the panel and policy-evaluation analyses."""

    s2: str | None = None
    s3: str | None = None


class StudyConfig(_Strict):
    """The content of ``study.yaml``. Every key has a default except where noted."""

    name: str = "study"
    seed: int = 0
    results: str = "results"
    survey: SurveyConfig | None = None
    quality: QualityRules = QualityRules()
    regression: RegressionConfig | None = None
    interviews: InterviewsConfig | None = None
    panels: PanelsConfig | None = None

    @field_validator("quality", mode="before")
    @classmethod
    def _quality(cls, v: Any) -> Any:
        if isinstance(v, dict) or v is None:
            return QualityRules.from_config(v)
        return v


@dataclass(frozen=True)
class Study:
    """A loaded study: its folder and validated configuration."""

    root: Path
    config: StudyConfig

    @property
    def results_dir(self) -> Path:
        return self.root / self.config.results

    def path(self, relative: str) -> Path:
        """A path from study.yaml, resolved against the study folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def input_file(self, relative: str, what: str) -> Path:
        """Resolve an input path and fail clearly when it does not exist."""
        p = self.path(relative)
        if not p.exists():
            raise StudyError(
                f"{what} '{relative}' not found",
                where=self.root / STUDY_FILE,
                fix=f"looked for {p}",
            )
        return p


def load_study(path: str | Path) -> Study:
    """Load a study folder (or its ``study.yaml``) and validate the configuration."""
    path = Path(path)
    file = path / STUDY_FILE if path.is_dir() else path
    if not file.exists():
        raise StudyError(
            "no study.yaml here", where=path, fix="run `smekit demo DIR` for an example"
        )
    document = read_yaml(file, StudyError)
    config = validate_yaml(file, StudyConfig, StudyError, document=document)
    return Study(root=file.parent.resolve(), config=config)
