"""The state one run of ``smekit analyze`` shares between its stages, and the stage record.

A :class:`Stage` is a name, a description for the progress bar, a predicate on
the study configuration and a function of the :class:`RunContext`. Stages live
in :mod:`smekit.stages`; :mod:`smekit.runner` runs them in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smekit.study import Study, StudyConfig


@dataclass
class RunContext:
    """State shared by the stages of one run (results of earlier stages, outputs written)."""

    study: Study
    results: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def out(self) -> Path:
        return self.study.results_dir

    def write_table(self, frame: pd.DataFrame, name: str, csv: bool = False) -> Path:
        """Write a table as Parquet (and CSV when asked) under results/."""
        path = self.out / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = frame.copy()
        frame.columns = [str(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None else str(v)).astype("string")
        frame.to_parquet(path, index=False)
        self.outputs.append(path)
        if csv:
            csv_path = path.with_suffix(".csv")
            frame.to_csv(csv_path, index=False)
            self.outputs.append(csv_path)
        return path

    def write_json(self, data: Any, name: str) -> Path:
        path = self.out / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=_json_default, allow_nan=True) + "\n")
        self.outputs.append(path)
        return path

    def write_text(self, text: str, name: str) -> Path:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.outputs.append(path)
        return path


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Stage:
    """One step of ``smekit analyze``: a name, when it applies, and what it does."""

    name: str
    description: str
    applies: Callable[[StudyConfig], bool]
    run: Callable[[RunContext], None]
