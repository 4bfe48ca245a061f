"""Run every benchmark in bench/ and print its figures (``make bench``).

Each benchmark measures smekit next to a baseline timed in the same run and
prints the ratio; results are also written as JSON under ``bench/out/``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = sorted(p for p in HERE.glob("*.py") if p.name != "run.py")


def main() -> int:
    failed = 0
    for script in BENCHMARKS:
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script), *sys.argv[1:]]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
