"""The ``smekit`` command line.

Every command prints one clear line on bad input (what, where, how to fix)
and exits with status 2; ``--debug`` shows the traceback instead. Heavy
libraries are imported inside commands so ``smekit --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="smekit",
    help="Mixed-methods research on SMEs: instruments, surveys, interviews and regressions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
instrument_app = typer.Typer(help="Validate and export questionnaires, protocols and codebooks.")
survey_app = typer.Typer(help="Import, check and score survey responses.")
app.add_typer(instrument_app, name="instrument", no_args_is_help=True)
app.add_typer(survey_app, name="survey", no_args_is_help=True)

DEFAULT_DEMO = Path("demo-study")


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    if debug:
        os.environ["SMEKIT_DEBUG"] = "1"


# -- study commands -----------------------------------------------------------------------


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo study into.")] = (
        DEFAULT_DEMO
    ),
    force: Annotated[bool, typer.Option(help="Replace an existing demo study.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20240601,
) -> None:
    """Write a demo study: 304 survey responses, 15 interviews and two panels with known truths.

    Writes DIRECTORY/study.yaml, DIRECTORY/data/ and DIRECTORY/truth.json.
    """
    from smekit.demo import write_demo

    result = write_demo(directory, seed=seed, force=force)
    typer.echo(f"Demo study written to {result.root}")
    typer.echo(f"Next: smekit analyze {directory}")


@app.command()
def analyze(
    study: Annotated[Path, typer.Argument(help="Study folder (with study.yaml).")],
) -> None:
    """Run every analysis study.yaml asks for; write STUDY/results/ and results/manifest.json."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from smekit.runner import run_study
    from smekit.study import load_study

    loaded = load_study(study)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        transient=False,
        disable=not sys.stderr.isatty() and not os.environ.get("SMEKIT_PROGRESS"),
    ) as bar:
        task = bar.add_task("Starting", total=1)

        def progress(name: str, i: int, total: int) -> None:
            bar.update(task, description=name, completed=i, total=total)

        ctx = run_study(loaded, progress=progress)
    typer.echo(f"Wrote {len(ctx.outputs)} result files to {loaded.results_dir}")
    quality = ctx.results.get("quality")
    if quality is not None:
        typer.echo(
            f"Survey: {quality.n_input} responses, {len(quality.kept)} kept, "
            f"{len(quality.exclusions)} excluded (see results/survey/exclusions.csv)"
        )
    for note in ctx.notes:
        typer.echo(f"Note: {note}")


@app.command(name="app")
def app_command(
    study: Annotated[Path, typer.Argument(help="Study folder with results/.")] = DEFAULT_DEMO,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
) -> None:
    """Start the Streamlit app on a study's results (the demo study by default)."""
    import subprocess

    from smekit.core.errors import StudyError

    results = study / "results"
    if not results.is_dir():
        raise StudyError(
            "no results/ folder", where=study, fix=f"run `smekit analyze {study}` first"
        )
    script = Path(__file__).resolve().parent.parent / "app" / "main.py"
    try:
        import smekit.app as app_pkg

        script = Path(app_pkg.__file__).parent / "main.py"
    except ImportError:
        pass
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless=true",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--",
        "--study",
        str(study.resolve()),
    ]
    typer.echo(f"Serving {study} on http://localhost:{port} (Ctrl+C to stop)")
    raise typer.Exit(subprocess.call(cmd))


# -- instrument commands -------------------------------------------------------------------


class ExportFormat(StrEnum):
    xlsform = "xlsform"
    html = "html"
    docx = "docx"


def _load_any(path: str):
    """Load a questionnaire, protocol or codebook by path or library name."""
    from smekit.core.errors import InstrumentError
    from smekit.core.yamlio import read_yaml
    from smekit.interviews.codebook import load_codebook
    from smekit.interviews.protocol import load_protocol
    from smekit.survey.instrument import load_instrument, resolve_instrument

    resolved = resolve_instrument(path)
    doc = read_yaml(resolved, InstrumentError)
    kind = doc.get("kind", "questionnaire") if isinstance(doc, dict) else None
    loaders = {
        "questionnaire": load_instrument,
        "protocol": load_protocol,
        "codebook": load_codebook,
    }
    if kind not in loaders:
        raise InstrumentError(
            f"unknown kind '{kind}'",
            where=f"{resolved}:1",
            fix="use questionnaire, protocol or codebook",
        )
    return kind, resolved, loaders[kind](resolved)


@instrument_app.command("validate")
def instrument_validate(
    paths: Annotated[list[str], typer.Argument(help="YAML files or library names.")],
) -> None:
    """Check questionnaire, protocol or codebook files; print a summary of each."""
    for p in paths:
        kind, resolved, model = _load_any(p)
        if kind == "questionnaire":
            detail = f"{len(model.items)} items, {len(model.constructs)} constructs"
        elif kind == "protocol":
            n_questions = sum(len(a.questions) for a in model.areas)
            detail = f"{n_questions} questions in {len(model.areas)} areas"
        else:
            detail = f"{len(model.codes)} codes"
        typer.echo(f"ok  {resolved}  ({kind}: {detail})")


