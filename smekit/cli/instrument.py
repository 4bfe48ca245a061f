"""``smekit instrument``: validate, export and list questionnaires, protocols and codebooks."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import instrument_app


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
