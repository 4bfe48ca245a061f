"""Page timings of the reviewer app in a real browser (Chromium driven by Playwright).

Run ``python bench/app_pages.py [--study DIR]``. Writes and analyses a demo study
when none is given, starts ``smekit app`` on a free loopback port, and measures

* the first page from a cold start (process start to the overview's content visible);
* every page warm (navigation to content visible, second visit, median of 3);

next to the same two figures for a bare one-line Streamlit page served the
same way in the same run. Targets: first page < 5 s, each page < 2 s warm
(0.5 s aimed for).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = [
    ("", "Headline findings"),
    ("survey", "Reliability"),
    ("regression", "Models side by side"),
    ("themes", "Theme"),
    ("integration", "Verdict"),
    ("panel", "Panel analyses"),
    ("did", "Policy evaluation"),
    ("benchmark", "Benchmark"),
    ("downloads", "Study report"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def visit(page, url: str, text: str) -> float:
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    return time.perf_counter() - t


def serve(cmd: list[str]) -> tuple[subprocess.Popen, int, float]:
    """Start a server; ``{port}`` in ``cmd`` is replaced by a free port."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [c.replace("{port}", str(port)) for c in cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port, t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    work = Path(tempfile.mkdtemp(prefix="smekit-bench-app-"))
    study = args.study
    if study is None:
        study = work / "demo"
        subprocess.run([bin_dir / "smekit", "demo", str(study)], check=True, capture_output=True)
        subprocess.run([bin_dir / "smekit", "analyze", str(study)], check=True, capture_output=True)
    bare = work / "bare.py"
    bare.write_text(textwrap.dedent('import streamlit as st\nst.write("bare page")\n'))

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()

        proc, port, t0 = serve(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(bare),
                "--server.headless=true",
                "--server.address=127.0.0.1",
                "--browser.gatherUsageStats=false",
                "--server.port={port}",
            ]
        )
        base = f"http://127.0.0.1:{port}"
        page.goto(base)
        page.get_by_text("bare page").wait_for(timeout=60_000)
        bare_cold = time.perf_counter() - t0
        bare_warm = statistics.median(visit(page, base, "bare page") for _ in range(3))
        proc.terminate()
        proc.wait()

        proc, port, t0 = serve([str(bin_dir / "smekit"), "app", str(study), "--port", "{port}"])
        base = f"http://127.0.0.1:{port}"
        page.goto(base)
        page.get_by_text(PAGES[0][1]).first.wait_for(timeout=60_000)
        cold = time.perf_counter() - t0
        print(f"first page, cold start: {cold:.2f} s   (bare Streamlit page: {bare_cold:.2f} s)")
        for path, text in PAGES:
            try:
                visit(page, f"{base}/{path}", text)
                warm = statistics.median(visit(page, f"{base}/{path}", text) for _ in range(3))
            except Exception as exc:  # a page whose results this study lacks
                print(f"  /{path or '(overview)'}: not measured ({type(exc).__name__})")
                continue
            print(
                f"  /{path or '(overview)':<12} warm {warm:.2f} s   "
                f"({warm / bare_warm:.1f}x the bare page's {bare_warm:.2f} s)"
            )
        proc.terminate()
        proc.wait()
        browser.close()


if __name__ == "__main__":
    main()
