"""Studies: the ``study.yaml`` model, the analysis runner and the manifest.

A study is a folder a user owns::

    my-study/
      study.yaml   what to load and which analyses to run
      data/        raw inputs, never modified
      results/     written by ``smekit analyze``

:func:`load_study` validates ``study.yaml`` (unknown keys are errors naming the
key and line); :func:`run_study` runs every stage the file asks for and writes
``results/`` and ``results/manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from smekit import __version__
from smekit.errors import StudyError
from smekit.survey.quality import QualityRules
from smekit.yamlio import read_yaml, validate_yaml

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


# -- running ------------------------------------------------------------------------------


@dataclass
class RunContext:
    """State shared by the stages of one run (results of earlier stages, outputs written)."""

    study: Study
    results: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def out(self) -> Path:
        return self.study.results_dir

    def write_table(self, frame: pd.DataFrame, name: str, csv: bool = False) -> Path:
        """Write a table as Parquet (and CSV when asked) under results/."""
        path = self.out / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = frame.copy()
        frame.columns = [str(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None else str(v)).astype("string")
        frame.to_parquet(path, index=False)
        self.outputs.append(path)
        if csv:
            csv_path = path.with_suffix(".csv")
            frame.to_csv(csv_path, index=False)
            self.outputs.append(csv_path)
        return path

    def write_json(self, data: Any, name: str) -> Path:
        path = self.out / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=_json_default, allow_nan=True) + "\n")
        self.outputs.append(path)
        return path

    def write_text(self, text: str, name: str) -> Path:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.outputs.append(path)
        return path


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Stage:
    """One step of ``smekit analyze``: a name, when it applies, and what it does."""

    name: str
    description: str
    applies: Callable[[StudyConfig], bool]
    run: Callable[[RunContext], None]


def stages() -> list[Stage]:
    """The analysis stages in run order: survey, then regression."""
    from smekit.analysis import pipeline as analysis_pipeline
    from smekit.survey import pipeline as survey_pipeline

    return [*survey_pipeline.STAGES, *analysis_pipeline.STAGES]


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "formulaic",
    "pydantic",
    "pyreadstat",
    "openpyxl",
    "pyarrow",
    "matplotlib",
)


def versions() -> dict[str, str]:
    """Installed versions of smekit's main dependencies."""
    out = {"smekit": __version__, "python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _register_declared_inputs(ctx: RunContext) -> None:
    """Hash the interview and panel inputs study.yaml names, so the manifest records them."""
    cfg = ctx.study.config
    declared: dict[str, str | None] = {}
    if cfg.interviews is not None:
        for key in ("participants", "transcripts"):
            declared[f"interviews.{key}"] = getattr(cfg.interviews, key)
    if cfg.panels is not None:
        declared["panels.s2"] = cfg.panels.s2
        declared["panels.s3"] = cfg.panels.s3
    for key, rel in declared.items():
        if rel is None:
            continue
        path = ctx.study.input_file(rel, key)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                ctx.inputs[f"{key}/{f.relative_to(path)}"] = f
        else:
            ctx.inputs[key] = path


def run_study(
    study: Study,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunContext:
    """Run every stage that ``study.yaml`` asks for and write ``results/``.

    Parameters
    ----------
    study
        A loaded study.
    progress
        Called as ``progress(stage_name, index, total)`` before each stage.

    Returns
    -------
    RunContext
        In-memory results of each stage and the list of files written.
    """
    ctx = RunContext(study=study)
    study.results_dir.mkdir(parents=True, exist_ok=True)
    _register_declared_inputs(ctx)
    started = datetime.now(UTC)
    todo = [s for s in stages() if s.applies(study.config)]
    ran = []
    t0 = time.perf_counter()
    for i, stage in enumerate(todo):
        if progress is not None:
            progress(stage.description, i, len(todo))
        t = time.perf_counter()
        stage.run(ctx)
        ran.append({"stage": stage.name, "seconds": round(time.perf_counter() - t, 3)})
    if progress is not None:
        progress("done", len(todo), len(todo))
    manifest = {
        "study": study.config.name,
        "smekit_version": __version__,
        "started_utc": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 3),
        "seeds": {"study": study.config.seed},
        "inputs": {
            key: {
                "path": str(path.relative_to(study.root))
                if path.is_relative_to(study.root)
                else str(path),
                "sha256": sha256(path) if path.is_file() else None,
                "bytes": path.stat().st_size if path.is_file() else None,
            }
            for key, path in sorted(ctx.inputs.items())
        },
        "config": json.loads(study.config.model_dump_json()),
        "stages": ran,
        "notes": ctx.notes,
        "versions": versions(),
        "outputs": sorted(
            {
                str(p.relative_to(study.results_dir)): sha256(p)
                for p in ctx.outputs
                if p.exists() and p.is_file()
            }.items()
        ),
    }
    manifest["outputs"] = dict(manifest["outputs"])
    (study.results_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, default=_json_default) + "\n"
    )
    return ctx
