"""``smekit gmm`` and ``smekit did``: dynamic-panel GMM and difference-in-differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from smekit.cli.base import app


def _write_table(table: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(table.to_markdown())
    (folder / f"{name}.html").write_text(table.to_html())
    (folder / f"{name}.tex").write_text(table.to_latex())
    table.to_docx(folder / f"{name}.docx")


def _dump(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_default) + "\n")


def _default(v: Any) -> Any:
    import math

    import numpy as np

    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.bool_):
        return bool(v)
    return str(v)


def _clean(obj: Any) -> Any:
    """NaN and inf become None, so the JSON is strict."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


@app.command()
def gmm(
    data: Annotated[Path, typer.Argument(help="Panel data file: CSV, XLSX or Parquet.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit identifier column.")],
    time: Annotated[str, typer.Option("--time", help="Period column (integers, e.g. years).")],
    formula: Annotated[
        str, typer.Option("--formula", "-f", help='Model, e.g. "y ~ L(1:2).y + L(0:1).w + k".')
    ],
    gmm_spec: Annotated[
        str, typer.Option("--gmm", help='GMM-style instruments by lag range, e.g. "L(2:).y".')
    ],
    iv: Annotated[
        str | None,
        typer.Option(
            "--iv", help='IV-style instruments, e.g. "w k" (default: the other regressors).'
        ),
    ] = None,
    transform: Annotated[
        str,
        typer.Option("--transform", help="difference (Arellano-Bond) or system (Blundell-Bond)."),
    ] = "difference",
    steps: Annotated[int, typer.Option("--steps", help="1 or 2 (Windmeijer-corrected SEs).")] = 2,
    time_effects: Annotated[
        bool, typer.Option("--time-effects/--no-time-effects", help="Period dummies.")
    ] = False,
    collapse: Annotated[
        bool, typer.Option("--collapse", help="Collapse the GMM instruments.")
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON.")
    ] = None,
    tables: Annotated[
        Path | None, typer.Option("--tables", help="Folder for the table (md, html, tex, docx).")
    ] = None,
) -> None:
    """Difference or system GMM for dynamic panels (own code, checked against R plm's pgmm).

    Reads DATA; prints the coefficient table, AR(1)/AR(2), Hansen and Sargan;
    --json writes params, bse, ar1, ar2, hansen, sargan, n_instruments, n_obs, n_units.
    """
    from smekit.analysis.gmm import dynamic_gmm
    from smekit.analysis.tables import regression_table
    from smekit.cli.regress import _read_table
    from smekit.core.errors import ModelError

    if transform not in ("difference", "system"):
        raise ModelError(f"--transform must be 'difference' or 'system', got {transform!r}")
    if steps not in (1, 2):
        raise ModelError(f"--steps must be 1 or 2, got {steps}")
    frame = _read_table(data)
    res = dynamic_gmm(
        frame,
        unit,
        time,
        formula,
        gmm_spec,
        iv=iv,
        transform=transform,  # type: ignore[arg-type]
        steps=steps,  # type: ignore[arg-type]
        time_effects=time_effects,
        collapse=collapse,
        source=str(data),
    )
    label = f"{'System' if transform == 'system' else 'Difference'} GMM, {steps}-step"
    table = regression_table(
        {label: res},
        title=label,
        se_label=(
            "Windmeijer-corrected two-step SEs in parentheses."
            if steps == 2
            else "Robust one-step SEs in parentheses."
        ),
    )
    typer.echo(table.to_markdown())
    ar2 = f"{res.ar2.stat:.3f} (p = {res.ar2.p:.3g})" if res.ar2 else "n/a"
    typer.echo(
        f"AR(1) z = {res.ar1.stat:.3f} (p = {res.ar1.p:.3g}); AR(2) z = {ar2}; "
        f"Hansen chi2({res.hansen.df}) = {res.hansen.stat:.3f} (p = {res.hansen.p:.3g}); "
        f"Sargan chi2({res.sargan.df}) = {res.sargan.stat:.3f} (p = {res.sargan.p:.3g}); "
        f"{res.n_instruments} instruments, {res.n_units} units, {res.n_obs} observations"
    )
    for w in res.warnings:
        typer.echo(f"Note: {w}")
    if json_out is not None:
        _dump(_clean(res.to_dict()), json_out)
        typer.echo(f"Wrote {json_out}")
    if tables is not None:
        _write_table(table, tables, "table_gmm")
        typer.echo(f"Wrote tables to {tables}")


