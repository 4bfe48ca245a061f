"""``smekit demo``, ``smekit analyze`` and ``smekit app``: commands on a whole study."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import DEFAULT_DEMO, app


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
