"""Reliability: Cronbach's alpha and its CI against R psych values, omega, item statistics."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from smekit.survey.reliability import (
    alpha_from_cov,
    feldt_ci,
    omega_total,
    reliability,
    scale_reliability,
)


def test_alpha_matches_r_psych_on_pingouin_dataset():
    """Reference: pingouin's bundled ``cronbach_wide_missing`` data (source: real-statistics.com).

    pingouin documents ``psych::alpha(data, use="pairwise")`` = 0.732661 with 95% CI
    [0.435, 0.909] and ``psych::alpha(data, use="complete.obs")`` = 0.801695
    (pingouin.cronbach_alpha docstring, "In R: psych:alpha(...)").
    """
    data = pg.read_dataset("cronbach_wide_missing")
    pair = scale_reliability(data, nan_policy="pairwise")
    assert pair.alpha == pytest.approx(0.732660835214447, rel=1e-9)
    assert pair.alpha_ci == pytest.approx((0.435, 0.909), abs=5e-4)
    listwise = scale_reliability(data, nan_policy="listwise")
    assert listwise.alpha == pytest.approx(0.8016949152542373, rel=1e-9)
    assert listwise.n == 9  # the CI uses the 9 complete rows actually analysed


def test_alpha_long_format_example_matches_pingouin():
    """pingouin's ``cronbach_alpha`` data: alpha 0.592, CI [0.195, 0.840] (pingouin test suite)."""
    df = pg.read_dataset("cronbach_alpha")
    wide = df.pivot(index="Subj", columns="Items", values="Scores")
    res = scale_reliability(wide)
    assert round(res.alpha, 3) == 0.592
    assert res.alpha_ci == pytest.approx((0.195, 0.840), abs=5e-4)


def test_item_total_and_alpha_if_deleted_by_direct_computation():
    rng = np.random.default_rng(7)
    f = rng.normal(size=400)
    df = pd.DataFrame(
        {f"q{i}": f * w + rng.normal(size=400) for i, w in enumerate([1, 0.8, 0.6, 0.2])}
    )
    res = scale_reliability(df)
    for j, col in enumerate(df.columns):
        rest = df.drop(columns=col)
        r = np.corrcoef(df[col], rest.sum(axis=1))[0, 1]
        assert res.items.loc[j, "r_drop"] == pytest.approx(r, rel=1e-10)
        a, _ = pg.cronbach_alpha(rest)
        assert res.items.loc[j, "alpha_if_deleted"] == pytest.approx(a, rel=1e-10)
    # the weakest item is the one whose removal raises alpha
    assert res.items["alpha_if_deleted"].idxmax() == 3


def test_omega_recovers_population_value():
    """Omega of a congeneric one-factor model: (sum l)^2 / ((sum l)^2 + sum(1 - l^2))."""
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    pop = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    corr = np.outer(loadings, loadings)
    np.fill_diagonal(corr, 1.0)
    omega, lam = omega_total(corr)
    assert omega == pytest.approx(pop, rel=1e-6)
    np.testing.assert_allclose(lam, loadings, rtol=1e-5)


def test_omega_matches_sklearn_factor_analysis():
    """ML one-factor loadings agree with scikit-learn's FactorAnalysis on standardised data."""
    from sklearn.decomposition import FactorAnalysis

    rng = np.random.default_rng(0)
    f = rng.normal(size=2000)
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    x = f[:, None] * lam + rng.normal(size=(2000, 5)) * np.sqrt(1 - lam**2)
    res = scale_reliability(pd.DataFrame(x))
    z = (x - x.mean(0)) / x.std(0)
    fa = FactorAnalysis(n_components=1, tol=1e-12, max_iter=100_000).fit(z)
    np.testing.assert_allclose(res.items["loading"], np.abs(fa.components_[0]), atol=1e-6)


def test_tau_equivalent_alpha_equals_omega():
    corr = np.full((4, 4), 0.36)
    np.fill_diagonal(corr, 1)
    omega, _ = omega_total(corr)
    assert omega == pytest.approx(alpha_from_cov(corr), rel=1e-6)


def test_feldt_interval_contains_alpha_and_narrows_with_n():
    lo1, hi1 = feldt_ci(0.8, 50, 5)
    lo2, hi2 = feldt_ci(0.8, 5000, 5)
    assert lo1 < lo2 < 0.8 < hi2 < hi1


def test_report_frames():
    rng = np.random.default_rng(1)
    f = rng.normal(size=300)
    scales = {
        "x": pd.DataFrame({f"x{i}": f + rng.normal(size=300) for i in range(4)}),
        "single": pd.DataFrame({"s1": f}),
    }
    rep = reliability(scales)
    frame = rep.to_frame()
    assert frame["construct"].tolist() == ["x"]  # single-item scales have no reliability
    assert 0.7 < frame["alpha"].iloc[0] < 0.9
    assert len(rep.items_frame()) == 4


def test_to_dict_is_json_ready():
    """Two items: omega is undefined (NaN in the frame, None in the mapping)."""
    import json

    df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5]})
    rep = reliability({"s": df})
    out = rep.to_dict()
    assert out["s"]["k"] == 2 and out["s"]["omega"] is None
    assert out["s"]["alpha"] == pytest.approx(rep.scales[0].alpha)
    assert [i["item"] for i in out["s"]["items"]] == ["a", "b"]
    assert out["s"]["items"][0]["alpha_if_deleted"] is None
    json.dumps(out, allow_nan=False)
    assert rep.scales[0].to_frame() is rep.scales[0].items


def test_pairwise_covariance_matches_pandas_and_r():
    """pandas ``DataFrame.cov`` and R ``cov(use = "pairwise")`` use per-pair complete rows."""
    from smekit.survey.reliability import pairwise_cov

    rng = np.random.default_rng(11)
    x = rng.integers(0, 11, size=(500, 6)).astype(float)
    x[rng.random(x.shape) < 0.15] = np.nan
    x[:498, 5] = np.nan  # two shared rows at most: still a covariance
    np.testing.assert_allclose(pairwise_cov(x), pd.DataFrame(x).cov().to_numpy(), rtol=1e-12)
    x[:, 4] = np.nan
    assert np.isnan(pairwise_cov(x)[4]).all()
