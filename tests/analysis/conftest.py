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


@pytest.fixture(scope="session")
def nist_longley_params() -> list[float]:
    """NIST StRD Longley certified coefficients: constant, GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR.

    https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml (R ``lm(Employed ~ ., longley)``
    reproduces them).
    """
    return [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
