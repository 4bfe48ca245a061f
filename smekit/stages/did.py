"""The policy-evaluation stages of ``smekit analyze`` (S3) and the dynamic-panel GMM of S2.

``panels.s3`` runs: preparation (interpolation inside a unit's series, units
with long gaps dropped, winsorising by period; every change logged), TWFE DiD,
event study with its plot, TWFE weights, Callaway-Sant'Anna, alternative
specifications, kernel PSM-DiD, placebo draws with histograms, heterogeneity
splits and mechanisms. Everything is written under ``results/did/``, the
summary in ``results/did/did.json``.

``panels.s2`` adds a two-step and a one-step system GMM of the S2 model
(lagged outcome index, core index, controls, year effects; GMM instruments
lags 2-3 of the outcome, collapsed, so that the instruments stay fewer than
the 30 provinces) under ``results/gmm/``; it runs after ``panel.prepare``,
whose prepared S2 panel it uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smekit.context import RunContext, Stage
from smekit.stages.panel_common import has_panel, prepare, read_panel
from smekit.study import StudyConfig


def _has_s3(config: StudyConfig) -> bool:
    return has_panel(config, "s3")


def _has_s2(config: StudyConfig) -> bool:
    return has_panel(config, "s2")


def _write_table(ctx: RunContext, table: Any, name: str) -> None:
    ctx.write_text(table.to_markdown(), f"{name}.md")
    ctx.write_text(table.to_html(), f"{name}.html")
    ctx.write_text(table.to_latex(), f"{name}.tex")
    path = ctx.out / f"{name}.docx"
    table.to_docx(path)
    ctx.outputs.append(path)


def _save(ctx: RunContext, fig: Any, name: str) -> None:
    from smekit.analysis.plots import save_figure

    ctx.outputs.extend(save_figure(fig, ctx.out / name))


# -- S3 ------------------------------------------------------------------------------------
def run_prepare(ctx: RunContext) -> None:
    """Read panel_s3, build the treatment indicator, interpolate, drop long gaps, winsorise."""

    cfg = ctx.study.config.panels.s3
    needed = [cfg.unit, cfg.time, cfg.outcome, cfg.treat, *cfg.controls, *cfg.mediators]
    needed += [c for c in (cfg.post, cfg.cohort, cfg.cluster) if c]
    needed += [s.column for s in cfg.heterogeneity]
    if cfg.psm is not None:
        needed += cfg.psm.covariates
    if cfg.alternatives is not None and cfg.alternatives.region_time:
        needed.append(cfg.alternatives.region_time)
    raw, path = read_panel(ctx, "s3", needed)
    numeric = list(dict.fromkeys([cfg.outcome, *cfg.controls, *cfg.mediators]))
    prep = prepare(cfg, raw, path, numeric)
    data = prep.data.copy()
    data["did"] = (data[cfg.treat] * data[cfg.post]).astype(int) if cfg.post else data[cfg.treat]
    ctx.write_table(prep.to_frame(), "did/preparation", csv=True)
    desc = (
        data[[*numeric, "did"]]
        .agg(["count", "mean", "std", "min", "max"])
        .T.rename(columns={"count": "N", "std": "SD"})
        .rename_axis("variable")
        .reset_index()
    )
    ctx.write_table(desc, "did/descriptives", csv=True)
    ctx.results["did.data"] = data
    ctx.results["did.prep"] = prep.to_dict()


def _relative_outcome(data: pd.DataFrame, cfg, first: float) -> pd.Series:
    """The outcome divided by the unit's own pre-adoption mean."""
    pre = data[data[cfg.time] < first].groupby(cfg.unit)[cfg.outcome].mean()
    return data[cfg.outcome] / data[cfg.unit].map(pre)


