"""``smekit benchmark``: firm reports against peers, and the benchmark store.

``smekit benchmark STUDY --firm ID`` (or ``--all``) reads an analysed study
(``results/survey/analysis_frame.parquet``, ``results/regression/suite.json``)
and writes profiles, priorities and firm reports; ``smekit benchmark store
add|list|remove`` keeps waves of many studies in one DuckDB file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from smekit.cli.base import app


class _DefaultToRun(TyperGroup):
    """``smekit benchmark STUDY ...`` means ``smekit benchmark run STUDY ...``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


benchmark_app = typer.Typer(
    cls=_DefaultToRun,
    help=(
        "Benchmark firms against their peers: `smekit benchmark STUDY --firm ID` or `--all`; "
        "`smekit benchmark store add|list|remove` for the benchmark store."
    ),
    no_args_is_help=True,
)
store_app = typer.Typer(
    help="The benchmark store: survey waves of many studies in one DuckDB file."
)
benchmark_app.add_typer(store_app, name="store", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        disable=not sys.stderr.isatty() and not os.environ.get("SMEKIT_PROGRESS"),
    )


def _load(study: Path):
    """The analysed study: its config, firm table inputs and regression effects."""
    import pandas as pd

    from smekit.analysis.benchmark.priorities import effects_from_json
    from smekit.core.errors import StudyError
    from smekit.stages.benchmark import firm_table
    from smekit.study import load_study
    from smekit.study.benchmark import BenchmarkConfig
    from smekit.survey.instrument import load_instrument, resolve_instrument

    loaded = load_study(study)
    cfg = loaded.config
    if cfg.survey is None:
        raise StudyError("the study has no survey to benchmark", where=loaded.root / "study.yaml")
    frame_path = loaded.results_dir / "survey" / "analysis_frame.parquet"
    if not frame_path.exists():
        raise StudyError(
            "no scored survey", where=frame_path, fix=f"run `smekit analyze {study}` first"
        )
    bcfg = getattr(cfg, "benchmark", None) or BenchmarkConfig()
    instrument = load_instrument(resolve_instrument(cfg.survey.instrument, base=loaded.root))
    frame = pd.read_parquet(frame_path)
    inputs = firm_table(frame, instrument, bcfg, cfg.survey.id_column, str(frame_path))
    suite_path = loaded.results_dir / "regression" / "suite.json"
    effects = {}
    if suite_path.exists():
        effects = effects_from_json(json.loads(suite_path.read_text()), where=str(suite_path))
    return loaded, instrument, inputs, effects


@benchmark_app.command("run")
def run(
    study: Annotated[Path, typer.Argument(help="Analysed study folder (with results/).")],
    firm: Annotated[str | None, typer.Option(help="Firm id to report on.")] = None,
    all_firms: Annotated[bool, typer.Option("--all", help="Write a report for every firm.")] = (
        False
    ),
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default STUDY/results/benchmark).")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option(help="Benchmark the firm against this store's firms instead of the study's."),
    ] = None,
    jobs: Annotated[
        int, typer.Option(help="Worker processes for --all (default: the CPU count, at most 4).")
    ] = min(4, os.cpu_count() or 1),
) -> None:
    """Profile firms against their peers and write reports.

    Reads STUDY/results/survey/analysis_frame.parquet and
    STUDY/results/regression/suite.json; writes OUT/profiles.csv,
    OUT/priorities.csv and OUT/reports/FIRM.html|.docx|.svg|.png.
    """
    from smekit.analysis.benchmark.priorities import rank_priorities
    from smekit.analysis.benchmark.report import write_reports
    from smekit.core.errors import StudyError
    from smekit.stages.benchmark import run as run_benchmark

    if (firm is None) == (not all_firms):
        raise StudyError("give --firm ID or --all (one of them)", fix="see --help")
    loaded, _, inputs, effects = _load(study)
    cfg = inputs.config
    out = out or loaded.results_dir / "benchmark"
    if store is not None:
        if all_firms:
            raise StudyError("--store benchmarks one firm: give --firm ID")
        _store_report(store, loaded, inputs, effects, firm, out)
        return
    bench = run_benchmark(inputs, str(study))
    table = rank_priorities(bench.profiles, effects, gap=cfg.priority_gap, max_n=cfg.max_priorities)
    out.mkdir(parents=True, exist_ok=True)
    bench.profiles.to_csv(out / "profiles.csv", index=False)
    table.to_csv(out / "priorities.csv", index=False)
    ids = list(bench.firms["firm_id"]) if all_firms else [str(firm)]
    if not all_firms:
        bench.firm(str(firm))  # an unknown or excluded firm is a clear error before any work
    with _progress() as bar:
        task = bar.add_task("Writing firm reports", total=len(ids))
        write_reports(
            bench,
            ids,
            effects,
            out / "reports",
            table=table,
            jobs=max(1, min(jobs, len(ids))),
            progress=lambda done: bar.update(task, completed=done),
            gap=cfg.priority_gap,
            max_priorities=cfg.max_priorities,
            study=loaded.config.name,
            scale=inputs.scale,
        )
    written = len(ids)
    typer.echo(f"Wrote {written} firm report(s) to {out / 'reports'}")
    if not bench.excluded.empty:
        typer.echo(f"Note: {len(bench.excluded)} firm(s) not benchmarked (see excluded.csv)")
        bench.excluded.to_csv(out / "excluded.csv", index=False)


