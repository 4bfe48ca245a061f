"""Tests for smekit.analysis.mediation against R (mediation, via pingouin's tests), JASP,
pingouin, statsmodels and scipy.stats.bootstrap."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from scipy import stats

import smekit.analysis.mediation as mediation_module
from smekit.analysis.mediation import MediationResult, bca_interval, mediation
from smekit.core.errors import ModelError

N_BOOT = 2000


@pytest.fixture(scope="module")
def med_data():
    return pg.read_dataset("mediation")


@pytest.fixture(scope="module")
def result(med_data):
    return mediation(med_data, "X", "M", "Y", n_boot=N_BOOT, seed=7)


def _ols(y, *cols):
    return sm.OLS(np.asarray(y, float), sm.add_constant(np.column_stack(cols))).fit()


def test_paths_match_r_mediation_as_published(result):
    # pingouin/tests/test_regression.py (raphaelvallat/pingouin), test_mediation_analysis:
    # "Compare against R package mediation": coef of M ~ X, Y ~ M, Total, Direct, Indirect
    # = [0.5610, 0.6542, 0.3961, 0.0396, 0.3565] (the Y ~ M entry is pingouin's simple
    # regression, not the b path, so it is not used here).
    np.testing.assert_allclose(result.a, 0.5610, atol=5e-5)
    np.testing.assert_allclose(result.c, 0.3961, atol=5e-5)
    np.testing.assert_allclose(result.c_prime, 0.0396, atol=5e-5)
    np.testing.assert_allclose(result.indirect, 0.3565, atol=5e-5)


def test_direct_model_matches_jasp(result):
    # Same test file, test_linear_regression, "Compare values to JASP" for Y ~ X + M:
    # se = [.605, .110, .101], T = [3.145, 0.361, 6.321].
    paths = result.to_frame().set_index("path")
    assert round(paths.loc["c' (direct effect)", "se"], 3) == 0.110
    assert round(paths.loc["b", "se"], 3) == 0.101
    assert round(paths.loc["c' (direct effect)", "t"], 3) == 0.361
    assert round(paths.loc["b", "t"], 3) == 6.321


def test_paths_match_statsmodels(result, med_data):
    d = med_data
    total = _ols(d.Y, d.X)
    a = _ols(d.M, d.X)
    full = _ols(d.Y, d.X, d.M)
    paths = result.to_frame().set_index("path")
    np.testing.assert_allclose(
        paths.loc["c (total effect)", ["coef", "se", "t", "p"]].to_numpy(dtype=float),
        [total.params[1], total.bse[1], total.tvalues[1], total.pvalues[1]],
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        paths.loc["a", ["coef", "se", "p"]].to_numpy(dtype=float),
        [a.params[1], a.bse[1], a.pvalues[1]],
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        paths.loc["b", ["coef", "se"]].to_numpy(dtype=float),
        [full.params[2], full.bse[2]],
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        paths.loc["c' (direct effect)", ["coef", "se"]].to_numpy(dtype=float),
        [full.params[1], full.bse[1]],
        rtol=1e-8,
    )
    ci = full.conf_int()
    np.testing.assert_allclose(
        paths.loc["b", ["ci_low", "ci_high"]].to_numpy(dtype=float), ci[2], rtol=1e-8
    )
    assert paths.loc["b", "r2"] == pytest.approx(full.rsquared, rel=1e-10)
    # OLS identity c = c' + a b
    assert result.c == pytest.approx(result.c_prime + result.indirect, rel=1e-10)


def test_point_estimates_match_pingouin(result, med_data):
    ref = pg.mediation_analysis(data=med_data, x="X", m="M", y="Y", n_boot=100, seed=1)
    coef = ref.set_index("path")["coef"]
    np.testing.assert_allclose(result.a, coef["M ~ X"], rtol=1e-8)
    np.testing.assert_allclose(result.c, coef["Total"], rtol=1e-8)
    np.testing.assert_allclose(result.c_prime, coef["Direct"], rtol=1e-8)
    np.testing.assert_allclose(result.indirect, coef["Indirect"], rtol=1e-8)


def test_sobel_by_hand_from_statsmodels(result, med_data):
    d = med_data
    a_fit, full = _ols(d.M, d.X), _ols(d.Y, d.X, d.M)
    a, se_a, b, se_b = a_fit.params[1], a_fit.bse[1], full.params[2], full.bse[2]
    se = np.sqrt(b**2 * se_a**2 + a**2 * se_b**2)
    z = a * b / se
    np.testing.assert_allclose(result.sobel_se, se, rtol=1e-8)
    np.testing.assert_allclose(result.sobel_z, z, rtol=1e-8)
    np.testing.assert_allclose(result.sobel_p, 2 * stats.norm.sf(abs(z)), rtol=1e-8)
    row = result.effects_frame().set_index("effect").loc["indirect (Sobel)"]
    assert row["ci_low"] == pytest.approx(a * b - stats.norm.isf(0.025) * se, rel=1e-8)


def _indirect_stat(x, m, y, axis=-1):
    """a*b by centred closed forms, vectorised over leading axes (for scipy.stats.bootstrap)."""
    xc = x - x.mean(axis=axis, keepdims=True)
    mc = m - m.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    sxx, smm = (xc * xc).sum(axis), (mc * mc).sum(axis)
    sxm, sxy, smy = (xc * mc).sum(axis), (xc * yc).sum(axis), (mc * yc).sum(axis)
    a = sxm / sxx
    b = (sxx * smy - sxm * sxy) / (sxx * smm - sxm**2)
    return a * b


def test_bootstrap_intervals_match_scipy_bootstrap(result, med_data):
    """scipy draws rng.integers(0, n, (n_resamples, n)) as we do: same resamples, same CIs."""
    d = med_data
    data = (d.X.to_numpy(float), d.M.to_numpy(float), d.Y.to_numpy(float))
    kw = {"paired": True, "vectorized": True, "n_resamples": N_BOOT}
    bca = stats.bootstrap(data, _indirect_stat, method="BCa", rng=np.random.default_rng(7), **kw)
    pct = stats.bootstrap(
        data, _indirect_stat, method="percentile", rng=np.random.default_rng(7), **kw
    )
    np.testing.assert_allclose(
        result.boot["indirect"].to_numpy(), bca.bootstrap_distribution, rtol=1e-9
    )
    iv = result.intervals.set_index(["effect", "method"])
    np.testing.assert_allclose(
        iv.loc[("indirect", "bca"), ["ci_low", "ci_high"]].to_numpy(dtype=float),
        [bca.confidence_interval.low, bca.confidence_interval.high],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        iv.loc[("indirect", "percentile"), ["ci_low", "ci_high"]].to_numpy(dtype=float),
        [pct.confidence_interval.low, pct.confidence_interval.high],
        rtol=1e-9,
    )
    eff = result.effects_frame().set_index("effect")
    assert eff.loc["indirect", "se"] == pytest.approx(bca.standard_error, rel=1e-9)


def test_bootstrap_replicates_match_refits(med_data):
    """Each bootstrap replicate equals OLS refits on the resampled rows."""
    d = med_data
    res = mediation(d, "X", "M", "Y", ["W1"], n_boot=100, seed=3)
    idx = np.random.default_rng(3).integers(0, len(d), size=(100, len(d)))
    for r in (0, 41, 99):
        s = d.iloc[idx[r]]
        a = _ols(s.M, s.X, s.W1).params[1]
        full = _ols(s.Y, s.X, s.M, s.W1)
        total = _ols(s.Y, s.X, s.W1).params[1]
        np.testing.assert_allclose(
            res.boot.iloc[r].to_numpy(), [a * full.params[2], full.params[1], total], rtol=1e-9
        )


def test_covariates_enter_every_model(med_data):
    d = med_data
    res = mediation(d, "X", "M", "Y", ["W1", "W2"], n_boot=200)
    assert res.a == pytest.approx(_ols(d.M, d.X, d.W1, d.W2).params[1], rel=1e-8)
    assert res.c == pytest.approx(_ols(d.Y, d.X, d.W1, d.W2).params[1], rel=1e-8)
    full = _ols(d.Y, d.X, d.M, d.W1, d.W2)
    assert res.b == pytest.approx(full.params[2], rel=1e-8)
    assert res.covariates == ("W1", "W2")


def test_same_seed_same_result_and_other_seed_differs(med_data):
    r1 = mediation(med_data, "X", "M", "Y", n_boot=300, seed=11)
    r2 = mediation(med_data, "X", "M", "Y", n_boot=300, seed=11)
    r3 = mediation(med_data, "X", "M", "Y", n_boot=300, seed=12)
    pd.testing.assert_frame_equal(r1.boot, r2.boot)
    pd.testing.assert_frame_equal(r1.effects_frame(), r2.effects_frame())
    assert not np.allclose(r1.boot["indirect"], r3.boot["indirect"])


def test_bootstrap_does_not_depend_on_chunking(med_data, monkeypatch):
    """Resamples are drawn chunk by chunk from one stream: chunk size changes nothing."""
    whole = mediation(med_data, "X", "M", "Y", n_boot=300, seed=5)
    monkeypatch.setattr(mediation_module, "_CHUNK_CELLS", 7 * len(med_data))
    chunked = mediation(med_data, "X", "M", "Y", n_boot=300, seed=5)
    np.testing.assert_allclose(chunked.boot.to_numpy(), whole.boot.to_numpy(), rtol=1e-12)
    pd.testing.assert_frame_equal(chunked.intervals, whole.intervals, rtol=1e-10)


def test_percentile_interval_covers_estimate(result):
    iv = result.intervals.set_index(["effect", "method"])
    for effect, est in (("indirect", result.indirect), ("total", result.c)):
        lo, hi = iv.loc[(effect, "percentile"), ["ci_low", "ci_high"]]
        assert lo < est < hi


def test_bca_equals_percentile_when_no_bias_and_no_skew():
    est = 1.0
    spread = np.linspace(-1, 1, 401)
    boot = est + np.concatenate([spread[:200], spread[201:]])  # half below, half above
    jack = np.array([-1.0, 0.0, 1.0, -2.0, 2.0])  # symmetric: acceleration 0
    low, high = bca_interval(boot, est, jack, ci=0.9)
    np.testing.assert_allclose([low, high], np.quantile(boot, [0.05, 0.95]), rtol=1e-12)


def test_bca_interval_matches_scipy_for_the_mean():
    x = np.random.default_rng(5).exponential(size=40)
    res = stats.bootstrap(
        (x,), np.mean, method="BCa", n_resamples=999, rng=np.random.default_rng(1)
    )
    jack = (x.sum() - x) / (x.size - 1)
    low, high = bca_interval(res.bootstrap_distribution, x.mean(), jack, ci=0.95)
    np.testing.assert_allclose(
        [low, high], [res.confidence_interval.low, res.confidence_interval.high], rtol=1e-12
    )


def test_masking_flag_on_opposite_effects():
    rng = np.random.default_rng(2)
    n = 400
    x = rng.normal(size=n)
    m = 0.8 * x + rng.normal(size=n)
    y = 0.7 * m - 0.9 * x + rng.normal(scale=0.5, size=n)
    res = mediation(pd.DataFrame({"x": x, "m": m, "y": y}), "x", "m", "y", n_boot=200)
    assert res.indirect > 0 > res.c_prime
    assert res.masking is True
    consistent = mediation(
        pd.DataFrame({"x": x, "m": m, "y": 0.7 * m + 0.3 * x + rng.normal(size=n)}),
        "x",
        "m",
        "y",
        n_boot=200,
    )
    assert consistent.masking is False


def test_proportion_mediated_and_dicts(result):
    assert result.proportion_mediated == pytest.approx(result.indirect / result.c, rel=1e-12)
    d = result.to_dict()
    json.dumps(d)
    assert d["effects"]["indirect"]["estimate"] == pytest.approx(result.indirect)
    assert set(d["intervals"]["direct"]) == {"percentile", "bca"}
    assert d["sobel"]["z"] == pytest.approx(result.sobel_z)
    assert isinstance(result, MediationResult)
    assert result.effects_frame().columns.tolist() == [
        "effect",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p",
    ]
    assert result.to_frame()["path"].tolist() == [
        "c (total effect)",
        "a",
        "b",
        "c' (direct effect)",
    ]


def test_missing_values_are_dropped_listwise(med_data):
    d = med_data.copy()
    d.loc[[1, 5], "M"] = np.nan
    d.loc[9, "Y"] = np.nan
    res = mediation(d, "X", "M", "Y", n_boot=200)
    assert res.n == 97 and res.n_dropped == 3
    kept = d.dropna(subset=["X", "M", "Y"])
    assert res.a == pytest.approx(_ols(kept.M, kept.X).params[1], rel=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": "X", "m": "X", "y": "Y"}, "three different"),
        ({"x": "X", "m": "M", "y": "Y", "n_boot": 10}, "n_boot"),
        ({"x": "X", "m": "M", "y": "Y", "ci": 1.5}, "ci must be"),
        ({"x": "X", "m": "M", "y": "nope"}, "not found"),
        ({"x": "X", "m": "M", "y": "Y", "covariates": ["M"]}, "also x, m or y"),
    ],
)
def test_bad_input_is_model_error(med_data, kwargs, match):
    with pytest.raises(ModelError, match=match):
        mediation(med_data, **kwargs)


def test_non_numeric_mediator_is_model_error(med_data):
    d = med_data.assign(Mtext=med_data["M"].map(lambda v: f"level{v}"))
    with pytest.raises(ModelError, match="not numeric"):
        mediation(d, "X", "Mtext", "Y", n_boot=200)


def test_constant_mediator_is_model_error(med_data):
    d = med_data.assign(Mc=1.0)
    with pytest.raises(ModelError, match="constant"):
        mediation(d, "X", "Mc", "Y", n_boot=200)
