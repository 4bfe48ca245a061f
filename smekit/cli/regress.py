"""``smekit regress``: the regression suite on any data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import app


def _read_table(path: Path):
    """Read a CSV, XLSX or Parquet data file for modelling."""
    import pandas as pd

    from smekit.core.errors import DataError

    if not path.exists():
        raise DataError("file not found", where=path)
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix in (".xlsx", ".xls"):
            return pd.read_excel(path)
        import io

        from smekit.survey.encoding import decode, detect_delimiter, detect_encoding

        raw = path.read_bytes()
        if not raw.strip():
            raise DataError("the file is empty", where=path)
        text = decode(raw, detect_encoding(raw), str(path))
        return pd.read_csv(io.StringIO(text), sep=detect_delimiter(text[:20000]))
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the file: {exc}", where=path) from None


def _pairs(text: str | None) -> list[tuple[str, str]]:
    from smekit.core.errors import ModelError

    if not text:
        return []
    out = []
    for chunk in text.split(";"):
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        if len(parts) < 2:
            raise ModelError(
                f"--interactions {text!r}: give pairs such as 'x1,x2' or 'x1,x2;x1,x3'"
            )
        if len(parts) == 2:
            out.append((parts[0], parts[1]))
        else:
            out += [(a, b) for i, a in enumerate(parts) for b in parts[i + 1 :]]
    return out


@app.command()
def regress(
    data: Annotated[Path, typer.Argument(help="Data file: CSV, XLSX or Parquet.")],
    formula: Annotated[str, typer.Option("--formula", "-f", help='Model, e.g. "y ~ x1 + x2".')],
    id_column: Annotated[str | None, typer.Option("--id", help="Case id column.")] = None,
    subgroup: Annotated[
        str | None, typer.Option("--subgroup", help="Categorical column for subgroup models.")
    ] = None,
    interactions: Annotated[
        str | None,
        typer.Option(
            "--interactions",
            help="Predictors to interact: 'x1,x2' (all pairs of a list) or 'x1,x2;x1,x3'.",
        ),
    ] = None,
    min_group_size: Annotated[
        int | None, typer.Option("--min-group-size", help="Smallest subgroup modelled.")
    ] = None,
    mediator: Annotated[
        list[str] | None,
        typer.Option("--mediation", help="Mediation 'X,M' (outcome as Y); repeatable."),
    ] = None,
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed for bootstrap and subsampling.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write all results as JSON.")
    ] = None,
    tables: Annotated[
        Path | None, typer.Option("--tables", help="Folder for tables (md, html, tex, docx).")
    ] = None,
) -> None:
    """Fit the regression suite: OLS, assumptions, VIF, RESET, influence, robust, subgroups.

    Prints the main table; --json writes every statistic (schema in the README).
    """
    from smekit.analysis.suite import run_suite
    from smekit.core.errors import ModelError

    frame = _read_table(data)
    meds = []
    for spec in mediator or []:
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) != 2:
            raise ModelError(f"--mediation {spec!r}: give 'X,M'")
        meds.append({"x": parts[0], "m": parts[1]})
    suite = run_suite(
        frame,
        formula,
        id_column=id_column,
        subgroup=subgroup,
        min_group_size=min_group_size,
        interactions=_pairs(interactions),
        mediations=meds,
        n_boot=n_boot,
        seed=seed,
        source=str(data),
    )
    typer.echo(suite.main_table().to_markdown())
    typer.echo(
        f"RESET F({suite.reset.df_num}, {suite.reset.df_denom}) = {suite.reset.fstat:.3f}, "
        f"p = {suite.reset.pvalue:.4g}; flagged cases: {len(suite.influence.flagged)}"
    )
    for w in suite.warnings:
        typer.echo(f"Note: {w}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(suite.to_json() + "\n")
        typer.echo(f"Wrote {json_out}")
    if tables is not None:
        tables.mkdir(parents=True, exist_ok=True)
        for name, table in (
            ("table_main", suite.main_table()),
            ("table_subgroups", suite.subgroup_table()),
            ("table_interactions", suite.interaction_table()),
        ):
            if table is None:
                continue
            (tables / f"{name}.md").write_text(table.to_markdown())
            (tables / f"{name}.html").write_text(table.to_html())
            (tables / f"{name}.tex").write_text(table.to_latex())
            table.to_docx(tables / f"{name}.docx")
        typer.echo(f"Wrote tables to {tables}")