def _list(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").replace(";", ",").split(",") if c.strip()]


@app.command()
def did(
    data: Annotated[Path, typer.Argument(help="Panel data file: CSV, XLSX or Parquet.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit identifier column.")],
    time: Annotated[str, typer.Option("--time", help="Period column (integers, e.g. years).")],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column.")],
    treat: Annotated[str, typer.Option("--treat", help="1 for treated unit-periods, else 0.")],
    controls: Annotated[
        str | None, typer.Option("--controls", help="Control columns, comma-separated.")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Cluster column (default: --unit).")
    ] = None,
    event: Annotated[
        bool, typer.Option("--event-study", help="Event study of every lead and lag.")
    ] = False,
    cohort: Annotated[
        str | None,
        typer.Option(
            "--cohort",
            help="First treated period (0, empty or outside the periods = never treated).",
        ),
    ] = None,
    estimator: Annotated[
        str, typer.Option("--estimator", help="twfe, or cs to add Callaway-Sant'Anna.")
    ] = "twfe",
    cs_control: Annotated[
        str, typer.Option("--cs-control", help="Callaway-Sant'Anna comparison: never or notyet.")
    ] = "never",
    placebo_units: Annotated[
        int, typer.Option("--placebo-units", help="Placebo draws reassigning treated units.")
    ] = 0,
    placebo_times: Annotated[
        int, typer.Option("--placebo-times", help="Placebo draws reassigning the policy period.")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the placebo draws.")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address for the placebo draws."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON.")
    ] = None,
    tables: Annotated[
        Path | None,
        typer.Option("--tables", help="Folder for tables (md, html, tex, docx) and figures."),
    ] = None,
) -> None:
    """TWFE difference-in-differences, event study, Callaway-Sant'Anna and placebo tests.

    Reads DATA; prints the DiD table; --json writes params, bse, event_study,
    cs, placebo and twfe_weights (README); --tables writes tables and figures.
    """
    from smekit.analysis.did import cohorts, event_study, event_study_plot, twfe_did, twfe_weights
    from smekit.analysis.tables import regression_table
    from smekit.cli.regress import _read_table
    from smekit.core.errors import ModelError

    if estimator not in ("twfe", "cs"):
        raise ModelError(f"--estimator must be 'twfe' or 'cs', got {estimator!r}")
    frame = _read_table(data)
    ctr = _list(controls)
    src = str(data)
    fit = twfe_did(frame, unit, time, outcome, treat, controls=ctr, cluster=cluster, source=src)
    g = cohorts(frame, unit, time, treat=treat, cohort=cohort, source=src)
    weights = twfe_weights(frame, unit, time, treat, outcome=outcome)
    out: dict[str, Any] = {**fit.to_dict(), "twfe_weights": weights.to_dict()}
    models: dict[str, Any] = {"TWFE DiD": fit}
    typer.echo(regression_table(models, title="Difference-in-differences").to_markdown())
    if weights.warning:
        typer.echo(f"Warning: {weights.warning}")
    es = None
    if event:
        es = event_study(
            frame,
            unit,
            time,
            outcome,
            treat=None if cohort else treat,
            cohort=cohort,
            controls=ctr,
            cluster=cluster,
            source=src,
        )
        out["event_study"] = es.to_dict()
        pt = es.pretrend
        typer.echo(
            f"Pre-trend F({pt['df_num']}, {pt['df_denom']:.0f}) = {pt['f']:.3f}, p = {pt['p']:.4g}"
        )
        for n in es.notes:
            typer.echo(f"Note: {n}")
    else:
        out["event_study"] = None
    if estimator == "cs":
        from smekit.analysis.did_cs import callaway_santanna

        cs = callaway_santanna(frame, unit, time, outcome, g, control=cs_control, source=src)  # type: ignore[arg-type]
        out["cs"] = cs.to_dict()
        typer.echo(
            f"Callaway-Sant'Anna ({cs.control} controls): simple ATT = {cs.simple['att']:.4f} "
            f"(SE {cs.simple['se']:.4f}); dynamic ATT = {cs.dynamic_overall['att']:.4f} "
            f"(SE {cs.dynamic_overall['se']:.4f})"
        )
    else:
        out["cs"] = None
    pl = None
    if placebo_units or placebo_times:
        from smekit.analysis.placebo import placebo_test

        pl = placebo_test(
            frame,
            unit,
            time,
            outcome,
            g,
            controls=ctr,
            n_units=placebo_units,
            n_times=placebo_times,
            seed=seed,
            scheduler=scheduler,
            source=src,
        )
        out["placebo"] = pl.to_dict()
        for d in (pl.units, pl.times):
            if d is not None:
                typer.echo(f"Placebo ({d.kind}): {d.draws} draws, empirical p = {d.p:.4f}")
    else:
        out["placebo"] = None
    if json_out is not None:
        _dump(_clean(out), json_out)
        typer.echo(f"Wrote {json_out}")
    if tables is not None:
        from smekit.analysis.plots import save_figure
        from smekit.analysis.tables import frame_to_markdown

        _write_table(
            regression_table(models, title="Difference-in-differences"), tables, "table_did"
        )
        if es is not None:
            (tables / "event_study.md").write_text(frame_to_markdown(es.table))
            es.table.to_csv(tables / "event_study.csv", index=False)
            save_figure(event_study_plot(es), tables / "event_study")
        if estimator == "cs":
            cs.att_gt.to_csv(tables / "cs_att_gt.csv", index=False)
            (tables / "cs_att_gt.md").write_text(frame_to_markdown(cs.att_gt))
        if pl is not None:
            from smekit.analysis.placebo import placebo_histograms

            save_figure(placebo_histograms(pl), tables / "placebo")
            pl.to_frame().to_csv(tables / "placebo_draws.csv", index=False)
        typer.echo(f"Wrote tables to {tables}")
