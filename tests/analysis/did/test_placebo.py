"""The fast placebo engine equals pyfixest refits; seeds, p-values, Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.did import cohorts, twfe_did
from smekit.analysis.placebo import (
    absorb,
    draw_periods,
    draw_units,
    placebo_betas,
    placebo_histograms,
    placebo_test,
)


@pytest.fixture(scope="module")
def setup(panel):
    g = cohorts(panel, "id", "t", cohort="g")
    return panel, g


def test_engine_equals_pyfixest_refits(setup):
    import pyfixest as pf

    d, g = setup
    des = absorb(d, "id", "t", "y", g, controls=["x"])
    S = np.vstack([draw_units(des, 4, 11), draw_periods(des, 4, 11, common=False)])
    betas = placebo_betas(des, S)
    pos = d["t"].to_numpy() - d["t"].min()
    for b in range(S.shape[0]):
        start = d["id"].map(pd.Series(S[b], index=des.units)).to_numpy()
        dd = d.assign(Dp=(pos >= start).astype(float))
        m = pf.feols("y ~ Dp + x | id + t", data=dd)
        assert betas[b] == pytest.approx(float(m.coef()["Dp"]), rel=1e-7, abs=1e-10)
    # the real assignment reproduces the TWFE estimate
    real = placebo_betas(des, des.start[None, :])[0]
    fit = twfe_did(
        d.assign(D=(pos >= d["g"].where(d["g"] > 0, np.inf) - 1).astype(int)),
        "id",
        "t",
        "y",
        "D",
        controls=["x"],
    )
    assert real == pytest.approx(fit.params["D"], rel=1e-9)


def test_draws_keep_the_treated_share_and_are_seeded(setup):
    d, g = setup
    des = absorb(d, "id", "t", "y", g)
    S = draw_units(des, 50, 3)
    assert (np.isfinite(S).sum(axis=1) == np.isfinite(des.start).sum()).all()
    assert sorted(S[0][np.isfinite(S[0])]) == sorted(des.start[np.isfinite(des.start)])
    np.testing.assert_array_equal(S, draw_units(des, 50, 3))
    assert not np.array_equal(S, draw_units(des, 50, 4))
    P = draw_periods(des, 50, 3)
    assert ((P[:, np.isfinite(des.start)] >= 1) & (P[:, np.isfinite(des.start)] <= 7)).all()


def test_placebo_test_p_values(setup):
    d, g = setup
    r = placebo_test(d, "id", "t", "y", g, controls=["x"], n_units=199, n_times=199, seed=2)
    assert r.units.draws == 199
    # the effect is strong: few reassignments reach it
    assert r.units.p < 0.05
    expect = (1 + np.sum(np.abs(r.units.betas) >= abs(r.estimate))) / 200
    assert r.units.p == pytest.approx(expect)
    assert abs(np.mean(r.units.betas)) < 0.1
    # policy-period draws use the pre-adoption sample (periods 1-3): the real effect is absent
    assert "pre-adoption sample (periods before 4)" in r.times.note
    assert abs(np.mean(r.times.betas)) < 0.1
    out = r.to_dict()
    assert out["units"]["draws"] == 199 and len(out["units"]["values"]) == 199
    fig = placebo_histograms(r)
    assert len(fig.axes) == 2


def test_dask_local_cluster_gives_the_same_draws(setup):
    from dask.distributed import Client, LocalCluster

    d, g = setup
    local = placebo_test(d, "id", "t", "y", g, n_units=300, n_times=300, seed=9)
    # a real TCP scheduler on the loopback interface, workers in this process
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        remote = placebo_test(
            d,
            "id",
            "t",
            "y",
            g,
            n_units=300,
            n_times=300,
            seed=9,
            scheduler=cluster.scheduler_address,
        )
        with Client(cluster) as client:
            again = placebo_test(
                d, "id", "t", "y", g, n_units=300, n_times=0, seed=9, scheduler=client
            )
    np.testing.assert_allclose(remote.units.betas, local.units.betas, rtol=1e-12)
    np.testing.assert_allclose(remote.times.betas, local.times.betas, rtol=1e-12)
    np.testing.assert_allclose(again.units.betas, local.units.betas, rtol=1e-12)
    assert remote.units.p == local.units.p


def test_engine_with_region_by_period_effects_and_an_absorbed_control(setup):
    """Region x period dummies are collinear with the unit effects; a unit-constant control is
    absorbed: both are dropped by the rank rule, and the estimates still equal pyfixest's."""
    import pyfixest as pf

    d, g = setup
    d = d.assign(region=d["id"] % 3, size=(d["id"] % 5).astype(float))
    d["rt"] = d["region"].astype(str) + ":" + d["t"].astype(str)
    des = absorb(d, "id", "t", "y", g, controls=["x", "size"], fe=["id", "rt"])
    S = draw_units(des, 3, 5)
    betas = placebo_betas(des, S)
    pos = d["t"].to_numpy() - d["t"].min()
    for b in range(3):
        start = d["id"].map(pd.Series(S[b], index=des.units)).to_numpy()
        m = pf.feols("y ~ Dp + x | id + rt", data=d.assign(Dp=(pos >= start).astype(float)))
        assert betas[b] == pytest.approx(float(m.coef()["Dp"]), rel=1e-7)


def test_figures_are_byte_identical_across_runs(setup, tmp_path):
    from smekit.analysis.did import event_study, event_study_plot
    from smekit.analysis.plots import save_figure

    d, g = setup
    es = event_study(d, "id", "t", "y", cohort="g")
    r = placebo_test(d, "id", "t", "y", g, n_units=50, n_times=50, seed=1)
    for name, make in (("es", lambda: event_study_plot(es)), ("pl", lambda: placebo_histograms(r))):
        a = save_figure(make(), tmp_path / f"{name}1")
        b = save_figure(make(), tmp_path / f"{name}2")
        for x, y in zip(a, b, strict=True):
            assert x.read_bytes() == y.read_bytes(), x.name
