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


def run_integration(ctx: RunContext) -> None:
    """Build the joint display from the theme table and the regression suite."""
    cfg = ctx.study.config.integration
    suite = ctx.results.get("regression_json")
    if suite is None:
        suite = ctx.results["regression"].to_dict()
    themes = ctx.results.get("interviews.theme_prevalence")
    quotes = ctx.results.get("interviews.quotes")
    if themes is None:
        ctx.notes.append("integration skipped: the interview stages left no theme table")
        return
    display = joint_display(
        [(p.theme, p.construct) for p in cfg.pairs],
        themes,
        suite,
        quotes if isinstance(quotes, pd.DataFrame) else None,
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
