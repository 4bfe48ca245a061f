"""Peer levels, fallback, the privacy rule and Harrell-Davis quantiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.benchmark.peers import (
    assign_levels,
    hd_quantiles,
    percentile_band,
    percentile_band_width,
    size_band,
)
from smekit.core.errors import DataError

REF = json.loads((Path(__file__).parent / "reference" / "hd_quantiles.json").read_text())


def test_hd_quantiles_match_r_hmisc():
    """Reference: R Hmisc::hdquantile (reference/hd_quantiles.R)."""
    np.testing.assert_allclose(hd_quantiles(np.array(REF["x"])), REF["hd_x"], rtol=1e-10)
    np.testing.assert_allclose(hd_quantiles(np.array(REF["small"])), REF["hd_small"], rtol=1e-10)


def test_hd_median_of_a_small_group_uses_every_firm():
    """The plain median of [1, 2, 3, 4, 10] is firm 3's score; the HD median is not."""
    small = np.array(REF["small"])
    assert np.median(small) == 3.0
    med = hd_quantiles(small, [0.5])[0]
    assert med not in set(small)
    # moving the largest value moves the HD median: it depends on every firm
    assert hd_quantiles(np.array([1, 2, 3, 4, 20.0]), [0.5])[0] > med


def test_hd_quantiles_edge_cases():
    assert np.isnan(hd_quantiles(np.array([np.nan]))).all()
    assert hd_quantiles(np.array([2.5]), [0.5]).tolist() == [2.5]


def test_size_bands_follow_the_eu_definition():
    bands = size_band(pd.Series([1, 9, 10, 49, 50, 249, 250, 500]))
    expected = ["micro", "micro", "small", "small", "medium", "medium", "large", "large"]
    assert bands.tolist() == expected
    with pytest.raises(DataError, match="increasing"):
        size_band(pd.Series([1]), edges=[50, 10])


def test_fallback_to_the_next_broader_level():
    frame = pd.DataFrame(
        {
            "sector": ["a"] * 7 + ["b"] * 3 + ["c"],
            "region": ["x"] * 5 + ["y"] * 2 + ["x"] * 3 + ["x"],
        }
    )
    a = assign_levels(frame, [("sector", "region"), ("sector",), ()], min_size=5)
    # a/x has 5 firms: own level; a/y has 2: sector a (7); b has 3, c has 1: all firms (11)
    assert a.level.tolist() == [0] * 5 + [1] * 2 + [2] * 4
    assert a.n.tolist() == [5] * 5 + [7] * 2 + [11] * 4
    assert a.sizes.iloc[10].tolist() == [1, 1, 11]
    assert a.level_names().iloc[10] == "all firms"
    usage = a.usage().set_index("level")["firms"].to_dict()
    assert usage == {"sector x region": 5, "all firms": 4, "sector": 2}


def test_no_level_large_enough():
    frame = pd.DataFrame({"sector": ["a", "b", "b"]})
    a = assign_levels(frame, [("sector",), ()], min_size=5)
    assert a.level.tolist() == [-1, -1, -1]
    assert a.n.tolist() == [0, 0, 0]
    assert a.level_names().isna().all()


def test_missing_level_column_is_a_clear_error():
    with pytest.raises(DataError, match=r"\['region'\] not in the data"):
        assign_levels(pd.DataFrame({"sector": ["a"]}), [("sector", "region")])


def test_band_width_covers_two_firms():
    n = np.arange(5, 400)
    width = percentile_band_width(n)
    assert (width * n / 100 >= 2).all()
    # and it is the narrowest of the allowed widths that does
    for k, w in zip(n, width, strict=True):
        narrower = [v for v in (10, 20, 25, 50) if v < w]
        assert all(v * k / 100 < 2 for v in narrower)


@pytest.mark.parametrize(
    ("pr", "n", "band"),
    [(0.5, 300, "0-10"), (99.9, 300, "90-100"), (50.0, 10, "40-60"), (99.0, 8, "75-100")],
)
def test_percentile_band(pr, n, band):
    assert percentile_band(pr, n) == band
