"""Benchmark: ranking 100,000 firms against their peers, 300 firm reports, a 1,000,000-row store.

Run ``python bench/benchmark.py [--quick]`` (``--quick``: 20,000 firms, 60 reports,
200,000 firm-waves).

1. Ranking: :func:`smekit.analysis.benchmark.profile.benchmark_firms` on 100,000
   seeded synthetic firms (12 sectors x 31 regions x 4 size bands, skewed so
   that many cells are smaller than 5 and fall back to broader levels; five
   dimensions): percentile ranks, Harrell-Davis peer quartiles, gaps and the
   composite at the level each firm qualifies for. Baseline in the same run:
   one plain ``DataFrame.groupby([sector, region, size_band])[dims].rank()``
   (no fallback, no quartiles, no privacy rule).
2. Reports: the demo study (``smekit demo``, then the survey and regression
   stages) and one report per firm for its 300 firms (HTML, DOCX, SVG, PNG),
   as ``smekit benchmark STUDY --all`` writes them, in one process and in two
   (``--jobs 2``). Baseline: the same 300 charts saved as PNG only.
3. Store: 1,000,000 firm-waves (250,000 firms x 4 waves, appended as four
   waves with :func:`smekit.analysis.benchmark.store.add_wave`), then one
   firm's peer group queried with :func:`peer_group` (median of 7 queries,
   fresh connection each) and its whole profile with :func:`store_benchmark`.
   Baseline: the same peer selection with a boolean mask on the latest wave
   held in memory as a pandas frame.

Figures are printed next to their baselines and written to ``bench/out/benchmark.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "out"
DIMS = ["tools", "supply", "training", "customers", "transformation"]
LEVELS = [("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ()]


def synthetic_firms(n: int, seed: int = 0) -> pd.DataFrame:
    from smekit.analysis.benchmark.peers import size_band

    rng = np.random.default_rng(seed)
    sector_p = rng.dirichlet(np.full(12, 0.8))
    region_p = rng.dirichlet(np.full(31, 0.5))
    frame = pd.DataFrame(
        {
            "firm_id": [f"S{i:07d}" for i in range(n)],
            "sector": rng.choice([f"sector_{k}" for k in range(12)], size=n, p=sector_p),
            "region": rng.choice([f"region_{k}" for k in range(31)], size=n, p=region_p),
            "employees": np.minimum(rng.lognormal(3.5, 1.2, size=n).astype(int) + 1, 500),
        }
    )
    frame["size_band"] = size_band(frame["employees"]).to_numpy()
    for d in DIMS:
        frame[d] = np.clip(np.round(rng.normal(3.2, 0.7, size=n) * 5) / 5, 1, 5)
    return frame


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_ranking(n: int) -> dict:
    from smekit.analysis.benchmark.profile import benchmark_firms

    firms = synthetic_firms(n)
    keys = ["sector", "region", "size_band"]
    base, _ = timed(lambda: firms.groupby(keys)[DIMS].rank(method="average", pct=True), 3)
    ours, bench = timed(lambda: benchmark_firms(firms, DIMS, levels=LEVELS, min_size=5), 3)
    usage = bench.level_usage().set_index("level")["firms"].to_dict()
    cells = firms.groupby(keys).size()
    return {
        "firms": n,
        "cells": len(cells),
        "cells_below_5": int((cells < 5).sum()),
        "level_usage": {str(k): int(v) for k, v in usage.items()},
        "smekit_s": ours,
        "pandas_groupby_rank_s": base,
        "ratio": ours / base,
        "target_s": 10.0,
    }


def bench_reports(n_reports: int) -> dict:
    from matplotlib.figure import Figure

    from smekit.analysis.benchmark.priorities import effects_from_suite, rank_priorities
    from smekit.analysis.benchmark.report import firm_chart, firm_report, write_reports
    from smekit.context import RunContext
    from smekit.demo import write_demo
    from smekit.stages import regression, survey
    from smekit.stages.benchmark import firm_table, run
    from smekit.study import load_study
    from smekit.study.benchmark import BenchmarkConfig

    with tempfile.TemporaryDirectory() as tmp:
        demo = write_demo(Path(tmp) / "demo")
        ctx = RunContext(study=load_study(demo.root))
        for s in [*survey.STAGES, *regression.STAGES]:
            s.run(ctx)
        inputs = firm_table(
            ctx.results["analysis_frame"],
            ctx.results["instrument"],
            BenchmarkConfig(),
            "respondent_id",
            "demo",
        )
        bench = run(inputs, "demo")
        effects = effects_from_suite(ctx.results["regression"], "digital_transformation")
        table = rank_priorities(bench.profiles, effects)
        ids = list(bench.firms["firm_id"])[:n_reports]
        out = Path(tmp) / "reports"

        def reports(jobs: int):
            return write_reports(
                bench, ids, effects, out, table=table, jobs=jobs, study="demo", scale=inputs.scale
            )

        def charts_only():
            for firm in ids:
                r = firm_report(bench, firm, effects, study="demo", scale=inputs.scale, table=table)
                fig: Figure = firm_chart(r)
                fig.savefig(out / f"{firm}_only.png", dpi=120, metadata={"Software": "smekit"})

        out.mkdir()
        base, _ = timed(charts_only)
        ours, _ = timed(lambda: reports(1))
        parallel, _ = timed(lambda: reports(2))
        files = len(list(out.glob("F*.*"))) - len(ids)
    return {
        "reports": len(ids),
        "files": files,
        "smekit_s": ours,
        "per_report_s": ours / len(ids),
        "two_processes_s": parallel,
        "png_charts_only_s": base,
        "ratio": ours / base,
        "target_s": 60.0,
    }


def bench_store(n_firms: int, waves: int = 4) -> dict:
    from smekit.analysis.benchmark.store import add_wave, peer_group, store_benchmark

    firms = synthetic_firms(n_firms, seed=1)
    rng = np.random.default_rng(2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        t = time.perf_counter()
        for w in range(waves):
            wave = firms.copy()
            wave[DIMS] = np.clip(wave[DIMS] + rng.normal(0, 0.2, (n_firms, len(DIMS))), 1, 5)
            add_wave(
                path,
                wave,
                study="bench",
                wave=f"w{w + 1}",
                instrument="bench",
                instrument_version="1.0",
                dimensions=DIMS,
            )
        build = time.perf_counter() - t
        size_mb = path.stat().st_size / 1e6
        target = firms.iloc[12345]
        query, peers = timed(
            lambda: peer_group(path, dimensions=DIMS, study="bench", firm_id=target["firm_id"]), 7
        )
        profile_s, profile = timed(
            lambda: store_benchmark(
                path, dimensions=DIMS, study="bench", firm_id=target["firm_id"]
            ),
            3,
        )
        latest = wave

        def in_memory():
            mask = np.ones(len(latest), dtype=bool)
            for c in peers.level:
                mask &= (latest[c] == target[c]).to_numpy()
            mask &= (latest["firm_id"] != target["firm_id"]).to_numpy()
            return latest.loc[mask, DIMS]

        base, sel = timed(in_memory, 7)
    return {
        "firm_waves": n_firms * waves,
        "build_s": build,
        "file_mb": size_mb,
        "peer_level": " x ".join(peers.level) if peers.level else "all firms",
        "peers": len(peers.scores),
        "peers_in_memory": len(sel),
        "query_s": query,
        "profile_s": profile_s,
        "pandas_in_memory_s": base,
        "ratio": query / base,
        "target_s": 1.0,
        "profile_level": profile.level,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_rank, n_reports, n_store = (20_000, 60, 50_000) if args.quick else (100_000, 300, 250_000)
    results = {}
    r = results["ranking"] = bench_ranking(n_rank)
    print(
        f"ranking {r['firms']:,} firms ({r['cells']} cells, {r['cells_below_5']} below 5): "
        f"{r['smekit_s']:.2f} s; pandas groupby().rank() {r['pandas_groupby_rank_s']:.3f} s "
        f"({r['ratio']:.0f}x); target < 10 s",
        flush=True,
    )
    print(f"  levels used: {r['level_usage']}", flush=True)
    r = results["reports"] = bench_reports(n_reports)
    print(
        f"{r['reports']} firm reports ({r['files']} files): {r['smekit_s']:.1f} s "
        f"({r['per_report_s']:.3f} s each), {r['two_processes_s']:.1f} s in 2 processes "
        f"(smekit benchmark --all --jobs 2); PNG charts only {r['png_charts_only_s']:.1f} s "
        f"({r['ratio']:.1f}x); target < 60 s",
        flush=True,
    )
    r = results["store"] = bench_store(n_store)
    print(
        f"store of {r['firm_waves']:,} firm-waves ({r['file_mb']:.0f} MB, built in "
        f"{r['build_s']:.1f} s): peer group query {r['query_s'] * 1000:.0f} ms "
        f"({r['peers']:,} peers at {r['peer_level']}), "
        f"whole profile {r['profile_s'] * 1000:.0f} ms; "
        f"pandas mask in memory {r['pandas_in_memory_s'] * 1000:.0f} ms ({r['ratio']:.1f}x); "
        "target < 1 s",
        flush=True,
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
