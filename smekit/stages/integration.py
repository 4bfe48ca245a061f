"""The integration stage of ``smekit analyze``: the joint display under results/integration/.

Reads the theme table left by the themes stage and the regression suite, and
writes ``joint_display.parquet``/``.csv``/``.json`` and ``quotes.csv``. The
researcher's verdicts live in ``STUDY/interpretations/integration.yaml``
(written by the app), which this stage never touches.
"""

from __future__ import annotations

import pandas as pd

from smekit.analysis.integration import joint_display
from smekit.context import RunContext, Stage
from smekit.study import StudyConfig


def _has_integration(config: StudyConfig) -> bool:
    return (
        getattr(config, "integration", None) is not None
        and config.regression is not None
        and config.interviews is not None
    )


def theme_evidence(ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Theme prevalence and attributed quotes from the themes stage's theme table."""
    table = ctx.results.get("interviews.theme_table")
    segments = ctx.results.get("interviews.segments")
    if table is None or segments is None:
        return None
    rows = table.table
    participants = segments.loc[segments["role"] == "participant", "participant_id"]
    total = int(participants.dropna().nunique())
    themes = pd.DataFrame(
        {
            "theme": rows["theme"],
            "name": rows["name"],
            "participants": rows["n_participants"],
            "n_participants": total,
            "segments": rows["n_segments"],
        }
    )
    quotes = pd.DataFrame(
        [
            {"theme": r["theme"], "quote": q, "attribution": a}
            for r in rows.to_dict("records")
            for q, a in r["quotes"]
        ],
        columns=["theme", "quote", "attribution"],
    )
    return themes, quotes


def run_integration(ctx: RunContext) -> None:
    """Build the joint display from the theme table and the regression suite."""
    cfg = ctx.study.config.integration
    evidence = theme_evidence(ctx)
    if evidence is None:
        ctx.notes.append("integration skipped: the interview stages left no theme table")
        return
    themes, quotes = evidence
    display = joint_display(
        [(p.theme, p.construct_id) for p in cfg.pairs],
        themes,
        ctx.results["regression"].to_dict(),
        quotes,
        n_quotes=cfg.quotes_per_theme,
    )
    ctx.results["integration"] = display
    ctx.write_table(display.to_frame(), "integration/joint_display", csv=True)
    ctx.write_table(display.quotes, "integration/quotes", csv=True)
    ctx.write_json(display.to_dict(), "integration/joint_display")
    ctx.notes.extend(f"integration: {n}" for n in display.notes)


STAGES = [
    Stage("integration", "Setting themes against coefficients", _has_integration, run_integration)
]
