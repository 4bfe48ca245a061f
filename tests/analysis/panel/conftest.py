"""Shared fixtures of the panel tests: the demo's S2 panel and reference datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def s2_demo():
    """The demo's provincial panel and its truth, generated in memory (default demo seed)."""
    from smekit.demo import DEFAULT_SEED
    from smekit.demo.panels import panel_s2

    rng = np.random.default_rng(np.random.SeedSequence(DEFAULT_SEED).spawn(5)[3])
    frame, truth = panel_s2(rng)
    return frame, truth


@pytest.fixture(scope="session")
def grunfeld() -> pd.DataFrame:
    """Grunfeld (1958) investment data, 10 firms x 1935-1954, as shipped with statsmodels."""
    import statsmodels.api as sm

    d = sm.datasets.grunfeld.load_pandas().data
    d["year"] = d["year"].astype(int)
    d["firm"] = d["firm"].astype(str)
    return d
