"""The survey stages of ``smekit analyze``: import, quality, scoring, reliability, descriptives.

Each stage reads what earlier stages left in the run context and writes its
tables under ``results/survey/``.
"""

from __future__ import annotations

import difflib

import pandas as pd

from smekit.context import RunContext, Stage
from smekit.core.errors import StudyError
from smekit.study import StudyConfig
from smekit.survey.descriptives import correlation_table, json_ready, sample_profile
from smekit.survey.instrument import load_instrument, resolve_instrument
from smekit.survey.quality import check_quality
from smekit.survey.reliability import reliability
from smekit.survey.responses import read_responses
from smekit.survey.scoring import score_constructs


def _has_survey(config: StudyConfig) -> bool:
    return config.survey is not None


def run_import(ctx: RunContext) -> None:
    """Load the instrument and the raw responses."""
    cfg = ctx.study.config.survey
    assert cfg is not None
    inst_path = ctx.results.get("instrument_path") or resolve_instrument(
        cfg.instrument, base=ctx.study.root
    )
    instrument = ctx.results.get("instrument") or load_instrument(inst_path)
    responses = ctx.study.input_file(cfg.responses, "survey.responses")
    ctx.inputs["survey.instrument"] = inst_path
    ctx.inputs["survey.responses"] = responses
    imported = read_responses(
        responses,
        instrument,
        format=cfg.format,
        encoding=cfg.encoding,
        delimiter=cfg.delimiter,
        sheet=cfg.sheet,
        min_item_share=cfg.min_item_share,
    )
    for key in ("id_column", "duration_column"):
        column = getattr(cfg, key)
        if column is not None and column not in imported.data.columns:
            _missing_column(ctx, key, column, imported.data.columns, responses.name)
    ctx.results["instrument"] = instrument
    ctx.results["import"] = imported


def _missing_column(ctx: RunContext, key: str, column: str, columns, file: str) -> None:
    """A column study.yaml names is not in the response file: point at the study.yaml line."""
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(column, names, n=3, cutoff=0.6)
    fix = (
        "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        if close
        else "columns: " + ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
    )
    rule = "duplicate-id" if key == "id_column" else "speeder"
    raise StudyError(
        f"key 'survey.{key}': column '{column}' is not in {file}, so the {rule} rule cannot run",
        where=ctx.study.where("survey", key),
        fix=fix,
    )


def run_quality(ctx: RunContext) -> None:
    """Check the responses and apply the cleaning rules; write flags and logs."""
    cfg = ctx.study.config.survey
    imported = ctx.results["import"]
    report = check_quality(
        imported.data,
        ctx.results["instrument"],
        ctx.study.config.quality,
        id_column=cfg.id_column,
        duration_column=cfg.duration_column,
        row_numbers=imported.row_numbers,
        source=str(ctx.study.path(cfg.responses).name),
        import_problems=imported.problems,
        unknown_columns=[
            c for c in imported.unknown_columns if c not in {cfg.id_column, cfg.duration_column}
        ],
        missing_reasons=imported.missing_reasons,
    )
    ctx.results["quality"] = report
    ctx.write_table(imported.missing_reasons, "survey/missing_reasons", csv=True)
    ctx.write_table(report.problems, "survey/problems", csv=True)
    ctx.write_table(report.exclusions, "survey/exclusions", csv=True)
    ctx.write_table(report.flags, "survey/flags")
    ctx.write_table(report.summary(), "survey/quality_summary", csv=True)
    ctx.write_table(report.kept, "survey/responses_clean")
    ctx.write_json(report.to_dict(), "survey/quality")


def run_scoring(ctx: RunContext) -> None:
    """Score constructs of the kept responses and write scores and reliability."""
    cfg = ctx.study.config.survey
    instrument = ctx.results["instrument"]
    kept = ctx.results["quality"].kept
    scores = score_constructs(kept, instrument, id_column=cfg.id_column)
    rel = reliability(scores.construct_items(instrument))
    ctx.results["scores"] = scores
    ctx.results["reliability"] = rel
    # Scores next to the respondent's profile items, for regression and subgroups.
    profile_cols = [
        i.id for i in instrument.iter_items() if i.construct_id is None and i.id in kept.columns
    ]
    profile = kept[profile_cols]
    # small or nullable integer codes as float (NaN = missing) for the model design
    as_float = {c: "float64" for c in profile_cols if pd.api.types.is_integer_dtype(profile[c])}
    analysis_frame = scores.scores.join(profile.astype(as_float) if as_float else profile)
    ctx.results["analysis_frame"] = analysis_frame
    ctx.write_table(scores.to_frame(), "survey/scores")
    ctx.write_table(analysis_frame, "survey/analysis_frame")
    ctx.write_table(scores.summary, "survey/construct_summary", csv=True)
    ctx.write_table(rel.to_frame(), "survey/reliability", csv=True)
    ctx.write_table(rel.items_frame(), "survey/reliability_items", csv=True)


def run_descriptives(ctx: RunContext) -> None:
    """Sample profile and construct correlation table."""
    instrument = ctx.results["instrument"]
    kept = ctx.results["quality"].kept
    scores = ctx.results["scores"]
    profile = sample_profile(kept, instrument)
    constructs = [c.id for c in instrument.constructs]
    corr = correlation_table(scores.scores, constructs)
    ctx.results["profile"] = profile
    ctx.results["correlations"] = corr
    ctx.write_table(profile.categorical, "survey/profile_categorical", csv=True)
    ctx.write_table(profile.numeric, "survey/profile_numeric", csv=True)
    ctx.write_table(corr.to_frame(), "survey/correlations")
    ctx.write_table(corr.starred().reset_index(names="construct"), "survey/correlations_table")
    q = ctx.results["quality"]
    summary = {
        "instrument": instrument.id,
        "responses_in": q.n_input,
        "kept": len(q.kept),
        "excluded": len(q.exclusions),
        "problems": len(q.problems),
        "exclusion_reasons": q.exclusions["first_reason"].value_counts().to_dict(),
        "constructs": scores.summary.set_index("construct")["mean"].round(6).to_dict(),
        "reliability": {
            s.construct: {"alpha": s.alpha, "omega": s.omega}
            for s in ctx.results["reliability"].scales
        },
    }
    ctx.write_json(json_ready(summary), "survey/summary")


STAGES = [
    Stage("survey.import", "Importing survey responses", _has_survey, run_import),
    Stage("survey.quality", "Checking response quality", _has_survey, run_quality),
    Stage("survey.scoring", "Scoring constructs and reliability", _has_survey, run_scoring),
    Stage("survey.descriptives", "Describing the sample", _has_survey, run_descriptives),
]
