"""Reference panel of the DiD tests (written by ``reference/did_reference.R``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="session")
def did_ref() -> dict:
    return json.loads((REF / "did_reference.json").read_text())


@pytest.fixture(scope="session")
def panel_full() -> pd.DataFrame:
    """60 units x 8 periods, cohorts 4 and 6 and never treated (balanced)."""
    return pd.read_csv(REF / "did_panel.csv")


@pytest.fixture(scope="session")
def panel(panel_full, did_ref) -> pd.DataFrame:
    """The same panel with the five rows R deleted (1-based row numbers)."""
    drop = [r - 1 for r in did_ref["dropped_rows"]]
    return panel_full.drop(index=drop).reset_index(drop=True)
