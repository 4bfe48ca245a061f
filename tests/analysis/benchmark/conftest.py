"""Shared data for the benchmark tests: a small synthetic firm table with known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

DIMS = ["tools", "supply", "training", "customers"]


def make_firms(n: int = 120, seed: int = 7) -> pd.DataFrame:
    """Firms in 2 sectors x 3 regions x size bands; scores on a 1-5 scale (steps of 0.2)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "firm_id": [f"B{i:04d}" for i in range(n)],
            "sector": rng.choice(["Retail", "Services"], size=n, p=[0.7, 0.3]),
            "region": rng.choice(["East", "South", "West"], size=n, p=[0.5, 0.3, 0.2]),
            "employees": rng.integers(2, 400, size=n),
        }
    )
    for d in DIMS:
        frame[d] = np.clip(np.round(rng.normal(3.2, 0.7, size=n) * 5) / 5, 1, 5)
    from smekit.analysis.benchmark.peers import size_band

    frame["size_band"] = size_band(frame["employees"])
    return frame


@pytest.fixture
def firms() -> pd.DataFrame:
    return make_firms()


@pytest.fixture(name="make_firms", scope="session")
def _make_firms():
    """The factory, for tests that need another size or seed."""
    return make_firms


@pytest.fixture(name="dims", scope="session")
def _dims() -> list[str]:
    return list(DIMS)
