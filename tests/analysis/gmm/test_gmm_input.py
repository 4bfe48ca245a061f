"""GMM on awkward input: gaps, duplicates, too many instruments, bad terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.gmm import dynamic_gmm
from smekit.analysis.gmm_instruments import parse_formula, parse_lag_terms
from smekit.core.errors import DataError, ModelError


def _panel(n=30, t=10, rho=0.5, seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a = rng.normal()
        # mean-stationary start, so the level moments of system GMM hold (Blundell-Bond 1998)
        y = a / (1 - rho) + rng.normal(0, 1 / np.sqrt(1 - rho**2))
        for s in range(t):
            x = rng.normal()
            y = rho * y + 0.3 * x + a + rng.normal()
            rows.append((i, 2000 + s, y, x))
    return pd.DataFrame(rows, columns=["id", "year", "y", "x"])


def test_terms_are_named_like_the_cli():
    y, terms = parse_formula("y ~ L(1:2).y + L(0:1).w + k")
    assert y == "y"
    assert [n for t in terms for n in t.names()] == ["L1.y", "L2.y", "w", "L1.w", "k"]
    assert parse_lag_terms("L(2:4).y", open_end=True)[0].lags == [2, 3, 4]
    with pytest.raises(ModelError, match="cannot read"):
        parse_formula("y ~ log(x)")
    with pytest.raises(ModelError, match="only for --gmm"):
        parse_formula("y ~ L(1:).y")


def test_more_instruments_than_units_warns():
    d = _panel(n=12, t=10)
    r = dynamic_gmm(d, "id", "year", "y ~ L.y + x", "L(2:).y", transform="system")
    assert r.n_instruments > r.n_units
    assert any("exceed the 12 units" in w for w in r.warnings)
    c = dynamic_gmm(
        d,
        "id",
        "year",
        "y ~ L.y + x",
        "L(2:4).y",
        transform="system",
        collapse=True,
        time_effects=False,
    )
    assert c.n_instruments < c.n_units
    assert not any("exceed" in w for w in c.warnings)


def test_duplicated_rows_are_an_error():
    d = _panel()
    d = pd.concat([d, d.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicated unit-period rows: id=0, year=2003"):
        dynamic_gmm(d, "id", "year", "y ~ L.y + x", "L(2:).y")


def test_gaps_are_lag_aware():
    """Dropping a middle year of one unit must not make its next row use a wrong lag."""
    d = _panel()
    full = dynamic_gmm(d, "id", "year", "y ~ L.y + x", "L(2:).y", steps=1)
    gap = d[~((d["id"] == 0) & (d["year"] == 2005))]
    r = dynamic_gmm(gap, "id", "year", "y ~ L.y + x", "L(2:).y", steps=1)
    # the gap removes unit 0's differenced rows 2005, 2006 (dy) and 2007 (d L1.y): all need y_2005
    assert r.n_obs == full.n_obs - 3
    # same answer as blanking the cell on the full grid
    blank = d.copy()
    blank.loc[(blank["id"] == 0) & (blank["year"] == 2005), ["y", "x"]] = np.nan
    b = dynamic_gmm(blank, "id", "year", "y ~ L.y + x", "L(2:).y", steps=1)
    np.testing.assert_allclose(r.params.to_numpy(), b.params.to_numpy(), rtol=1e-10)


def test_recovers_the_autoregression():
    d = _panel(n=300, t=8, rho=0.5, seed=3)
    r = dynamic_gmm(d, "id", "year", "y ~ L.y + x", "L(2:).y", transform="system")
    assert abs(r.params["L1.y"] - 0.5) < 3 * r.bse["L1.y"]
    assert abs(r.params["x"] - 0.3) < 3 * r.bse["x"]
    assert r.ar1.p < 0.05  # differenced i.i.d. errors are MA(1)
    assert r.n_obs == 300 * 7  # level rows 2001..2007


def test_short_panel_and_unknown_column():
    d = _panel(t=3)
    with pytest.raises(ModelError, match="differenced periods"):
        dynamic_gmm(d, "id", "year", "y ~ L(1:2).y", "L(2:).y")
    with pytest.raises(ModelError, match="column 'z' not found"):
        dynamic_gmm(_panel(), "id", "year", "y ~ L.y + z", "L(2:).y")
