"""``smekit report``: the study report (HTML and DOCX) from a study's results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import app


@app.command()
def report(
    study: Annotated[Path, typer.Argument(help="Study folder with results/.")],
) -> None:
    """Write STUDY/results/report/report.html and report.docx from STUDY/results/.

    The report is assembled from the tables and figures `smekit analyze` wrote,
    so it shows the same numbers as the app.
    """
    from smekit.analysis.report import write_report
    from smekit.study import load_study

    loaded = load_study(study)
    for path in write_report(loaded.results_dir):
        typer.echo(f"Wrote {path}")
