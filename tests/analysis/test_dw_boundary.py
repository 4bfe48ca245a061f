"""Durbin-Watson: the exact p-value for n < 100, the normal approximation from n = 100.

Reference: R ``lmtest::dwtest`` (lmtest 0.9.40) on deterministic data, computed by
``reference/dw_boundary.R`` (values in ``reference/dw_boundary.csv``). R's default is
``exact = (n < 100)``; the rows with ``exact`` = NA are that default, so a switch at
another n (for example n < 50) gives the other method's p-value at n = 50 and 99.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.design import build_design
from smekit.analysis.independence import durbin_watson_test
from smekit.analysis.ols import fit_ols

REFERENCE = pd.read_csv(Path(__file__).parent / "reference" / "dw_boundary.csv")


def _fit(n: int):
    t = np.arange(1, n + 1, dtype=float)
    x, z = np.sin(t), np.cos(0.5 * t)
    y = 1 + 0.5 * x - 0.3 * z + np.sin(0.8 * t) + 0.5 * np.cos(2.9 * t)
    return fit_ols(build_design(pd.DataFrame({"y": y, "x": x, "z": z}), "y ~ x + z"))


def _r(n: int, exact) -> pd.Series:
    rows = REFERENCE[REFERENCE["n"] == n]
    rows = rows[rows["exact"].isna()] if exact is None else rows[rows["exact"] == exact]
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("n", "method"),
    [
        (49, "exact"),
        (50, "exact"),
        (99, "exact"),
        (100, "normal approximation"),
        (101, "normal approximation"),
    ],
)
def test_default_method_switches_at_n_100_as_in_r(n, method):
    res = durbin_watson_test(_fit(n))
    ref = _r(n, None)
    assert res.statistic == pytest.approx(ref["dw"], rel=1e-10)
    assert res.p_value == pytest.approx(ref["p"], rel=1e-4)
    assert dict(res.extra)["method"] == method


@pytest.mark.parametrize("n", [50, 99, 100])
@pytest.mark.parametrize("exact", [True, False])
def test_both_methods_match_r_on_either_side_of_the_switch(n, exact):
    res = durbin_watson_test(_fit(n), exact=exact)
    ref = _r(n, exact)
    assert res.p_value == pytest.approx(ref["p"], rel=1e-4)
    # the two methods differ by far more than the tolerance, so the switch is visible
    other = _r(n, not exact)
    assert abs(ref["p"] - other["p"]) > 0.1 * ref["p"]
