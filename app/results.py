"""Read a study's ``results/`` folder for display. Reading only: no statistics here.

Every read is cached by path and modification time (``st.cache_data``), so a
page renders from memory after the first visit and picks up a rerun of
``smekit analyze`` at once. The pseudonymisation key (the study's
``private/`` folder) is never read: :func:`resolve` refuses any path outside
``results/`` and the study's ``interpretations/`` folder.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

TABLE_SUFFIXES = (".parquet", ".csv", ".json")
READABLE = ("results", "interpretations")


@dataclass(frozen=True)
class ResultFile:
    """One file under results/: its path relative to results/, and its group (sub-folder)."""

    path: Path
    relative: str
    group: str


def study_dir() -> Path:
    """The study the app shows.

    The one opened on the New study page in this session, else ``--study`` after
    ``--`` on the command line, else SMEKIT_STUDY, else ``demo-study``.
    """
    try:
        chosen = st.session_state.get("smekit_study")
    except Exception:  # no Streamlit session (plain Python)
        chosen = None
    if chosen:
        return Path(chosen)
    argv = sys.argv[1:]
    if "--study" in argv and argv.index("--study") + 1 < len(argv):
        return Path(argv[argv.index("--study") + 1])
    return Path(os.environ.get("SMEKIT_STUDY", "demo-study"))


def resolve(study: Path, relative: str) -> Path:
    """``study/relative``, refused when it leaves ``results/`` or ``interpretations/``."""
    root = study.resolve()
    path = (root / relative).resolve()
    allowed = [root / name for name in READABLE]
    if not any(path.is_relative_to(a) for a in allowed):
        raise PermissionError(f"the app reads only results/ and interpretations/, not {relative}")
    return path


def list_results(results_dir: Path) -> list[ResultFile]:
    """Every table or JSON file under ``results_dir``, parquet preferred over its CSV twin."""
    files = sorted(p for p in results_dir.rglob("*") if p.suffix in TABLE_SUFFIXES)
    stems_with_parquet = {p.with_suffix("") for p in files if p.suffix == ".parquet"}
    out = []
    for p in files:
        if p.suffix == ".csv" and p.with_suffix("") in stems_with_parquet:
            continue
        rel = p.relative_to(results_dir)
        group = rel.parts[0] if len(rel.parts) > 1 else "study"
        out.append(ResultFile(path=p, relative=str(rel), group=group))
    return out


@st.cache_data(show_spinner=False)
def _read_table(path: str, mtime: float) -> pd.DataFrame:
    p = Path(path)
    if p.suffix == ".parquet":
        return pd.read_parquet(p)
    return pd.read_csv(p)


@st.cache_data(show_spinner=False)
def _read_json(path: str, mtime: float) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@st.cache_data(show_spinner=False)
def _read_bytes(path: str, mtime: float) -> bytes:
    return Path(path).read_bytes()


def read_table(path: Path) -> pd.DataFrame:
    """Read a result table written by ``smekit analyze`` (cached; a copy is returned)."""
    return _read_table(str(path), path.stat().st_mtime).copy()


def read_json(path: Path) -> Any:
    return _read_json(str(path), path.stat().st_mtime)


def read_bytes(path: Path) -> bytes:
    return _read_bytes(str(path), path.stat().st_mtime)


def images(results_dir: Path) -> list[Path]:
    """Figures (PNG) under results/."""
    return sorted(results_dir.rglob("*.png"))


class Results:
    """A study's results folder, read through the cache.

    ``table("survey/reliability")`` reads ``results/survey/reliability.parquet``
    (or ``.csv``); ``json("regression/suite")`` reads the JSON file; both return
    ``None`` when the file does not exist, so a page can show what is there.
    """

    def __init__(self, study: Path):
        self.study = study
        self.dir = study / "results"

    def exists(self, relative: str) -> bool:
        return (self.dir / relative).exists()

    def table(self, name: str) -> pd.DataFrame | None:
        for suffix in (".parquet", ".csv"):
            path = resolve(self.study, f"results/{name}{suffix}")
            if path.exists():
                return read_table(path)
        return None

    def json(self, name: str) -> Any:
        path = resolve(self.study, f"results/{name}.json")
        return read_json(path) if path.exists() else None

    def file(self, relative: str) -> Path | None:
        path = resolve(self.study, f"results/{relative}")
        return path if path.exists() else None

    def figures(self, folder: str) -> list[Path]:
        path = resolve(self.study, f"results/{folder}")
        return sorted(path.glob("*.png")) if path.is_dir() else []
