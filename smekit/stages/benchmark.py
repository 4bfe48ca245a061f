"""The benchmark stage of ``smekit analyze``: every firm against its peers, and a firm report.

Runs after the regression stage. Reads the scored constructs
(``ctx.results["analysis_frame"]``), the instrument and, when the study has
one, the regression suite (its OLS effects drive the priorities); writes
under ``results/benchmark/``: ``profiles`` (one row per firm and dimension),
``firms``, ``priorities``, ``index_weights``, ``excluded``, ``summary.json``
and the report of ``benchmark.firm`` (HTML, DOCX, SVG, PNG) in ``reports/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from smekit.analysis.benchmark.peers import size_band
from smekit.analysis.benchmark.priorities import Effect, effects_from_suite, rank_priorities
from smekit.analysis.benchmark.profile import Benchmark, benchmark_firms
from smekit.analysis.benchmark.report import write_reports
from smekit.context import RunContext, Stage
from smekit.core.errors import StudyError
from smekit.study import StudyConfig
from smekit.study.benchmark import BenchmarkConfig
from smekit.survey.instrument import Instrument, ItemType

SIZE_BAND = "size_band"


def _config(config: StudyConfig) -> BenchmarkConfig | None:
    return getattr(config, "benchmark", None)


def _has_benchmark(config: StudyConfig) -> bool:
    return _config(config) is not None and config.survey is not None


@dataclass(frozen=True)
class BenchmarkInputs:
    """The firm table and settings a benchmark runs on."""

    table: pd.DataFrame
    dimensions: list[str]
    labels: dict[str, str]
    levels: list[tuple[str, ...]]
    scale: tuple[float, float] | None
    config: BenchmarkConfig


def firm_table(
    frame: pd.DataFrame,
    instrument: Instrument,
    config: BenchmarkConfig,
    id_column: str | None,
    where: str,
) -> BenchmarkInputs:
    """One row per firm: ``firm_id``, dimension scores, labelled peer columns and size band."""
    dims = list(config.dimensions or [c.id for c in instrument.constructs])
    known = {c.id for c in instrument.constructs}
    unknown = [d for d in dims if d not in known]
    if unknown:
        raise StudyError(
            f"benchmark.dimensions {unknown} are not constructs of {instrument.id}",
            where=where,
            fix=f"use some of {sorted(known)}",
        )
    labels = {c.id: c.label for c in instrument.constructs if c.id in dims}
    if id_column is None or id_column not in frame.columns:
        raise StudyError(
            "benchmarking needs a firm id column",
            where=where,
            fix="set survey.id_column in study.yaml",
        )
    levels = [tuple(lv) for lv in config.peer_levels]
    columns = sorted({c for lv in levels for c in lv})
    out = pd.DataFrame({"firm_id": frame[id_column].astype(str).to_numpy()})
    for d in dims:
        out[d] = pd.to_numeric(frame[d], errors="coerce").to_numpy()
    if config.size_column in frame.columns:
        out["employees"] = pd.to_numeric(frame[config.size_column], errors="coerce").to_numpy()
    for c in columns:
        if c == SIZE_BAND:
            if config.size_column not in frame.columns:
                raise StudyError(
                    f"the size band needs the employee column '{config.size_column}'",
                    where=where,
                    fix="set benchmark.size_column or drop size_band from benchmark.peer_levels",
                )
            out[c] = size_band(frame[config.size_column], config.size_edges).to_numpy()
            continue
        if c not in frame.columns:
            raise StudyError(
                f"peer level column '{c}' is not an item of the survey",
                where=where,
                fix="use profile items such as sector or region in benchmark.peer_levels",
            )
        values = frame[c]
        item = instrument.items.get(c)
        if item is not None and item.type in (ItemType.single_choice, ItemType.likert):
            names = instrument.labels(item)
            values = values.map(lambda v, n=names: n.get(int(v), str(v)) if pd.notna(v) else None)
        out[c] = values.astype(object).where(values.notna(), None).to_numpy()
    return BenchmarkInputs(out, dims, labels, levels, _scale(instrument, dims), config)


def _scale(instrument: Instrument, dims: list[str]) -> tuple[float, float] | None:
    """The common score range of mean-scored constructs (the chart axis), if there is one."""
    lows, highs = [], []
    for d in dims:
        construct = instrument.construct(d)
        if construct.scoring != "mean":
            return None
        for item in instrument.construct_items(d):
            scale = instrument.scale_of(item)
            lows.append(scale.min)
            highs.append(scale.max)
    return (float(min(lows)), float(max(highs))) if lows else None


def run(inputs: BenchmarkInputs, where: str) -> Benchmark:
    cfg = inputs.config
    return benchmark_firms(
        inputs.table,
        inputs.dimensions,
        levels=inputs.levels,
        min_size=cfg.min_group_size,
        index_method=cfg.index,
        labels=inputs.labels,
        where=where,
    )


def study_effects(ctx: RunContext) -> dict[str, Effect]:
    suite = ctx.results.get("regression")
    reg = ctx.study.config.regression
    if suite is None or reg is None:
        return {}
    return effects_from_suite(suite, reg.outcome)


def summary(bench: Benchmark, effects: dict[str, Effect], cfg: BenchmarkConfig) -> dict[str, Any]:
    out = bench.to_dict()
    out["priority_rule"] = {
        "gap": cfg.priority_gap,
        "max_priorities": cfg.max_priorities,
        "effects": {d: e.to_dict() for d, e in effects.items()},
    }
    return out


def run_benchmark(ctx: RunContext) -> None:
    """Profile every firm, rank its priorities and write the configured firm reports."""
    cfg = _config(ctx.study.config)
    survey = ctx.study.config.survey
    assert cfg is not None and survey is not None
    where = "results/survey/analysis_frame"
    inputs = firm_table(
        ctx.results["analysis_frame"], ctx.results["instrument"], cfg, survey.id_column, where
    )
    bench = run(inputs, where)
    effects = study_effects(ctx)
    if not effects:
        ctx.notes.append("benchmark: no regression effects, so no priorities were ranked")
    table = rank_priorities(bench.profiles, effects, gap=cfg.priority_gap, max_n=cfg.max_priorities)
    ctx.results["benchmark"] = bench
    ctx.results["benchmark_priorities"] = table
    ctx.write_table(bench.profiles, "benchmark/profiles", csv=True)
    ctx.write_table(bench.firms, "benchmark/firms", csv=True)
    ctx.write_table(table, "benchmark/priorities", csv=True)
    ctx.write_table(bench.composite.to_frame(), "benchmark/index_weights", csv=True)
    ctx.write_table(bench.excluded, "benchmark/excluded", csv=True)
    ctx.write_json(summary(bench, effects, cfg), "benchmark/summary")
    if cfg.reports == "none":
        return
    if cfg.reports == "all":
        ids = list(bench.firms["firm_id"])
    else:
        ids = [cfg.firm or str(bench.firms["firm_id"].iloc[0])]
    ctx.outputs.extend(
        write_reports(
            bench,
            ids,
            effects,
            ctx.out / "benchmark" / "reports",
            table=table,
            gap=cfg.priority_gap,
            max_priorities=cfg.max_priorities,
            study=ctx.study.config.name,
            scale=inputs.scale,
        )
    )


STAGES = [
    Stage("benchmark.profiles", "Benchmarking firms against peers", _has_benchmark, run_benchmark),
]
