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
DelimiterOpt = Annotated[
    str | None, typer.Option(help="Field delimiter, one character (default: detect).")
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Excel sheet name or 0-based number (default: the sheet whose header names "
        "the most items).",
    ),
]
ShareOpt = Annotated[
    float,
    typer.Option(
        "--min-item-share",
        min=0.0,
        max=1.0,
        help="Stop when fewer than this share of the instrument's items match a column "
        "(0: read a file holding only some items).",
    ),
]


def _sheet(value: str | None) -> str | int | None:
    return int(value) if value is not None and value.strip().isdigit() else value


def _import(
    file: Path,
    instrument: str,
    format: str | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None = None,
    min_item_share: float = 0.5,
):
    from smekit.survey.instrument import load_instrument, resolve_instrument
    from smekit.survey.responses import read_responses

    inst = load_instrument(resolve_instrument(instrument))
    res = read_responses(
        file,
        inst,
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        sheet=_sheet(sheet),
        min_item_share=min_item_share,
    )
    return inst, res


def _describe(res) -> str:
    """What was read, for the first line a command prints."""
    bits = [res.format]
    if res.sheet is not None:
        bits.append(f"sheet '{res.sheet}'")
    if res.encoding is not None:
        bits.append(f"encoding {res.encoding}")
    if res.delimiter is not None:
        bits.append(f"delimiter {res.delimiter!r}")
    return ", ".join(bits)


def _report_import(res, out: Path) -> None:
    """Print and write what the import could not code or found missing for a reason."""
    fallback = res.problems[res.problems["rule"] == "encoding_fallback"]
    if len(fallback):
        rows = ", ".join(str(r) for r in fallback["row"].tolist()[:10])
        typer.echo(
            f"{len(fallback)} line(s) not valid {res.encoding} were decoded with a "
            f"fallback (rows {rows}): check their accented letters"
        )
    if len(res.missing_reasons):
        path = out.with_name(out.stem + "_missing_reasons.csv")
        res.missing_reasons.to_csv(path, index=False)
        counts = res.missing_reasons["reason"].value_counts()
        listed = ", ".join(f"{reason} {n}" for reason, n in counts.items())
        n = len(res.missing_reasons)
        typer.echo(f"{n} answers missing for a stated reason ({listed}): see {path}")


@survey_app.command("import")
def survey_import(
    file: Annotated[Path, typer.Argument(help="Responses: CSV, XLSX, Qualtrics, Kobo or .sav.")],
    instrument: InstrumentOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy output (.csv, .parquet, .xlsx).")],
    format: FormatOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    sheet: SheetOpt = None,
    min_item_share: ShareOpt = 0.5,
) -> None:
    """Read responses into one tidy table keyed by item ids (labels mapped to codes).

    Writes OUT, OUT_problems.csv (cells that could not be coded) and
    OUT_missing_reasons.csv (SPSS user-missing answers with their reason).
    """
    _, res = _import(file, instrument, format, encoding, delimiter, sheet, min_item_share)
    _write_frame(res.data, out)
    typer.echo(f"Read {len(res.data)} responses ({_describe(res)}); wrote {out}")
    _report_import(res, out)
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
    sheet: SheetOpt = None,
    min_item_share: ShareOpt = 0.5,
) -> None:
    """Check responses: problems table, flags, exclusion log and the kept responses."""
    from smekit.survey.quality import check_quality

    inst, res = _import(file, instrument, format, encoding, delimiter, sheet, min_item_share)
    typer.echo(f"Read {len(res.data)} responses ({_describe(res)})")
    out.mkdir(parents=True, exist_ok=True)
    _report_import(res, out / "responses")
    report = check_quality(
        res.data,
        inst,
        id_column=id_column,
        duration_column=duration,
        row_numbers=res.row_numbers,
        source=file.name,
        import_problems=res.problems,
        unknown_columns=[c for c in res.unknown_columns if c not in {id_column, duration}],
        missing_reasons=res.missing_reasons,
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
    sheet: SheetOpt = None,
    min_item_share: ShareOpt = 0.5,
) -> None:
    """Score constructs (reverse coding, minimum valid items, z-scores) and report reliability."""
    from smekit.survey.reliability import reliability
    from smekit.survey.scoring import score_constructs

    inst, res = _import(file, instrument, format, encoding, delimiter, sheet, min_item_share)
    typer.echo(f"Read {len(res.data)} responses ({_describe(res)})")
    scores = score_constructs(res.data, inst, id_column=id_column)
    _write_frame(scores.to_frame(), out)
    rel = reliability(scores.construct_items(inst)).to_frame()
    rel_path = out.with_name(out.stem + "_reliability.csv")
    rel.to_csv(rel_path, index=False)
    typer.echo(f"Scored {len(scores.summary)} constructs for {len(scores.scores)} responses: {out}")
    typer.echo(rel.round(3).to_string(index=False))