def run_models(ctx: RunContext) -> None:
    """TWFE DiD, event study, TWFE weights, Callaway-Sant'Anna, alternatives and PSM-DiD."""
    from smekit.analysis.did import cohorts, event_study, event_study_plot, twfe_did, twfe_weights
    from smekit.analysis.did_cs import callaway_santanna
    from smekit.analysis.psm_did import kernel_did, psm_twfe
    from smekit.analysis.tables import frame_to_markdown, regression_table

    cfg = ctx.study.config.panels.s3
    data = ctx.results["did.data"]
    u, t, y, ctr = cfg.unit, cfg.time, cfg.outcome, list(cfg.controls)
    g = cohorts(data, u, t, treat="did", cohort=cfg.cohort)
    ctx.results["did.cohorts"] = g
    out: dict[str, Any] = {"n_rows": len(data), "n_units": int(data[u].nunique())}
    base = twfe_did(data, u, t, y, "did", cluster=cfg.cluster)
    main = twfe_did(data, u, t, y, "did", controls=ctr, cluster=cfg.cluster)
    ctx.results["did.main"] = main
    out["twfe"] = main.to_dict()
    out["twfe_no_controls"] = base.to_dict()
    labels = {"did": "Treat x Post"}
    _write_table(
        ctx,
        regression_table(
            {
                "(1)": base.estimates.with_stats(Controls="No"),
                "(2)": main.estimates.with_stats(Controls="Yes"),
            },
            labels=labels,
            title="Baseline difference-in-differences (unit and period fixed effects)",
            se_label="Standard errors clustered by unit in parentheses.",
        ),
        "did/table_did",
    )
    w = twfe_weights(data, u, t, "did", outcome=y)
    out["twfe_weights"] = w.to_dict()
    if w.warning:
        ctx.notes.append(w.warning)
    if cfg.event_study:
        es = event_study(
            data, u, t, y, treat="did", cohort=cfg.cohort, controls=ctr, cluster=cfg.cluster
        )
        out["event_study"] = es.to_dict()
        ctx.write_table(es.table, "did/event_study", csv=True)
        ctx.write_text(frame_to_markdown(es.table), "did/event_study.md")
        _save(ctx, event_study_plot(es, title="Event study: parallel trends"), "did/event_study")
    if cfg.cs:
        cs = callaway_santanna(data, u, t, y, g, control=cfg.cs_control)
        out["cs"] = cs.to_dict()
        ctx.write_table(cs.att_gt, "did/cs_att_gt", csv=True)
        ctx.write_table(cs.dynamic, "did/cs_dynamic", csv=True)
        ctx.results["did.cs"] = cs
    # alternative specifications
    robust: dict[str, Any] = {"(1) baseline": main.estimates}
    alt = cfg.alternatives
    first = float(np.nanmin(g.to_numpy())) if g.notna().any() else None
    if alt is not None:
        if alt.drop_periods:
            sub = data[~data[t].isin(alt.drop_periods)]
            f = twfe_did(sub, u, t, y, "did", controls=ctr, cluster=cfg.cluster)
            robust[f"drop {min(alt.drop_periods)}-{max(alt.drop_periods)}"] = f.estimates
            out["drop_periods"] = {"periods": list(alt.drop_periods), **f.to_dict()}
        if alt.region_time:
            d2 = data.assign(
                _region_time=data[alt.region_time].astype(str) + ":" + data[t].astype(str)
            )
            f = twfe_did(
                d2, u, t, y, "did", controls=ctr, cluster=cfg.cluster, fe=[u, "_region_time"]
            )
            robust[f"{alt.region_time} x {t} FE"] = f.estimates
            out["region_time_fe"] = f.to_dict()
        if alt.alternative_outcome and first is not None:
            if alt.alternative_outcome == "own_mean_ratio":
                d3 = data.assign(_y_alt=_relative_outcome(data, cfg, first))
                yname = "_y_alt"
                label = "outcome / own pre-adoption mean"
            else:
                d3, yname, label = data, alt.alternative_outcome, alt.alternative_outcome
            f = twfe_did(d3, u, t, yname, "did", controls=ctr, cluster=cfg.cluster)
            robust[label] = f.estimates
            out["alternative_outcome"] = {"outcome": label, **f.to_dict()}
    if cfg.psm is not None:
        ps = cfg.psm
        pt = psm_twfe(
            data,
            u,
            t,
            y,
            "did",
            ps.covariates,
            controls=ctr,
            model=ps.model,
            bandwidth=ps.bandwidth,
            kernel=ps.kernel,
            support=ps.support,
            cluster=cfg.cluster,
        )
        robust["kernel PSM-DiD"] = pt.estimates
        out["psm_did"] = pt.to_dict()
        ctx.write_table(pt.balance, "did/psm_balance", csv=True)
        ctx.write_table(pt.weights.table, "did/psm_weights", csv=True)
        if first is not None:
            # Stata diff, kernel on the pre/post collapse (unit means before and after adoption)
            two = data.assign(
                _post=(data[t] >= first).astype(int), _tr=data[u].map(g.notna()).astype(int)
            )
            two = two.groupby([u, "_post"], as_index=False)[[y, *ps.covariates, "_tr"]].mean()
            kd = kernel_did(
                two,
                y,
                "_tr",
                "_post",
                ps.covariates,
                unit=u,
                model=ps.model,
                bandwidth=ps.bandwidth,
                kernel=ps.kernel,
                support=ps.support,
                cluster=u,
            )
            out["psm_did_two_period"] = kd.to_dict()
    _write_table(
        ctx,
        regression_table(
            robust,
            terms=["did"],
            labels=labels,
            title="Robustness: alternative specifications",
            se_label="Standard errors clustered by unit in parentheses.",
        ),
        "did/table_robustness",
    )
    ctx.results["did.out"] = out


