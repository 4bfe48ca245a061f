"""The theme stages of ``smekit analyze``: themes → theme table → matrices.

They run after :mod:`smekit.stages.interviews` and read only the pseudonymised frames it left in
the run context (``interviews.segments``, ``interviews.codebook``, ``interviews.codings``,
``interviews.participants``). Written under ``results/interviews/themes/``:

``topics.csv``/``.parquet`` (one row per topic), ``topic_assignments.parquet``,
``topic_terms.csv``, ``topic_representatives.csv``, ``topic_code_overlap.csv`` (with codings),
``excluded_segments.csv``, ``themes.json`` (settings, what ran or was skipped, and ARI/NMI
against the manual codes and, in the demo, against ``truth.json``), ``theme_table.csv``,
``theme_table.md``, ``theme_table.json``, and the matrices ``code_case_participant.csv``,
``code_case_participant_binary.csv``, ``code_case_firm.csv``, ``code_case_firm_binary.csv``,
``cooccurrence.csv`` and ``prevalence_<attribute>.csv``. The researcher's interpretations live in
the study's ``interpretations/themes.yaml``, created once with empty entries and never rewritten.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from smekit.context import RunContext, Stage
from smekit.study import StudyConfig
from smekit.study.themes import ThemesConfig

OUT = "interviews/themes"
ATTRIBUTES = ("sector", "region")


def _has_transcripts(config: StudyConfig) -> bool:
    return config.interviews is not None and config.interviews.transcripts is not None


def _settings(ctx: RunContext) -> ThemesConfig:
    cfg = ctx.study.config.interviews
    return getattr(cfg, "themes", None) or ThemesConfig()


def interpretations_path(root: Path) -> Path:
    """``STUDY/interpretations/themes.yaml``: the researcher's text, outside ``results/``."""
    return root / "interpretations" / "themes.yaml"


def truth_labels(root: Path) -> pd.Series | None:
    """Segment id → theme from a demo study's ``truth.json`` (``None`` without one)."""
    path = root / "truth.json"
    if not path.exists():
        return None
    truth = json.loads(path.read_text(encoding="utf-8")).get("interviews", {})
    out = {}
    for pid, p in truth.get("participants", {}).items():
        for theme, turns in p.get("theme_turns", {}).items():
            for k in turns:  # numbered from 1 in truth.json; segment turns from 0
                out[f"{pid}:{int(k) - 1:04d}"] = theme
    return pd.Series(out, dtype=object) if out else None


def run_themes(ctx: RunContext) -> None:
    """Cluster the participant turns into themes and write topics, words and agreement."""
    from smekit.interviews.themes import fit_themes, label_agreement

    s = _settings(ctx)
    segments = ctx.results["interviews.segments"]
    codebook = ctx.results.get("interviews.codebook")
    codings = ctx.results.get("interviews.codings")
    mode = s.mode
    if mode in ("guided", "zeroshot") and codebook is None:
        ctx.notes.append(f"themes: {mode} mode needs a codebook; unsupervised mode used")
        mode = "unsupervised"
    if mode == "semisupervised" and (codings is None or len(codings) == 0):
        ctx.notes.append("themes: semisupervised mode needs codings; guided mode used")
        mode = "guided" if codebook is not None else "unsupervised"
    model = fit_themes(
        segments,
        mode=mode,
        k=s.k,
        codebook=codebook,
        codings=codings,
        embedding=s.embedding,
        reduction=s.reduction,
        clustering=s.clustering,
        zeroshot_threshold=s.zeroshot_threshold,
        seed=ctx.study.config.seed if s.seed is None else s.seed,
    )
    ctx.results["interviews.themes"] = model
    agreement = dict(model.agreement)
    truth = truth_labels(ctx.study.root)
    if truth is not None:
        topics = model.assignments.set_index("segment_id")["topic"]
        agreement["truth"] = label_agreement(topics, truth)
        agreement["truth_all"] = label_agreement(
            topics, truth.reindex(topics.index).fillna("(no theme)")
        )
    for note in model.info["notes"]:
        ctx.notes.append(f"themes: {note}")
    ctx.write_table(model.topics, f"{OUT}/topics", csv=True)
    ctx.write_table(model.assignments, f"{OUT}/topic_assignments")
    ctx.write_table(model.terms, f"{OUT}/topic_terms", csv=True)
    ctx.write_table(model.representatives, f"{OUT}/topic_representatives", csv=True)
    ctx.write_table(model.excluded, f"{OUT}/excluded_segments", csv=True)
    if len(model.overlap):
        ctx.write_table(model.overlap.reset_index(), f"{OUT}/topic_code_overlap", csv=True)
    summary = model.to_dict()
    summary["agreement"] = agreement
    ctx.write_json(summary, f"{OUT}/themes")


