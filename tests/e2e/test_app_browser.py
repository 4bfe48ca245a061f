"""End to end: ``smekit app`` in a real browser (Debian's Chromium driven by Playwright).

The test starts the real command on a free loopback port, walks through every
page a reviewer sees, checks the visible content against the results files,
follows a flagged firm to its interview quotes, downloads a table, saves one
screenshot per page under the test's temporary folder, and finally stops the
server with SIGTERM and checks that nothing keeps serving.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server(analysed_demo, tmp_path_factory):
    study = analysed_demo.root
    port = free_port()
    smekit = shutil.which("smekit", path=str(Path(sys.executable).parent)) or "smekit"
    log = tmp_path_factory.mktemp("server") / "app.log"
    env = {k: v for k, v in os.environ.items() if k != "SMEKIT_APP_PASSWORD"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [smekit, "app", str(study), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while not _answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"smekit app did not start: {log.read_text()}")
        time.sleep(0.25)
    yield {"url": f"http://127.0.0.1:{port}", "port": port, "proc": proc, "study": study}
    if proc.poll() is None:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _open(page, server, path: str, expect: str, shots: Path, name: str) -> None:
    page.goto(f"{server['url']}/{path}")
    page.get_by_text(expect, exact=False).first.wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_every_page_in_the_browser(page, server, tmp_path):
    study = server["study"]
    summary = json.loads((study / "results/survey/summary.json").read_text())
    _open(page, server, "", "Headline findings", tmp_path, "overview")
    body = page.inner_text("body")
    assert f"{summary['kept']} of {summary['responses_in']} responses were analysed" in body

    _open(page, server, "survey", "Reliability", tmp_path, "survey")
    assert "Cronbach's alpha" in page.inner_text("body")

    _open(page, server, "regression", "Models side by side", tmp_path, "regression")
    body = page.inner_text("body")
    assert "Huber M" in body and "Ramsey RESET" in body

    _open(page, server, "downloads", "Study report", tmp_path, "downloads")
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert shots == ["downloads.png", "overview.png", "regression.png", "survey.png"]


def test_flagged_firm_and_download(page, server, tmp_path):
    _open(page, server, "regression", "Influential firms", tmp_path, "regression")
    box = page.get_by_test_id("stSelectbox").filter(has_text="Inspect a flagged firm")
    box.locator("input").fill("F004")
    page.keyboard.press("Enter")
    page.get_by_text("Responses of F004").wait_for()
    assert "F004 was not interviewed" in page.inner_text("body")
    import pandas as pd

    results = server["study"] / "results"
    flagged = pd.read_parquet(results / "regression/flagged.parquet")["id"]
    sheet = pd.read_parquet(results / "interviews/participants.parquet")
    firm = sheet.loc[sheet["respondent_id"].isin(flagged), "respondent_id"].iloc[0]
    box.locator("input").fill(firm)
    page.keyboard.press("Enter")
    page.get_by_text(f"What {firm} said in the interview").wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="CSV").first.click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    assert target.suffix == ".csv" and target.stat().st_size > 0


def test_themes_and_a_saved_verdict(page, server, tmp_path):
    study = server["study"]
    _open(page, server, "themes", "Theme table", tmp_path, "themes")
    assert "Participant" in page.inner_text("body")
    _open(page, server, "integration", "Verdict", tmp_path, "integration")
    saved = study / "interpretations" / "integration.yaml"
    assert not saved.exists()
    box = page.get_by_test_id("stSelectbox").filter(has_text="Verdict").first
    box.locator("input").fill("diverges")
    page.keyboard.press("Enter")
    page.get_by_test_id("stButton").filter(has_text="Save").first.click()
    page.get_by_text("Saved to interpretations/integration.yaml: diverges").wait_for()
    try:
        assert "verdict: diverges" in saved.read_text()
    finally:
        saved.unlink()


def test_sigterm_stops_the_server(server):
    proc = server["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _answers(server["port"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(server["port"])
