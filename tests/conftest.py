"""Session-wide fixtures: the demo study written once and analysed once.

Writing the demo takes about a second and analysing it several; every test that
reads the demo or its results shares these two. A test that changes a study
(its ``study.yaml``, its data or its results) works on :func:`demo_copy`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class AnalysedDemo:
    """The session's demo study after one ``run_study``.

    ``raw`` holds the SHA-256 of every input file as written, before the analysis.
    """

    demo: Any  # smekit.demo.DemoStudy
    ctx: Any  # smekit.context.RunContext
    raw: dict[Path, str]

    @property
    def root(self) -> Path:
        return self.demo.root


@pytest.fixture(scope="session")
def demo_study(tmp_path_factory):
    """The demo study written once (default seed). Read it; never change it."""
    from smekit.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("session-demo") / "demo")


@pytest.fixture(scope="session")
def demo_raw_hashes(demo_study) -> dict[Path, str]:
    """SHA-256 of every file the demo wrote, taken before anything analysed it."""
    return {p: sha256(p) for p in sorted(demo_study.root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def analysed_demo(demo_study, demo_raw_hashes) -> AnalysedDemo:
    """The demo study analysed once with :func:`smekit.runner.run_study` (results/ written)."""
    from smekit.runner import run_study
    from smekit.study import load_study

    ctx = run_study(load_study(demo_study.root))
    return AnalysedDemo(demo=demo_study, ctx=ctx, raw=dict(demo_raw_hashes))


@pytest.fixture
def demo_copy(demo_study, tmp_path) -> Path:
    """A private copy of the demo's inputs (study.yaml, data/, truth.json; no results/)."""
    root = tmp_path / "demo"
    shutil.copytree(demo_study.root, root, ignore=shutil.ignore_patterns("results"))
    return root


@dataclass(frozen=True)
class CliResult:
    """What one in-process ``smekit`` command printed and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run ``smekit ARGS`` in this process through :func:`smekit.cli.main`.

    Output is captured as the console would show it; the exit status is the one
    ``sys.exit`` would give the shell. ``--debug`` sets ``SMEKIT_DEBUG`` for the
    command only.
    """
    from smekit.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("SMEKIT_DEBUG")
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if saved is None:
            os.environ.pop("SMEKIT_DEBUG", None)
        else:
            os.environ["SMEKIT_DEBUG"] = saved
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """:func:`run_cli`: ``cli("survey", "quality", ...)`` returns a :class:`CliResult`."""
    return run_cli