def _theme_assignments(ctx: RunContext) -> tuple[pd.DataFrame, str]:
    """Segment → theme: the manual codes when there are any, else the topic model's themes."""
    from smekit.interviews.themes import segment_themes

    codebook = ctx.results.get("interviews.codebook")
    codings = ctx.results.get("interviews.codings")
    segments = ctx.results["interviews.segments"]
    model = ctx.results["interviews.themes"]
    if codings is not None and len(codings) and codebook is not None:
        manual = segment_themes(codings, codebook, segments)
        sim = model.assignments.set_index("segment_id")["similarity"]
        frame = pd.DataFrame({"segment_id": manual.index, "theme": manual.to_numpy()})
        frame["similarity"] = frame["segment_id"].map(sim)
        return frame, "manual codes"
    return model.assignments[["segment_id", "theme", "similarity"]], "topic model"


def run_theme_table(ctx: RunContext) -> None:
    """Theme, definition, prevalence, attributed quotes and the researcher's interpretation."""
    from smekit.interviews.theme_table import (
        read_interpretations,
        theme_table,
        write_interpretations_template,
    )

    codebook = ctx.results.get("interviews.codebook")
    if codebook is None:
        ctx.notes.append("themes: no codebook, so no theme table (themes need names)")
        return
    model = ctx.results["interviews.themes"]
    path = interpretations_path(ctx.study.root)
    if write_interpretations_template(path, codebook):
        ctx.notes.append(f"themes: wrote {path} for the researcher's interpretations")
    assignments, source = _theme_assignments(ctx)
    reps: dict[str, list[str]] = {}
    topic_theme = dict(zip(model.topics["topic"], model.topics["theme"], strict=True))
    for row in model.representatives.itertuples(index=False):
        reps.setdefault(topic_theme[row.topic], []).append(row.segment_id)
    table = theme_table(
        assignments,
        ctx.results["interviews.segments"],
        codebook,
        ctx.results.get("interviews.participants"),
        interpretations=read_interpretations(path),
        representatives=reps,
    )
    ctx.results["interviews.theme_table"] = table
    ctx.results["interviews.theme_assignments"] = assignments
    ctx.write_table(table.to_frame(), f"{OUT}/theme_table", csv=True)
    ctx.write_text(table.to_markdown(), f"{OUT}/theme_table.md")
    ctx.write_json({"source": source, **table.to_dict()}, f"{OUT}/theme_table")


def run_matrices(ctx: RunContext) -> None:
    """Code x case (participant, firm), co-occurrence, theme prevalence by sector and region."""
    from smekit.interviews.matrices import code_case_matrix, cooccurrence, prevalence_by_attribute

    segments = ctx.results["interviews.segments"]
    codebook = ctx.results.get("interviews.codebook")
    codings = ctx.results.get("interviews.codings")
    sheet = ctx.results.get("interviews.participants")
    if codings is not None and len(codings):
        for binary in (False, True):
            suffix = "_binary" if binary else ""
            m = code_case_matrix(codings, segments, binary=binary, codebook=codebook)
            ctx.write_table(m.reset_index(), f"{OUT}/code_case_participant{suffix}", csv=True)
            if sheet is not None and {"firm_id", "respondent_id"} & set(sheet.columns):
                m = code_case_matrix(codings, segments, sheet, "firm", binary, codebook)
                ctx.write_table(m.reset_index(), f"{OUT}/code_case_firm{suffix}", csv=True)
        ctx.write_table(
            cooccurrence(codings, codebook).reset_index(), f"{OUT}/cooccurrence", csv=True
        )
    else:
        ctx.notes.append("themes: no codings, so no code x case or co-occurrence matrices")
    assignments = ctx.results.get("interviews.theme_assignments")
    if assignments is None:
        assignments = ctx.results["interviews.themes"].assignments
    if sheet is None:
        return
    for attribute in ATTRIBUTES:
        if attribute in sheet.columns:
            table = prevalence_by_attribute(assignments, segments, sheet, attribute, codebook)
            ctx.write_table(table, f"{OUT}/prevalence_{attribute}", csv=True)


STAGES = [
    Stage("themes", "Clustering interview segments into themes", _has_transcripts, run_themes),
    Stage("theme_table", "Writing the theme table", _has_transcripts, run_theme_table),
    Stage("matrices", "Writing code and theme matrices", _has_transcripts, run_matrices),
]
