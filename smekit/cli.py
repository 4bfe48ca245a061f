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

    from smekit.study import load_study, run_study

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

    from smekit.errors import StudyError

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
    from smekit.errors import InstrumentError
    from smekit.interviews.codebook import load_codebook
    from smekit.interviews.protocol import load_protocol
    from smekit.survey.instrument import load_instrument, resolve_instrument
    from smekit.yamlio import read_yaml

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
    from smekit.errors import InstrumentError
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
        writers = {
            ("protocol", "html"): printable.write_protocol_html,
            ("protocol", "docx"): printable.write_protocol_docx,
            ("codebook", "html"): printable.write_codebook_html,
            ("codebook", "docx"): printable.write_codebook_docx,
        }
        written = writers[(kind, format.value)](model, target)
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning smekit errors into one line and exit status 2."""
    from smekit.errors import SmekitError

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
