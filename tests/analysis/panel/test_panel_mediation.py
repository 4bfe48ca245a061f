"""Panel mediation: steps equal pyfixest fits, the vectorised cluster bootstrap equals a loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.panel_fe import fit_panel
from smekit.analysis.panel_mediation import _effects, _unit_blocks, panel_mediation
from smekit.analysis.panel_prep import interpolate_within_unit
from smekit.core.errors import ModelError

CONTROLS = [
    "human_capital",
    "transport",
    "labour",
    "industrial_structure",
    "gov_spending",
    "industrialisation",
]


@pytest.fixture(scope="module")
def latent_panel(s2_demo):
    """Demo panel with its latent digital-economy and resilience series (the true scale)."""
    frame, truth = s2_demo
    cols = [*CONTROLS, "trade_dependence", "export_sophistication", "export_concentration"]
    d, _ = interpolate_within_unit(frame, "province_id", "year", cols)
    lat = pd.DataFrame(truth["latent"])
    return d.merge(lat, on=["province_id", "year"]), truth


def test_recovers_demo_truth(latent_panel):
    d, truth = latent_panel
    res = panel_mediation(
        d,
        "digital_economy",
        "trade_dependence",
        "resilience",
        "province_id",
        "year",
        controls=CONTROLS,
        n_boot=1000,
        seed=3,
    )
    t = truth["mediators"]["trade_dependence"]
    eff = res.effects.set_index(["effect", "method"])
    lo, hi = eff.loc[("indirect", "bca"), ["ci_low", "ci_high"]]
    assert lo < t["indirect"] < hi
    lo, hi = eff.loc[("direct", "bca"), ["ci_low", "ci_high"]]
    assert lo < truth["effect_direct"] < hi
    ci = res.fits["total"].estimates.conf_int().loc["digital_economy"]
    assert ci["lower"] < truth["effect_total"] < ci["upper"]
    assert res.sobel_p < 0.001 and not res.masking
    assert 0.1 < res.proportion_mediated < 0.6
    # FWL identity of the three steps: c = c' + a b exactly with a common sample and FE
    assert res.c == pytest.approx(res.c_prime + res.indirect, rel=1e-8)


def test_steps_are_the_pyfixest_fits(latent_panel):
    d, _ = latent_panel
    res = panel_mediation(
        d,
        "digital_economy",
        "export_sophistication",
        "resilience",
        "province_id",
        "year",
        controls=CONTROLS[:2],
        n_boot=200,
        seed=0,
    )
    fit = fit_panel(
        d,
        "export_sophistication ~ digital_economy + human_capital + transport",
        "province_id",
        "year",
        cluster="province_id",
    )
    assert res.a == pytest.approx(float(fit.estimates.params["digital_economy"]), rel=1e-10)
    # bootstrap point estimates from cross-products equal the pyfixest coefficients
    eff = res.effects.query("method == 'bca'").set_index("effect")["estimate"]
    assert eff["indirect"] == pytest.approx(res.indirect, rel=1e-8)
    assert eff["direct"] == pytest.approx(res.c_prime, rel=1e-8)


def test_bootstrap_equals_loop_of_refits_on_resampled_units():
    rng = np.random.default_rng(5)
    G, T = 12, 5
    u, t = np.repeat(np.arange(G), T), np.tile(np.arange(T), G)
    x = rng.normal(size=G * T) + 0.3 * u
    m = 0.6 * x + rng.normal(size=G * T)
    y = 0.2 * x + 0.7 * m + 0.1 * t + rng.normal(size=G * T)
    d = pd.DataFrame({"u": u, "t": t, "x": x, "m": m, "y": y}).iloc[3:]  # unbalanced
    res = panel_mediation(d, "x", "m", "y", "u", "t", n_boot=100, seed=9)
    # replay the draws: the same rng stream gives the same unit counts
    rng = np.random.default_rng(9)
    idx = rng.integers(0, G, size=(100, G))
    units = np.sort(d["u"].unique())
    for r in range(3):
        parts = []
        for k, g in enumerate(idx[r]):
            block = d[d.u == units[g]].copy()
            block["u"] = k  # a unit drawn twice is two units
            parts.append(block)
        boot = pd.concat(parts, ignore_index=True)
        fa = fit_panel(boot, "m ~ x", "u", "t")
        fd = fit_panel(boot, "y ~ x + m", "u", "t")
        ind = float(fa.estimates.params["x"] * fd.estimates.params["m"])
        assert res.boot["indirect"].iloc[r] == pytest.approx(ind, rel=1e-8)
        assert res.boot["direct"].iloc[r] == pytest.approx(
            float(fd.estimates.params["x"]), rel=1e-8
        )


def test_masking_and_bad_input():
    rng = np.random.default_rng(1)
    u, t = np.repeat(np.arange(30), 6), np.tile(np.arange(6), 30)
    x = rng.normal(size=180)
    m = 0.8 * x + 0.3 * rng.normal(size=180)
    y = 0.6 * x - 0.9 * m + 0.3 * rng.normal(size=180)
    d = pd.DataFrame({"u": u, "t": t, "x": x, "m": m, "y": y})
    res = panel_mediation(d, "x", "m", "y", "u", "t", n_boot=200, seed=0)
    assert res.masking and res.indirect < 0 < res.c_prime
    with pytest.raises(ModelError, match="needs unit effects"):
        panel_mediation(d, "x", "m", "y", "u", "t", fe="time")
    with pytest.raises(ModelError, match="overlap"):
        panel_mediation(d, "x", "x", "y", "u", "t")
    C, _, names = _unit_blocks(d, "u", "t", ["x", "m", "y"], True)
    assert names[-1] == "y" and len(names) == 3 + 5
    q = len(names)
    assert _effects(C.sum(0).reshape(1, q, q), q, q - 3)[1].all()
