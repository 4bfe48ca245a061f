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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import field_validator

from smekit.core.errors import StudyError
from smekit.core.yamlio import line_of, read_yaml, validate_yaml
from smekit.study.base import Strict as _Strict
from smekit.study.benchmark import BenchmarkConfig
from smekit.study.integration import IntegrationConfig
from smekit.study.interviews import InterviewsConfig
from smekit.study.panels import PanelsConfig
from smekit.study.survey import RegressionConfig, SurveyConfig
from smekit.survey.quality import QualityRules

STUDY_FILE = "study.yaml"


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
    integration: IntegrationConfig | None = None
    benchmark: BenchmarkConfig | None = None

    @field_validator("quality", mode="before")
    @classmethod
    def _quality(cls, v: Any) -> Any:
        if isinstance(v, dict) or v is None:
            return QualityRules.from_config(v)
        return v


@dataclass(frozen=True)
class Study:
    """A loaded study: its folder and validated configuration.

    ``file`` and ``document`` (the parsed YAML, with key positions) let later
    checks point at the line of ``study.yaml`` that holds a bad value.
    """

    root: Path
    config: StudyConfig
    file: Path | None = None
    document: Any = field(default=None, repr=False, compare=False)

    def where(self, *loc: str | int) -> str:
        """``path/study.yaml:LINE`` of the key at ``loc`` (e.g. ``"regression", "outcome"``)."""
        file = self.file or self.root / STUDY_FILE
        line = line_of(self.document, loc) if self.document is not None else None
        return f"{file}:{line}" if line else str(file)

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
                where=self.where(*what.split(".")),
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
    return Study(root=file.parent.resolve(), config=config, file=file, document=document)
