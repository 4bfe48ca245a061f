"""The Typer application every ``smekit`` command registers on, and the sub-command groups."""

from __future__ import annotations

import os
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
interviews_app = typer.Typer(
    help="Import, pseudonymise, code and cluster interview transcripts; REFI-QDA exchange."
)
app.add_typer(instrument_app, name="instrument", no_args_is_help=True)
app.add_typer(survey_app, name="survey", no_args_is_help=True)
app.add_typer(interviews_app, name="interviews", no_args_is_help=True)

DEFAULT_DEMO = Path("demo-study")


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    if debug:
        os.environ["SMEKIT_DEBUG"] = "1"
