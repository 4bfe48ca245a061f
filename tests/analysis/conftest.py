"""Shared reference data for the analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from smekit.analysis.design import build_design
from smekit.analysis.ols import fit_ols


@pytest.fixture(scope="session")
def macro():
    """R: ``fm <- lm(g_realinv ~ g_realgdp + realint)`` on statsmodels' macrodata.

    The model behind the R, Gretl and EViews reference values recorded in
    statsmodels' ``stats/tests/test_diagnostic.py`` and ``regression/tests``.
    """
    d = sm.datasets.macrodata.load_pandas().data
    data = pd.DataFrame(
        {
            "g_realinv": 400 * np.diff(np.log(d["realinv"].to_numpy())),
            "g_realgdp": 400 * np.diff(np.log(d["realgdp"].to_numpy())),
            "realint": d["realint"].to_numpy()[:-1],
        }
    )
    return fit_ols(build_design(data, "g_realinv ~ g_realgdp + realint"))
