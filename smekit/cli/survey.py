"""``smekit survey``: import, check and score survey responses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import survey_app


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