@instrument_app.command("export")
def instrument_export(
    path: Annotated[str, typer.Argument(help="YAML file or library name.")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ExportFormat.xlsform
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
) -> None:
    """Export a questionnaire to XLSForm (.xlsx for KoboToolbox/ODK), HTML or DOCX.

    Protocols and codebooks export to HTML or DOCX.
    """
    from smekit.core.errors import InstrumentError
    from smekit.survey import printable

    kind, resolved, model = _load_any(path)
    suffix = {"xlsform": ".xlsx", "html": ".html", "docx": ".docx"}[format.value]
    target = out or Path(resolved.stem + ("_xlsform" if format == "xlsform" else "") + suffix)
    if kind == "questionnaire":
        if format == ExportFormat.xlsform:
            from smekit.survey.xlsform import write_xlsform

            written = write_xlsform(model, target)
        elif format == ExportFormat.html:
            written = printable.write_html(model, target)
        else:
            written = printable.write_docx(model, target)
    else:
        if format == ExportFormat.xlsform:
            raise InstrumentError(
                f"a {kind} cannot be exported to XLSForm",
                where=resolved,
                fix="use --format html or docx",
            )
        from smekit.interviews import printable as interview_printable

        writer = {"html": interview_printable.write_html, "docx": interview_printable.write_docx}
        written = writer[format.value](model, target)
    typer.echo(f"Wrote {written}")


@instrument_app.command("list")
def instrument_list() -> None:
    """List the instruments shipped with smekit."""
    from smekit.survey.instrument import library_dir

    for p in sorted(library_dir().glob("*.yaml")):
        kind, _, model = _load_any(str(p))
        typer.echo(f"{p.stem:40s} {kind:14s} {model.title}")


# -- survey commands --------------------------------------------------------------------------


def _write_frame(frame, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.to_parquet(out, index=False)
    elif out.suffix in (".xlsx", ".xls"):
        frame.to_excel(out, index=False)
    else:
        frame.to_csv(out, index=False)
    return out


InstrumentOpt = Annotated[
    str, typer.Option("--instrument", "-i", help="Questionnaire YAML or library name.")
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="csv, xlsx, qualtrics, kobo or sav (default: detect)."),
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding (default: detect).")]
DelimiterOpt = Annotated[str | None, typer.Option(help="Field delimiter (default: detect).")]


def _import(
    file: Path, instrument: str, format: str | None, encoding: str | None, delimiter: str | None
):
    from smekit.survey.instrument import load_instrument, resolve_instrument
    from smekit.survey.responses import read_responses

    inst = load_instrument(resolve_instrument(instrument))
    return inst, read_responses(file, inst, format=format, encoding=encoding, delimiter=delimiter)


@survey_app.command("import")
def survey_import(
    file: Annotated[Path, typer.Argument(help="Responses: CSV, XLSX, Qualtrics, Kobo or .sav.")],
    instrument: InstrumentOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy output (.csv, .parquet, .xlsx).")],
    format: FormatOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Read responses into one tidy table keyed by item ids (labels mapped to codes)."""
    _, res = _import(file, instrument, format, encoding, delimiter)
    _write_frame(res.data, out)
    typer.echo(
        f"Read {len(res.data)} responses ({res.format}, encoding {res.encoding}); wrote {out}"
    )
    if len(res.problems):
        problems = out.with_name(out.stem + "_problems.csv")
        res.problems.to_csv(problems, index=False)
        typer.echo(f"{len(res.problems)} cells could not be coded: see {problems}")


@survey_app.command("quality")
def survey_quality(
    file: Annotated[Path, typer.Argument(help="Responses file.")],
    instrument: InstrumentOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the quality tables.")],
    id_column: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", help="Duration column (seconds).")
    ] = None,
    format: FormatOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Check responses: problems table, flags, exclusion log and the kept responses."""
    from smekit.survey.quality import check_quality

    inst, res = _import(file, instrument, format, encoding, delimiter)
    report = check_quality(
        res.data,
        inst,
        id_column=id_column,
        duration_column=duration,
        row_numbers=res.row_numbers,
        source=file.name,
        import_problems=res.problems,
        unknown_columns=[c for c in res.unknown_columns if c not in {id_column, duration}],
    )
    out.mkdir(parents=True, exist_ok=True)
    report.problems.to_csv(out / "problems.csv", index=False)
    report.exclusions.to_csv(out / "exclusions.csv", index=False)
    report.flags.to_csv(out / "flags.csv", index=False)
    report.kept.to_csv(out / "kept.csv", index=False)
    typer.echo(
        f"{report.n_input} responses: {len(report.kept)} kept, {len(report.exclusions)} excluded, "
        f"{len(report.problems)} problems; tables in {out}"
    )


@survey_app.command("score")
def survey_score(
    file: Annotated[Path, typer.Argument(help="Responses file (raw or cleaned).")],
    instrument: InstrumentOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Scores (.csv, .parquet, .xlsx).")],
    id_column: Annotated[str | None, typer.Option("--id", help="Respondent id column.")] = None,
    format: FormatOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
) -> None:
    """Score constructs (reverse coding, minimum valid items, z-scores) and report reliability."""
    from smekit.survey.reliability import reliability
    from smekit.survey.scoring import score_constructs

    inst, res = _import(file, instrument, format, encoding, delimiter)
    scores = score_constructs(res.data, inst, id_column=id_column)
    _write_frame(scores.to_frame(), out)
    rel = reliability(scores.construct_items(inst)).to_frame()
    rel_path = out.with_name(out.stem + "_reliability.csv")
    rel.to_csv(rel_path, index=False)
    typer.echo(f"Scored {len(scores.summary)} constructs for {len(scores.scores)} responses: {out}")
    typer.echo(rel.round(3).to_string(index=False))


# -- regression -----------------------------------------------------------------------------


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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning smekit errors into one line and exit status 2."""
    from smekit.core.errors import SmekitError

    try:
        app(args=argv, standalone_mode=False)
    except SmekitError as exc:
        if os.environ.get("SMEKIT_DEBUG"):
            raise
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("SMEKIT_DEBUG"):
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