def _store_report(store: Path, loaded, inputs, effects, firm: str, out: Path) -> None:
    from smekit.analysis.benchmark.priorities import (
        priority_objects,
        rank_priorities,
        unranked_notes,
    )
    from smekit.analysis.benchmark.report import FirmReport, write_report
    from smekit.analysis.benchmark.store import store_benchmark
    from smekit.core.errors import DataError

    cfg = inputs.config
    rows = inputs.table[inputs.table["firm_id"] == str(firm)]
    if rows.empty:
        raise DataError(f"no firm '{firm}' in the study", where=loaded.root)
    profile = store_benchmark(
        store,
        dimensions=inputs.dimensions,
        firm=rows.iloc[0].to_dict(),
        labels=inputs.labels,
        min_size=cfg.min_group_size,
        index_method=cfg.index,
        exclude=(loaded.config.name, str(firm)),
    )
    long = profile.dimensions.assign(firm_id=profile.firm_id)
    table = rank_priorities(long, effects, gap=cfg.priority_gap, max_n=cfg.max_priorities)
    report = FirmReport(
        profile=profile,
        priorities=tuple(priority_objects(table, effects)),
        unranked=tuple(unranked_notes(inputs.dimensions, inputs.labels, effects)),
        study=f"{loaded.config.name} against the store {store.name}",
        scale=inputs.scale,
        gap=cfg.priority_gap,
    )
    paths = write_report(report, out / "reports", stem=f"{profile.firm_id}_store")
    typer.echo(f"Wrote {paths[0]} and {paths[1]}")


@store_app.command("add")
def store_add(
    store: Annotated[Path, typer.Argument(help="Store file (.duckdb); created if missing.")],
    study: Annotated[Path, typer.Argument(help="Analysed study folder.")],
    wave: Annotated[str, typer.Option(help="Name of the survey wave, e.g. 2024.")],
    name: Annotated[
        str | None, typer.Option(help="Study name in the store (default: study.yaml name).")
    ] = None,
    map_version: Annotated[
        str | None,
        typer.Option(help="Accept another instrument version explicitly: FROM=TO, e.g. 1.1=1.0."),
    ] = None,
    map_dim: Annotated[
        list[str] | None,
        typer.Option("--map", help="With --map-version: NEW=STORED dimension id (repeatable)."),
    ] = None,
) -> None:
    """Append one wave of an analysed study to the store (all or nothing)."""
    from smekit.analysis.benchmark.store import VersionMapping, add_wave
    from smekit.core.errors import DataError

    loaded, instrument, inputs, _ = _load(study)
    mapping = None
    if map_version is not None:
        if "=" not in map_version:
            raise DataError(f"--map-version {map_version!r}: write FROM=TO, e.g. 1.1=1.0")
        src, dst = (p.strip() for p in map_version.split("=", 1))
        dims = {}
        for pair in map_dim or []:
            if "=" not in pair:
                raise DataError(f"--map {pair!r}: write NEW=STORED")
            a, b = (p.strip() for p in pair.split("=", 1))
            dims[a] = b
        mapping = VersionMapping(src, dst, dims)
    elif map_dim:
        raise DataError("--map needs --map-version FROM=TO")
    record = add_wave(
        store,
        inputs.table,
        study=name or loaded.config.name,
        wave=wave,
        instrument=instrument.id,
        instrument_version=str(instrument.version),
        dimensions=inputs.dimensions,
        mapping=mapping,
        where=str(loaded.results_dir / "survey" / "analysis_frame.parquet"),
    )
    typer.echo(
        f"Added wave '{record['wave']}' of '{record['study']}' ({record['n_firms']} firms) "
        f"to {store}"
    )


@store_app.command("list")
def store_list(
    store: Annotated[Path, typer.Argument(help="Store file.")],
) -> None:
    """List the waves in the store."""
    from smekit.analysis.benchmark.store import list_waves

    waves = list_waves(store)
    if waves.empty:
        typer.echo("The store is empty.")
        return
    for r in waves.to_dict(orient="records"):
        mapped = f", mapped from {r['instrument_version']}" if r["mapping"] else ""
        typer.echo(
            f"{r['study']} / {r['wave']}: {r['n_firms']} firms, {r['instrument']} "
            f"v{r['stored_version']}{mapped}, added {r['added_utc']}"
        )


@store_app.command("remove")
def store_remove(
    store: Annotated[Path, typer.Argument(help="Store file.")],
    study: Annotated[str, typer.Option(help="Study name in the store.")],
    wave: Annotated[str, typer.Option(help="Wave to remove.")],
) -> None:
    """Remove one wave (its firms and scores) from the store."""
    from smekit.analysis.benchmark.store import remove_wave

    n = remove_wave(store, study, wave)
    typer.echo(f"Removed wave '{wave}' of '{study}' ({n} firms) from {store}")
