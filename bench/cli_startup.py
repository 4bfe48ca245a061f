"""Benchmark: how fast ``smekit --help`` answers (target: under 1 s).

Baseline, measured in the same run: ``python -c pass`` (interpreter start-up).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
RUNS = 7


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    base = [timed([sys.executable, "-c", "pass"]) for _ in range(RUNS)]
    cli = [timed([sys.executable, "-m", "smekit", "--help"]) for _ in range(RUNS)]
    b, c = statistics.median(base), statistics.median(cli)
    print(f"smekit --help, median of {RUNS} runs")
    print(f"  baseline python -c pass : {b:6.3f} s")
    print(f"  smekit --help           : {c:6.3f} s  ({c / b:.1f}x baseline)")
    print(f"  target (< 1 s)          : {'met' if c < 1 else 'NOT met'}")
    OUT.mkdir(exist_ok=True)
    (OUT / "cli_startup.json").write_text(json.dumps({"baseline_s": b, "help_s": c}, indent=2))


if __name__ == "__main__":
    main()
