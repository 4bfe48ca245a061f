"""``smekit regress``: the regression suite on any data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import app

_SPSS_MAGIC = (b"$FL2", b"$FL3")


def _looks_binary(raw: bytes) -> bool:
    """Control bytes other than tab, CR, LF and form feed in the first 8 KB."""
    head = raw[:8192]
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control / len(head) > 0.01


def _read_table(path: Path):
    """Read a CSV, XLSX, Parquet or SPSS data file for modelling.

    Every failure is a :class:`~smekit.core.errors.DataError` naming the file.
    """
    import pandas as pd

    from smekit.core.errors import DataError, SmekitError

    if not path.exists():
        raise DataError("file not found", where=path)
    if path.is_dir():
        raise DataError("this is a folder, not a data file", where=path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(path)
        with path.open("rb") as fh:
            magic = fh.read(4)
        if suffix in (".sav", ".zsav") or magic in _SPSS_MAGIC:
            return _read_spss(path)
        import io

        from smekit.survey.encoding import decode, detect_delimiter, detect_encoding

        raw = path.read_bytes()
        if not raw.strip():
            raise DataError("the file is empty", where=path)
        try:
            text = decode(raw, detect_encoding(raw), str(path))
        except SmekitError as exc:
            if _looks_binary(raw):
                raise DataError(
                    "this is not a text table: the file holds binary data",
                    where=path,
                    fix="export the data as CSV, XLSX, Parquet or SPSS .sav",
                ) from None
            raise DataError(exc.what, where=exc.where or path, fix=exc.fix) from None
        if "\x00" in text[:8192] or _looks_binary(text[:8192].encode("utf-8", "replace")):
            raise DataError(
                "this is not a text table: the file holds binary data",
                where=path,
                fix="export the data as CSV, XLSX, Parquet or SPSS .sav",
            )
        return pd.read_csv(io.StringIO(text), sep=detect_delimiter(text[:20000]))
    except SmekitError as exc:
        if exc.where:
            raise
        raise DataError(exc.what, where=path, fix=exc.fix) from None
    except (ValueError, OSError, UnicodeError, ImportError) as exc:
        raise DataError(f"cannot read the file: {exc}", where=path) from None


def _read_spss(path: Path):
    """An SPSS file with numeric codes (value labels are not applied to model variables)."""
    import pandas as pd

    from smekit.core.errors import DataError

    try:
        import pyreadstat

        frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except ImportError:
        return pd.read_spss(path, convert_categoricals=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError for corrupt files
        raise DataError(
            f"cannot read the SPSS file: {exc}",
            where=path,
            fix="check that the file is a complete .sav export, or export it as CSV",
        ) from None
    return frame


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
    data: Annotated[Path, typer.Argument(help="Data file: CSV, XLSX, Parquet or SPSS .sav.")],
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
    A part that cannot be computed on these data (RESET with too few rows,
    subgroups too small to estimate, ...) is skipped: one plain line says why,
    the JSON records it under "skipped" and "warnings", and the rest is written.
    """
    import warnings

    from smekit.analysis.suite import run_suite
    from smekit.core.errors import ModelError

    frame = _read_table(data)
    meds = []
    for spec in mediator or []:
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) != 2:
            raise ModelError(f"--mediation {spec!r}: give 'X,M'")
        meds.append({"x": parts[0], "m": parts[1]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
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
    summary = []
    if suite.reset is not None:
        r = suite.reset
        summary.append(f"RESET F({r.df_num}, {r.df_denom}) = {r.fstat:.3f}, p = {r.pvalue:.4g}")
    if suite.influence is not None:
        summary.append(f"flagged cases: {len(suite.influence.flagged)}")
    if summary:
        typer.echo("; ".join(summary))
    notes = list(suite.warnings)
    notes += [str(w.message) for w in caught if str(w.message) not in notes]
    for w in dict.fromkeys(notes):
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
