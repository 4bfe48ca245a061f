"""Benchmark: import + quality + scoring + reliability on 1,000,000 responses x 40 items.

Run ``python bench/survey_pipeline.py [--rows N]``. The data file is generated once
under ``bench/out/``; each measured step runs in a fresh process so its peak
memory (max RSS) is its own. The baseline, measured in the same run, is a plain
``pandas.read_csv`` of the same file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "out"
N_CONSTRUCTS, N_ITEMS = 8, 5  # 40 Likert items


def instrument_yaml() -> dict:
    items = []
    for c in range(N_CONSTRUCTS):
        for i in range(N_ITEMS):
            items.append(
                {
                    "id": f"c{c}_{i}",
                    "text": f"Statement {i} of scale {c}",
                    "type": "likert",
                    "scale": "agree5",
                    "construct": f"c{c}",
                    "reverse": i == N_ITEMS - 1,
                }
            )
    return {
        "kind": "questionnaire",
        "id": "bench40",
        "title": "Benchmark questionnaire",
        "scales": {
            "agree5": {"min": 1, "max": 5, "anchors": {1: "Strongly disagree", 5: "Strongly agree"}}
        },
        "constructs": [
            {"id": f"c{c}", "label": f"Scale {c}", "min_valid": 3} for c in range(N_CONSTRUCTS)
        ],
        "sections": [{"id": "s", "title": "Scales", "items": items}],
    }


def make_data(rows: int, path: Path, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    cols = {"respondent_id": np.arange(rows), "duration_sec": rng.normal(600, 120, rows).round()}
    for c in range(N_CONSTRUCTS):
        latent = rng.normal(size=rows)
        for i in range(N_ITEMS):
            x = np.clip(np.round(3 + latent + rng.normal(0, 0.8, rows)), 1, 5).astype(np.int8)
            cols[f"c{c}_{i}"] = 6 - x if i == N_ITEMS - 1 else x
    frame = pd.DataFrame(cols)
    # a sprinkle of missing answers
    mask = rng.random((rows, 40)) < 0.01
    items = frame.columns[2:]
    block = frame[items].to_numpy(dtype=float, copy=True)
    block[mask] = np.nan
    frame[items] = block
    frame.to_csv(path, index=False, float_format="%.0f")


def measure(step: str, data: Path, inst: Path) -> dict:
    """Run one step in this process and return its time and peak memory."""
    t0 = time.perf_counter()
    if step == "baseline_read_csv":
        df = pd.read_csv(data)
        n = len(df)
    else:
        from smekit.survey.instrument import load_instrument
        from smekit.survey.quality import check_quality
        from smekit.survey.reliability import reliability
        from smekit.survey.responses import read_responses
        from smekit.survey.scoring import score_constructs

        instrument = load_instrument(inst)
        timings = {}
        t = time.perf_counter()
        imported = read_responses(data, instrument)
        timings["import"] = time.perf_counter() - t
        t = time.perf_counter()
        report = check_quality(
            imported.data,
            instrument,
            id_column="respondent_id",
            duration_column="duration_sec",
            row_numbers=imported.row_numbers,
        )
        timings["quality"] = time.perf_counter() - t
        t = time.perf_counter()
        scores = score_constructs(report.kept, instrument, id_column="respondent_id")
        timings["scoring"] = time.perf_counter() - t
        t = time.perf_counter()
        rel = reliability(scores.construct_items(instrument))
        timings["reliability"] = time.perf_counter() - t
        n = len(imported.data)
        assert len(report.kept) + len(report.excluded) == n
        assert len(rel.scales) == N_CONSTRUCTS
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"step": step, "rows": n, "seconds": round(seconds, 3), "peak_rss_mb": round(peak_mb, 1)}
    if step != "baseline_read_csv":
        out["stages"] = {k: round(v, 3) for k, v in timings.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    data = OUT / f"survey_{args.rows}.csv"
    inst = OUT / "bench40.yaml"
    if args.step:
        print(json.dumps(measure(args.step, data, inst)))
        return
    inst.write_text(json.dumps(instrument_yaml(), indent=1))  # JSON is valid YAML
    if not data.exists():
        print(f"generating {data} ...", flush=True)
        make_data(args.rows, data)
    results = []
    for step in ("baseline_read_csv", "pipeline"):
        proc = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--step", step],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base, pipe = results
    print(f"survey pipeline, {pipe['rows']:,} responses x 40 items")
    print(
        f"  baseline pandas.read_csv : {base['seconds']:7.2f} s  peak {base['peak_rss_mb']:7.0f} MB"
    )
    print(
        f"  import+quality+score+rel : {pipe['seconds']:7.2f} s  peak {pipe['peak_rss_mb']:7.0f} MB"
    )
    print(f"  stages: {pipe['stages']}")
    print(
        f"  ratio to baseline        : {pipe['seconds'] / base['seconds']:.2f}x time, "
        f"{pipe['peak_rss_mb'] / base['peak_rss_mb']:.2f}x memory"
    )
    ok = pipe["seconds"] < 20 and pipe["peak_rss_mb"] < 3072
    print(f"  target (< 20 s, < 3 GB)  : {'met' if ok else 'NOT met'}")
    (OUT / "survey_pipeline.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
