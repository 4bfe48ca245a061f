"""``smekit panel``, ``smekit iv`` and ``smekit index``: panel models, IV, composite indices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from smekit.cli.base import app
from smekit.cli.regress import _read_table

JsonOpt = Annotated[Path | None, typer.Option("--json", help="Write the full result as JSON.")]
TablesOpt = Annotated[
    Path | None, typer.Option("--tables", help="Folder for tables (md, html, docx).")
]


def _dump(data: Any, path: Path) -> None:
    import numpy as np

    def default(v: Any) -> Any:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        return str(v)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=default) + "\n", encoding="utf-8")
    typer.echo(f"wrote {path}")


def _tables(table: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(table.to_markdown(), encoding="utf-8")
    (folder / f"{name}.html").write_text(table.to_html(), encoding="utf-8")
    table.to_docx(folder / f"{name}.docx")
    typer.echo(f"wrote {folder}/{name}.md, .html, .docx")


@app.command()
def panel(
    data: Annotated[Path, typer.Argument(help="Long panel: CSV, XLSX or Parquet.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit identifier column.")],
    time: Annotated[str, typer.Option("--time", help="Period column.")],
    formula: Annotated[str, typer.Option("--formula", "-f", help='Model, e.g. "y ~ x1 + x2".')],
    fe: Annotated[
        str, typer.Option("--fe", help="Fixed effects: twoways, unit, time or none.")
    ] = "twoways",
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Cluster column (CRV1, t with G - 1 df).")
    ] = None,
    json_out: JsonOpt = None,
    tables: TablesOpt = None,
) -> None:
    """Fixed-effects panel regression (pyfixest) with fixest/reghdfe clustered SEs.

    Reads DATA; --json writes n, n_units, n_periods, params, bse (clustered when
    --cluster, else classical), bse_classical, pvalues, df_resid, n_clusters.
    """
    from smekit.analysis.panel_fe import fit_panel
    from smekit.analysis.tables import regression_table

    frame = _read_table(data)
    fit = fit_panel(frame, formula, unit, time, fe=fe, cluster=cluster, source=str(data))
    se = f"clustered by {cluster}" if cluster else "classical"
    table = regression_table(
        {f"FE: {fe}": fit}, title=formula, se_label=f"Standard errors ({se}) in parentheses."
    )
    typer.echo(table.to_markdown())
    if len(fit.excluded):
        typer.echo(f"{len(fit.excluded)} rows excluded (missing values or singletons)")
    if json_out:
        out = fit.to_dict()
        out["excluded"] = fit.excluded.to_dict("records")
        _dump(out, json_out)
    if tables:
        _tables(table, tables, "panel")


@app.command()
def iv(
    data: Annotated[Path, typer.Argument(help="Data file: CSV, XLSX or Parquet.")],
    formula: Annotated[
        str, typer.Option("--formula", "-f", help='"y ~ exog1 + exog2 | endog ~ z1 + z2".')
    ],
    robust: Annotated[bool, typer.Option("--robust", help="Report HC1 errors.")] = False,
    cluster: Annotated[str | None, typer.Option("--cluster", help="Cluster column.")] = None,
    absorb: Annotated[
        str | None, typer.Option("--absorb", help="Fixed effects to partial out: 'unit,time'.")
    ] = None,
    json_out: JsonOpt = None,
    tables: TablesOpt = None,
) -> None:
    """IV-2SLS (linearmodels) with first stage, Cragg-Donald, Kleibergen-Paap, Stock-Yogo.

    --json writes params, bse, bse_robust (HC1), first_stage (partial_r2, f,
    cragg_donald_f, kleibergen_paap_f, anderson_lm, anderson_lm_pvalue),
    stock_yogo and overid (Sargan, Hansen J; null when exactly identified).
    """
    from smekit.analysis.iv import fit_iv
    from smekit.analysis.tables import regression_table

    frame = _read_table(data)
    fe = [c.strip() for c in absorb.split(",") if c.strip()] if absorb else []
    res = fit_iv(frame, formula, robust=robust, cluster=cluster, absorb=fe, source=str(data))
    cols = {f"First stage: {k}": e for k, e in res.first_stage.estimates.items()}
    cols["2SLS"] = res.estimates
    table = regression_table(
        cols,
        title=formula,
        se_label=(f"Standard errors ({res.cov_type}) in parentheses. {res.stock_yogo.verdict()}."),
    )
    typer.echo(table.to_markdown())
    fs = res.first_stage
    typer.echo(
        f"Cragg-Donald F = {fs.cragg_donald_f:.3f}; Kleibergen-Paap F = "
        f"{fs.kleibergen_paap_f:.3f}; Anderson LM = {fs.anderson_lm:.3f} "
        f"(p = {fs.anderson_pvalue:.4g})"
    )
    for w in res.warnings:
        typer.echo(f"warning: {w}")
    if json_out:
        _dump(res.to_dict(), json_out)
    if tables:
        _tables(table, tables, "iv")


@app.command()
def index(
    data: Annotated[Path, typer.Argument(help="Data file: CSV, XLSX or Parquet.")],
    indicators: Annotated[
        str, typer.Option("--indicators", help="Indicator columns, comma-separated.")
    ],
    method: Annotated[str, typer.Option("--method", help="entropy, pca or zscore.")] = "entropy",
    negative: Annotated[
        str | None, typer.Option("--negative", help="Indicators where less is better.")
    ] = None,
    by_period: Annotated[
        bool, typer.Option("--by-period", help="Weights (or z-scores) within each period.")
    ] = False,
    time: Annotated[str, typer.Option("--time", help="Period column for --by-period.")] = "year",
    shift: Annotated[
        float, typer.Option("--shift", help="Entropy: shift added after min-max.")
    ] = 1e-4,
    json_out: JsonOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the data with the index column (CSV).")
    ] = None,
) -> None:
    """Composite index: entropy weights, PCA composite (KMO, Bartlett) or mean z-score.

    --json writes the method, the weights (entropy), eigenvalues and loadings
    (PCA) or moments (z-score), and the score of every row.
    """
    from smekit.analysis.indices import entropy_index, pca_index, zscore_index
    from smekit.analysis.tables import frame_to_markdown
    from smekit.core.errors import ModelError

    frame = _read_table(data)
    cols = [c.strip() for c in indicators.split(",") if c.strip()]
    neg = [c.strip() for c in (negative or "").split(",") if c.strip()]
    by = time if by_period else None
    if method == "entropy":
        res = entropy_index(frame, cols, negative=neg, by=by, shift=shift)
    elif method == "zscore":
        res = zscore_index(frame, cols, negative=neg, by=by)
    elif method == "pca":
        if by_period:
            raise ModelError("--by-period is not defined for the PCA composite")
        res = pca_index(frame, cols, negative=neg)
    else:
        raise ModelError(f"--method must be entropy, pca or zscore, not {method!r}")
    typer.echo(frame_to_markdown(res.to_frame()))
    if method == "pca":
        a = res.adequacy
        typer.echo(
            f"KMO = {a.kmo:.3f}; Bartlett chi2({a.bartlett_df}) = "
            f"{a.bartlett_chi2:.2f}, p = {a.bartlett_p:.3g}; {res.rule}"
        )
    if json_out:
        payload = res.to_dict()
        payload["scores"] = [float(v) for v in res.score]
        _dump(payload, json_out)
    if out:
        frame.assign(**{res.score.name: res.score}).to_csv(out, index=False)
        typer.echo(f"wrote {out}")
