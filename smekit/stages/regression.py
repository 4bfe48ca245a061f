"""The regression stage of ``smekit analyze``: the survey regression suite on scored constructs.

Reads the scored constructs left by the survey stages, runs
:func:`smekit.analysis.suite.run_suite` as ``study.yaml`` asks, and writes
tables (Markdown, HTML, LaTeX, DOCX), figures (PNG, SVG) and ``suite.json``
under ``results/regression/``.
"""

from __future__ import annotations

import pandas as pd

from smekit.analysis import plots
from smekit.analysis.suite import RegressionSuite, run_suite
from smekit.analysis.tables import RegressionTable
from smekit.context import RunContext, Stage
from smekit.study import StudyConfig
from smekit.survey.instrument import ItemType


def _has_regression(config: StudyConfig) -> bool:
    return config.regression is not None and config.survey is not None


def regression_formula(outcome: str, predictors: list[str], controls: list[str]) -> str:
    """``outcome ~ p1 + p2 + ... + c1 + ...``."""
    return f"{outcome} ~ " + " + ".join([*predictors, *controls])


def write_table(ctx: RunContext, table: RegressionTable | None, name: str) -> None:
    """Write one regression table in every format."""
    if table is None:
        return
    ctx.write_text(table.to_markdown(), f"regression/{name}.md")
    ctx.write_text(table.to_html(), f"regression/{name}.html")
    ctx.write_text(table.to_latex(), f"regression/{name}.tex")
    path = ctx.out / "regression" / f"{name}.docx"
    table.to_docx(path)
    ctx.outputs.append(path)


def write_figures(ctx: RunContext, suite: RegressionSuite) -> None:
    ols, infl = suite.ols, suite.influence
    ids = [str(i) for i in suite.design.ids]
    seed = ctx.study.config.seed
    figures = {
        "residuals_vs_fitted": plots.residuals_vs_fitted(
            ols.fittedvalues, ols.resid, ids, seed=seed
        ),
    }
    if infl is not None:
        figures["normal_qq"] = plots.normal_qq(infl.student_internal, ids)
        figures["scale_location"] = plots.scale_location(
            ols.fittedvalues, infl.student_internal, seed=seed
        )
        figures["residuals_vs_leverage"] = plots.leverage_plot(
            infl.leverage, infl.student_internal, infl.cooks_d, ols.k, ids, seed=seed
        )
        figures["cooks_distance"] = plots.cooks_distance_plot(infl.cooks_d, ids)
    coefs = suite.coefficients()
    models = coefs[~coefs["model"].str.contains("=")]
    figures["coefficients_by_model"] = plots.coefficient_plot(models)
    if suite.subgroups is not None:
        by_group = coefs[coefs["model"].str.contains("=") | (coefs["model"] == "OLS")]
        figures["coefficients_by_subgroup"] = plots.coefficient_plot(
            by_group, title=f"Coefficients by {suite.subgroups.group} (95% CI)"
        )
    for name, fig in figures.items():
        ctx.outputs.extend(plots.save_figure(fig, ctx.out / "regression" / "figures" / name))


def run_regression(ctx: RunContext) -> None:
    """Fit the suite on the scored constructs and write every table and figure."""
    cfg = ctx.study.config.regression
    survey = ctx.study.config.survey
    assert cfg is not None and survey is not None
    frame: pd.DataFrame = ctx.results["analysis_frame"]
    instrument = ctx.results["instrument"]
    labels = None
    if cfg.subgroup and cfg.subgroup in instrument.items:
        item = instrument.items[cfg.subgroup]
        if item.type in (ItemType.single_choice, ItemType.likert):
            labels = instrument.labels(item)
    construct_labels = {c.id: c.label for c in instrument.constructs}
    suite = run_suite(
        frame,
        regression_formula(cfg.outcome, cfg.predictors, cfg.controls),
        id_column=survey.id_column,
        subgroup=cfg.subgroup,
        subgroup_labels=labels,
        min_group_size=cfg.min_group_size,
        interactions=cfg.interactions,
        alternatives=cfg.robust_alternatives,
        mediations=[m.model_dump() for m in cfg.mediation],
        n_boot=cfg.n_boot,
        seed=ctx.study.config.seed,
        source="results/survey/analysis_frame",
    )
    ctx.results["regression"] = suite
    ctx.notes.extend(suite.warnings)
    ctx.write_json(suite.to_dict(), "regression/suite")
    ctx.write_table(suite.coefficients(), "regression/coefficients", csv=True)
    ctx.write_table(suite.ols.to_frame(), "regression/ols", csv=True)
    for part, name in (
        (suite.assumptions, "assumptions"),
        (suite.collinearity, "collinearity"),
        (suite.reset, "reset"),
    ):
        if part is not None:  # a part that could not run is in suite.skipped and the notes
            ctx.write_table(part.to_frame(), f"regression/{name}", csv=True)
    if suite.influence is not None:
        ctx.write_table(suite.influence.to_frame(), "regression/influence")
        ctx.write_table(suite.influence.flagged, "regression/flagged", csv=True)
    for frame_, name in (
        (suite.refit_comparison(), "refit_comparison"),
        (suite.robust_comparison(), "robust_comparison"),
    ):
        if frame_ is not None:
            ctx.write_table(frame_, f"regression/{name}", csv=True)
    if suite.subgroups is not None:
        ctx.write_table(suite.subgroups.to_frame(), "regression/subgroups", csv=True)
    if suite.interactions is not None:
        ctx.write_table(suite.interactions.to_frame(), "regression/interactions", csv=True)
    if suite.slopes is not None:
        ctx.write_table(suite.slopes.to_frame(), "regression/simple_slopes", csv=True)
    for i, med in enumerate(suite.mediations):
        ctx.write_table(med.to_frame(), f"regression/mediation_{i + 1}_steps", csv=True)
        ctx.write_table(med.effects_frame(), f"regression/mediation_{i + 1}_effects", csv=True)
    write_table(ctx, suite.main_table(construct_labels), "table_main")
    write_table(ctx, suite.subgroup_table(construct_labels), "table_subgroups")
    write_table(ctx, suite.interaction_table(construct_labels), "table_interactions")
    write_figures(ctx, suite)


STAGES = [
    Stage("regression.suite", "Fitting the regression suite", _has_regression, run_regression),
]
