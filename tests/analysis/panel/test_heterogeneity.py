"""Subgroup fits and the fully interacted test of their difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.heterogeneity import split_fe
from smekit.core.errors import ModelError


def _panel(slopes=(0.5, 0.5), seed=0):
    rng = np.random.default_rng(seed)
    G, T = 40, 8
    u, t = np.repeat(np.arange(G), T), np.tile(np.arange(T), G)
    grp = np.where(u < 20, "a", "b")
    x = rng.normal(size=G * T) + 0.2 * u
    slope = np.where(grp == "a", slopes[0], slopes[1])
    y = slope * x + 0.1 * u + 0.3 * t + rng.normal(size=G * T)
    return pd.DataFrame({"u": u, "t": t, "g": grp, "x": x, "w": rng.normal(size=G * T), "y": y})


def test_pooled_model_reproduces_group_coefficients():
    d = _panel((0.2, 0.8))
    h = split_fe(d, "y ~ x + w", "u", "t", by="g")
    f = h.to_frame().set_index("group")
    assert h.difference == pytest.approx(f.loc["b", "estimate"] - f.loc["a", "estimate"], rel=1e-8)
    # units nested in groups: the groups are independent, so V01 = 0 and the SEs add up
    # (up to the small-sample factors of the pooled versus the split fits)
    se_sum = np.sqrt(f.loc["a", "se"] ** 2 + f.loc["b", "se"] ** 2)
    assert h.se == pytest.approx(se_sum, rel=0.05)
    assert h.p < 0.001 and h.df == 39


def test_no_difference_is_not_rejected_and_period_split():
    rej = 0
    for seed in range(20):
        h = split_fe(_panel((0.5, 0.5), seed), "y ~ x", "u", "t", by="g")
        rej += h.p < 0.05
    assert rej <= 3  # nominal 5 % of 20
    d = _panel((0.5, 0.5), 1)
    d["late"] = np.where(d.t >= 4, "post", "pre")
    h = split_fe(d, "y ~ x", "u", "t", by="late", groups={"pre": ["pre"], "post": ["post"]})
    assert list(h.groups) == ["pre", "post"] and h.groups["pre"].n_periods == 4


def test_region_mapping_and_errors(s2_demo):
    frame, _ = s2_demo
    d = frame.dropna(subset=["trade_dependence", "human_capital"])
    h = split_fe(
        d,
        "trade_dependence ~ human_capital",
        "province_id",
        "year",
        by="region",
        groups={"east+central": ["east", "central"], "west": ["west"]},
    )
    assert [f.n_units for f in h.groups.values()] == [19, 11]
    with pytest.raises(ModelError, match="3 values"):
        split_fe(d, "trade_dependence ~ human_capital", "province_id", "year", by="region")
    with pytest.raises(ModelError, match="overlap"):
        split_fe(
            d,
            "trade_dependence ~ human_capital",
            "province_id",
            "year",
            by="region",
            groups={"a": ["east"], "b": ["east", "west"]},
        )
