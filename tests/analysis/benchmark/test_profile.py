"""Profiles: percentile ranks, peer statistics, gaps, composite index, bad input."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import smekit.analysis.benchmark.peers as peers_mod
import smekit.analysis.benchmark.priorities as priorities_mod
import smekit.analysis.benchmark.profile as profile_mod
from smekit.analysis.benchmark.peers import hd_quantiles
from smekit.analysis.benchmark.profile import (
    benchmark_firms,
    composite_index,
    group_percentile_rank,
)
from smekit.core.errors import DataError

REF = json.loads((Path(__file__).parent / "reference" / "hd_quantiles.json").read_text())
DIMS = ["tools", "supply", "training", "customers"]
LEVELS = [("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ()]


@pytest.mark.parametrize("module", [peers_mod, profile_mod, priorities_mod])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_percentile_rank_matches_r_and_scipy():
    """Reference: R ``100 * (rank(x) - 0.5) / n`` by group (reference/hd_quantiles.R)."""
    x = pd.Series(REF["x"])
    got = group_percentile_rank(x, pd.Series(REF["groups"]))
    np.testing.assert_allclose(got, REF["percentile_rank"], rtol=1e-12)
    # scipy's percentileofscore(kind="mean") is the same definition
    for v, p in zip(x[:5], got[:5], strict=True):
        assert p == pytest.approx(stats.percentileofscore(x[:5], v, kind="mean"))


def test_group_statistics_and_gaps_match_r():
    frame = pd.DataFrame(
        {
            "firm_id": [f"F{i}" for i in range(len(REF["x"]))],
            "d": REF["x"],
            "e": REF["x"][::-1],
            "g": REF["groups"],
        }
    )
    b = benchmark_firms(frame, ["d", "e"], levels=[("g",)], min_size=5)
    rows = b.profiles[b.profiles["dimension"] == "d"].set_index("firm_id")
    a, bb = REF["hd_group_a"], REF["hd_group_b"]
    np.testing.assert_allclose(rows.loc["F0", ["peer_q25", "peer_median", "peer_q75"]], a)
    np.testing.assert_allclose(rows.loc["F11", ["peer_q25", "peer_median", "peer_q75"]], bb)
    assert rows.loc["F0", "gap_median"] == pytest.approx(a[1] - 3.2)
    assert rows.loc["F11", "gap_top"] == pytest.approx(bb[2] - 5.0)
    np.testing.assert_allclose(rows["percentile"], REF["percentile_rank"])


def test_fallback_groups_include_firms_compared_at_narrower_levels(firms):
    b = benchmark_firms(firms, DIMS, levels=LEVELS, min_size=5)
    fell = b.firms[b.firms["level"] == "sector x size band"].iloc[0]
    group = firms[(firms["sector"] == fell["sector"]) & (firms["size_band"] == fell["size_band"])]
    assert fell["n"] == len(group)
    row = b.profiles[
        (b.profiles["firm_id"] == fell["firm_id"]) & (b.profiles["dimension"] == "tools")
    ]
    expected = hd_quantiles(group["tools"].to_numpy())
    np.testing.assert_allclose(row[["peer_q25", "peer_median", "peer_q75"]].iloc[0], expected)
    own = firms.loc[firms["firm_id"] == fell["firm_id"], "tools"].iloc[0]
    pr = stats.percentileofscore(group["tools"], own, kind="mean")
    assert row["percentile"].iloc[0] == pytest.approx(pr)


def test_firm_profile_shows_only_its_own_values_and_aggregates(firms):
    b = benchmark_firms(firms, DIMS, levels=LEVELS, min_size=5)
    p = b.firm("B0003")
    text = json.dumps(p.to_dict())
    others = [f for f in firms["firm_id"] if f != "B0003"]
    assert not any(f in text for f in others)
    assert "percentile" not in p.dimensions.columns  # only the band
    own = firms.set_index("firm_id").loc["B0003", DIMS].to_numpy(dtype=float)
    np.testing.assert_allclose(p.dimensions["score"], own)
    assert p.strongest in DIMS and p.weakest in DIMS


def test_strongest_and_weakest_by_percentile():
    frame = pd.DataFrame(
        {
            "firm_id": [f"F{i}" for i in range(6)],
            "a": [1.0, 2, 3, 4, 5, 6],
            "b": [6.0, 5, 4, 3, 2, 1],
            "c": [3.0, 3, 3, 3, 3, 6],
            "s": ["x"] * 6,
        }
    )
    p = benchmark_firms(frame, ["a", "b", "c"], levels=[("s",)]).firm("F0")
    assert (p.strongest, p.weakest) == ("b", "a")


def test_group_of_one_falls_back_and_says_so(firms):
    lone = firms.iloc[[0]].assign(firm_id="LONE", sector="Mining")
    b = benchmark_firms(pd.concat([firms, lone]), DIMS, levels=LEVELS, min_size=5)
    p = b.firm("LONE")
    assert p.level == "all firms"
    assert p.n == len(firms) + 1
    assert any("has fewer than 5 firms" in n for n in p.notes)
    # the size of a group below the threshold is not shown either
    assert not any(re.search(r"\b1 firm", n) for n in p.notes)
    assert p.notes[-1] == f"Peers are the all firms group ({len(firms) + 1} firms)."


def test_no_peer_statistics_without_a_large_enough_group(firms):
    small = firms.head(4)
    b = benchmark_firms(small, DIMS, levels=[("sector",), ()], min_size=5)
    p = b.firm(small["firm_id"].iloc[0])
    assert p.level is None
    assert p.dimensions[["peer_median", "peer_q75", "gap_top"]].isna().all().all()
    assert p.dimensions["percentile_band"].isna().all()
    assert "No peer group has 5 firms" in p.notes[-1]


def test_small_group_percentiles_are_banded(firms):
    b = benchmark_firms(firms, DIMS, levels=LEVELS, min_size=5)
    rows = b.profiles[b.profiles["n"] < 8].dropna(subset=["percentile"])
    assert not rows.empty
    assert set(rows["percentile_band"]) <= {"0-50", "50-100"}


def test_duplicate_firm_id_is_refused(firms):
    dup = pd.concat([firms, firms.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match=r"firm id 'B0003' appears 2 times \(rows \[4, 121\]\)"):
        benchmark_firms(dup, DIMS, levels=LEVELS, where="scores.csv")


def test_firm_missing_a_whole_construct_is_excluded_with_reason(firms):
    broken = firms.copy()
    broken.loc[5, ["tools", "supply"]] = np.nan
    b = benchmark_firms(broken, DIMS, levels=LEVELS)
    assert b.excluded.to_dict("records") == [
        {"firm_id": "B0005", "reason": "no score on construct(s) tools, supply"}
    ]
    assert "B0005" not in set(b.firms["firm_id"])
    with pytest.raises(DataError, match="B0005' cannot be benchmarked: no score on construct"):
        b.firm("B0005")


def test_unknown_dimension_and_unknown_firm(firms):
    with pytest.raises(DataError, match=r"\['nope'\] are not scored"):
        benchmark_firms(firms, [*DIMS, "nope"], levels=LEVELS)
    with pytest.raises(DataError, match="no firm 'ZZZ'"):
        benchmark_firms(firms, DIMS, levels=LEVELS).firm("ZZZ")


def test_equal_weight_composite_by_hand(firms):
    c = composite_index(firms[DIMS])
    norm = (firms[DIMS] - firms[DIMS].min()) / (firms[DIMS].max() - firms[DIMS].min())
    np.testing.assert_allclose(c.values, 100 * norm.mean(axis=1))
    assert c.method == "equal" and c.weights.sum() == pytest.approx(1.0)


def test_composite_is_ranked_like_a_dimension(firms):
    b = benchmark_firms(firms, DIMS, levels=[()], min_size=5)
    comp = b.profiles[b.profiles["dimension"] == "composite"]
    expected = group_percentile_rank(pd.Series(b.composite.values.to_numpy()))
    np.testing.assert_allclose(comp["percentile"], expected)


def test_results_are_reproducible(make_firms):
    a = benchmark_firms(make_firms(), DIMS, levels=LEVELS)
    b = benchmark_firms(make_firms(), DIMS, levels=LEVELS)
    pd.testing.assert_frame_equal(a.profiles, b.profiles)


def test_entropy_composite_uses_the_shared_entropy_method(firms):
    from smekit.analysis.indices import entropy_index

    c = composite_index(firms[DIMS], "entropy")
    ref = entropy_index(firms[DIMS], DIMS)
    np.testing.assert_allclose(c.values, 100 * ref.score.to_numpy())
    np.testing.assert_allclose(c.weights.to_numpy(), ref.weights["weight"].to_numpy())
    assert c.method == "entropy"


def test_pca_composite_is_the_rescaled_pca_index(firms):
    from smekit.analysis.indices import pca_index

    c = composite_index(firms[DIMS], "pca")
    raw = pca_index(firms[DIMS], DIMS).score.to_numpy()
    np.testing.assert_allclose(c.values, 100 * (raw - raw.min()) / (raw.max() - raw.min()))
    assert c.weights.sum() == pytest.approx(1.0)
    # the implied weights reproduce the index from the standardised scores
    z = (firms[DIMS] - firms[DIMS].mean()) / firms[DIMS].std()
    assert np.corrcoef(z.to_numpy() @ c.weights.to_numpy(), raw)[0, 1] == pytest.approx(1.0)


def test_index_method_is_recorded(firms):
    b = benchmark_firms(firms, DIMS, levels=LEVELS, index_method="entropy")
    assert b.to_dict()["index"]["method"] == "entropy"
    assert b.firm("B0001").composite["method"] == "entropy"
    with pytest.raises(DataError, match="unknown index method"):
        benchmark_firms(firms, DIMS, levels=LEVELS, index_method="magic")
