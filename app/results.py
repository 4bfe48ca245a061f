"""Read a study's ``results/`` folder for display. Reading only: no statistics here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

TABLE_SUFFIXES = (".parquet", ".csv", ".json")


@dataclass(frozen=True)
class ResultFile:
    """One file under results/: its path relative to results/, and its group (sub-folder)."""

    path: Path
    relative: str
    group: str


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


def read_table(path: Path) -> pd.DataFrame:
    """Read a result table written by ``smekit analyze``."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def images(results_dir: Path) -> list[Path]:
    """Figures (PNG) under results/."""
    return sorted(results_dir.rglob("*.png"))
