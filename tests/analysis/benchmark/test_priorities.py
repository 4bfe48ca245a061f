"""Priorities: gap x effect, CI covering zero said so, never from a negative effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.benchmark.priorities import (
    Effect,
    effects_from_estimates,
    effects_from_json,
    effects_from_suite,
    rank_priorities,
    unranked_notes,
)
from smekit.analysis.benchmark.profile import benchmark_firms
from smekit.core.errors import ModelError


def _profile(gaps: dict[str, float], firm: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "firm_id": firm,
            "dimension": list(gaps),
            "label": [d.upper() for d in gaps],
            "gap_top": list(gaps.values()),
            "gap_median": [g / 2 for g in gaps.values()],
        }
    )


EFFECTS = {
    "a": Effect("a", 0.40, 0.20, 0.60, 0.001, "dt"),
    "b": Effect("b", 0.20, 0.05, 0.35, 0.01, "dt"),
    "c": Effect("c", 0.90, -0.10, 1.90, 0.08, "dt"),  # CI covers zero
    "d": Effect("d", -0.30, -0.50, -0.10, 0.002, "dt"),  # negative
    "e": Effect("e", 0.50, 0.30, 0.70, 0.001, "dt"),
}


def test_ranked_by_gap_times_effect_supported_first():
    prof = _profile({"a": 1.0, "b": 3.0, "c": 2.0, "d": 2.0, "e": 0.5})
    r = rank_priorities(prof, EFFECTS)
    # gains: a 0.40, b 0.60, e 0.25 (supported); c 1.80 covers zero; d negative
    assert r["dimension"].tolist() == ["b", "a", "e"]
    assert r["rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(r["gain"], [0.60, 0.40, 0.25])
    assert r["supported"].all()
    assert "b = 0.20, 95% CI 0.05 to 0.35" in r["note"].iloc[0]


def test_uncertain_effect_only_after_supported_and_flagged():
    prof = _profile({"a": 1.0, "c": 2.0, "d": 2.0, "e": -0.5})
    r = rank_priorities(prof, EFFECTS)
    assert r["dimension"].tolist() == ["a", "c"]
    row = r.iloc[1]
    assert not row["supported"]
    assert "CI covers zero: the study does not support this priority" in row["note"]


def test_no_priority_without_a_gap_or_from_a_negative_effect():
    r = rank_priorities(_profile({"a": -0.2, "b": 0.0, "d": 3.0}), EFFECTS)
    assert r.empty


def test_median_gap_and_max_n():
    prof = _profile({"a": 1.0, "b": 3.0, "e": 0.5})
    r = rank_priorities(prof, EFFECTS, gap="median", max_n=1)
    assert r["dimension"].tolist() == ["b"]
    assert r["gap"].iloc[0] == 1.5
    assert "peer median" in r["note"].iloc[0]
    with pytest.raises(ModelError, match="unknown priority gap"):
        rank_priorities(prof, EFFECTS, gap="mean")


def test_many_firms_at_once_match_one_at_a_time():
    prof = pd.concat([_profile({"a": 1.0, "b": 0.1}, "A"), _profile({"a": 0.1, "b": 3.0}, "B")])
    both = rank_priorities(prof, EFFECTS)
    one = rank_priorities(prof[prof["firm_id"] == "B"], EFFECTS)
    pd.testing.assert_frame_equal(both[both["firm_id"] == "B"].reset_index(drop=True), one)
    assert both.groupby("firm_id")["dimension"].first().to_dict() == {"A": "a", "B": "b"}


def test_unranked_notes():
    notes = unranked_notes(["a", "d", "z"], {"z": "Outcome"}, EFFECTS)
    assert len(notes) == 2
    assert notes[0].startswith("d: the study's effect is not positive")
    assert notes[1] == "Outcome: no effect estimated in the study (not a predictor)."


@pytest.fixture(scope="module")
def suite():
    from smekit.analysis.suite import run_suite

    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=(n, 2))
    data = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1]})
    data["y"] = 1 + 0.5 * data["x1"] + 0.05 * data["x2"] + rng.normal(size=n)
    return run_suite(data, "y ~ x1 + x2", alternatives=False)


def test_effects_from_the_suite_and_its_json_agree(suite):
    a = effects_from_suite(suite, "y")
    b = effects_from_json(suite.to_dict())
    assert set(a) == set(b) == {"x1", "x2"}
    for k in a:
        assert a[k].estimate == pytest.approx(b[k].estimate)
        assert a[k].ci_low == pytest.approx(b[k].ci_low)
        assert a[k].ci_high == pytest.approx(b[k].ci_high)
    ci = suite.ols.conf_int()
    assert a["x1"].ci_low == pytest.approx(float(ci.iloc[1, 0]))
    assert b["x1"].outcome == "y"


def test_effects_from_estimates():
    from smekit.analysis.estimates import Estimates

    est = Estimates(
        pd.Series({"Intercept": 1.0, "x": 2.0}), pd.Series({"Intercept": 1, "x": 1.0}), "t", 10
    )
    e = effects_from_estimates(est, "y")["x"]
    assert (round(e.ci_low, 3), round(e.ci_high, 3)) == (-0.228, 4.228)
    assert e.covers_zero


def test_effects_from_json_needs_the_ols_block():
    with pytest.raises(ModelError, match="no key"):
        effects_from_json({"formula": "y ~ x"}, where="suite.json")


def test_priorities_from_a_benchmark(make_firms, dims):
    firms = make_firms()
    b = benchmark_firms(firms, dims, levels=[("sector",), ()])
    effects = {d: Effect(d, 0.3, 0.1, 0.5, 0.01, "dt") for d in dims}
    r = rank_priorities(b.profiles, effects)
    assert (r.groupby("firm_id").size() <= 3).all()
    row = r.iloc[0]
    prof = b.profiles.set_index(["firm_id", "dimension"])
    assert row["gap"] == pytest.approx(prof.loc[(row["firm_id"], row["dimension"]), "gap_top"])