def run_placebo(ctx: RunContext) -> None:
    """Placebo draws (units and policy period) with histograms."""
    from smekit.analysis.placebo import placebo_histograms, placebo_test

    cfg = ctx.study.config.panels.s3
    out = ctx.results["did.out"]
    if cfg.placebo is None or not (cfg.placebo.units or cfg.placebo.times):
        out["placebo"] = None
        return
    data = ctx.results["did.data"]
    pl = placebo_test(
        data,
        cfg.unit,
        cfg.time,
        cfg.outcome,
        ctx.results["did.cohorts"],
        controls=cfg.controls,
        n_units=cfg.placebo.units,
        n_times=cfg.placebo.times,
        times_sample=cfg.placebo.times_sample,
        seed=ctx.study.config.seed,
        scheduler=cfg.placebo.scheduler,
    )
    out["placebo"] = pl.to_dict()
    ctx.write_table(pl.to_frame(), "did/placebo_draws")
    _save(ctx, placebo_histograms(pl), "did/placebo")


def run_mechanisms(ctx: RunContext) -> None:
    """Heterogeneity splits (with the test of the difference) and three-step mediation."""
    from smekit.analysis.heterogeneity import split_fe
    from smekit.analysis.panel_mediation import panel_mediation

    cfg = ctx.study.config.panels.s3
    data = ctx.results["did.data"]
    out = ctx.results["did.out"]
    u, t, y, ctr = cfg.unit, cfg.time, cfg.outcome, list(cfg.controls)
    fml = f"{y} ~ did" + "".join(f" + {c}" for c in ctr)
    het, rows = {}, []
    for s in cfg.heterogeneity:
        col = s.column
        d = data
        if s.split == "median":
            unit_val = data.groupby(u)[col].mean()
            med = float(unit_val.median())
            d = data.assign(**{f"_{col}_high": data[u].map(unit_val > med).astype(int)})
            col = f"_{col}_high"
        h = split_fe(d, fml, u, t, by=col, term="did")
        het[s.column] = {"split": s.split, **h.to_dict()}
        rows.append(h.to_frame().assign(split=s.column))
    out["heterogeneity"] = het
    if rows:
        ctx.write_table(pd.concat(rows, ignore_index=True), "did/heterogeneity", csv=True)
    med: dict[str, Any] = {}
    steps = []
    for m in cfg.mediators:
        pm = panel_mediation(
            data, "did", m, y, u, t, controls=ctr, n_boot=cfg.n_boot, seed=ctx.study.config.seed
        )
        med[m] = pm.to_dict()
        steps.append(pm.to_frame().assign(mediator=m))
    out["mediation"] = med
    if steps:
        ctx.write_table(pd.concat(steps, ignore_index=True), "did/mediation", csv=True)
    ctx.write_json(out, "did/did")


# -- S2 GMM --------------------------------------------------------------------------------
def run_gmm(ctx: RunContext) -> None:
    """System GMM of the S2 model: lagged outcome, core index, controls; collapsed instruments."""
    from smekit.analysis.gmm import dynamic_gmm
    from smekit.analysis.tables import regression_table

    cfg = ctx.study.config.panels.s2
    data = ctx.results.get("panel.data")
    if data is None:
        return
    y = "outcome_index" if cfg.outcome == "index" else cfg.outcome
    x = "core_index" if cfg.regressor == "index" else cfg.regressor
    formula = f"{y} ~ L.{y} + {x}" + "".join(f" + {c}" for c in cfg.controls)
    fits = {}
    for steps in (1, 2):
        fits[steps] = dynamic_gmm(
            data,
            cfg.unit,
            cfg.time,
            formula,
            f"L(2:3).{y}",
            transform="system",
            steps=steps,
            time_effects=True,
            collapse=True,
        )
    out = {
        "formula": formula,
        "gmm": f"L(2:3).{y}",
        "transform": "system",
        "collapse": True,
        "one_step": fits[1].to_dict(),
        "two_step": fits[2].to_dict(),
    }
    ctx.write_json(out, "gmm/gmm")
    terms = [f"L1.{y}", x, *cfg.controls]
    _write_table(
        ctx,
        regression_table(
            {"One-step": fits[1], "Two-step": fits[2]},
            terms=terms,
            title="System GMM (Blundell-Bond), collapsed instruments, year effects",
            se_label="Robust (one-step) and Windmeijer-corrected (two-step) SEs in parentheses.",
        ),
        "gmm/table_gmm",
    )
    for f in fits.values():
        ctx.notes.extend(f.warnings)


STAGES = [
    Stage("did.prepare", "Preparing the S3 panel", _has_s3, run_prepare),
    Stage("did.models", "Difference-in-differences, event study, PSM-DiD", _has_s3, run_models),
    Stage("did.placebo", "Placebo reassignments", _has_s3, run_placebo),
    Stage("did.mechanisms", "Heterogeneity and mechanisms", _has_s3, run_mechanisms),
]

GMM_STAGES = [
    Stage("gmm.s2", "System GMM of the S2 panel", _has_s2, run_gmm),
]
