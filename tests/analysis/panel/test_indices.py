"""Composite indices against R: psych::KMO, psych::cortest.bartlett, prcomp, entropy in R.

Reference values: tests/analysis/reference/panel/indices.R (R 4, psych) on R's
``datasets::attitude`` (Chatterjee & Price 1977) and ``datasets::USArrests``
(McNeil 1977), exported to CSV next to the script.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.indices import entropy_index, pca_index, sampling_adequacy, zscore_index
from smekit.core.errors import DataError, ModelError

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "panel"
ATTITUDE = ["rating", "complaints", "privileges", "learning", "raises", "critical", "advance"]
ARRESTS = ["Murder", "Assault", "UrbanPop", "Rape"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REFERENCE / "indices.json").read_text())


@pytest.fixture(scope="module")
def attitude():
    return pd.read_csv(REFERENCE / "attitude.csv")


@pytest.fixture(scope="module")
def arrests():
    return pd.read_csv(REFERENCE / "usarrests.csv")


def test_kmo_and_bartlett_match_psych(attitude, ref):
    a = sampling_adequacy(attitude, ATTITUDE)
    assert a.kmo == pytest.approx(ref["kmo"], rel=1e-10)
    np.testing.assert_allclose(a.msa.to_numpy(), ref["msa"], rtol=1e-10)
    assert a.bartlett_chi2 == pytest.approx(ref["bartlett_chi2"], rel=1e-10)
    assert a.bartlett_df == ref["bartlett_df"]
    assert a.bartlett_p == pytest.approx(ref["bartlett_p"], rel=1e-8)


def test_pca_eigenvalues_match_prcomp_and_retention_rule(attitude, ref):
    res = pca_index(attitude, ATTITUDE)
    np.testing.assert_allclose(res.eigenvalues["eigenvalue"], ref["eigenvalues"], rtol=1e-10)
    # eigenvalues 3.72, 1.14, 0.85: two exceed 1; their cumulative share is 69 % < 85 %,
    # so the eigenvalue rule stops it at two components
    assert res.n_components == 2 and res.rule == "eigenvalue > 1"
    lam = np.array(ref["eigenvalues"][:2])
    np.testing.assert_allclose(res.eigenvalues["weight"][:2], lam / lam.sum())
    # composite = variance-share weighted component scores; components are uncorrelated
    comp = res.components.to_numpy()
    assert abs(np.corrcoef(comp.T)[0, 1]) < 1e-10
    np.testing.assert_allclose(comp.var(axis=0, ddof=1), lam, rtol=1e-10)
    np.testing.assert_allclose(res.score, comp @ (lam / lam.sum()))
    # loadings are correlations of indicators with components
    z = attitude[ATTITUDE]
    for j, c in enumerate(ATTITUDE):
        r = np.corrcoef(z[c], comp[:, 0])[0, 1]
        assert res.loadings.iloc[j, 0] == pytest.approx(r, abs=1e-10)
    assert res.loadings["PC1"].sum() > 0


def test_pca_cumulative_rule_stops_early():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(400, 1))
    d = pd.DataFrame(f + 0.2 * rng.normal(size=(400, 4)), columns=list("abcd"))
    res = pca_index(d, list("abcd"))
    assert res.n_components == 1 and res.rule.startswith("cumulative")


def test_entropy_matches_r_negative_with_shift(arrests, ref):
    r = ref["entropy_negative_shift"]
    res = entropy_index(arrests, ARRESTS, negative=["Murder", "Assault", "Rape"], shift=1e-4)
    np.testing.assert_allclose(res.weights["entropy"], r["entropy"], rtol=1e-12)
    np.testing.assert_allclose(res.weights["weight"], r["weight"], rtol=1e-12)
    np.testing.assert_allclose(res.score, r["score"], rtol=1e-12)
    assert res.weights["direction"].tolist() == ["-", "-", "+", "-"]


def test_entropy_matches_r_positive_without_shift(arrests, ref):
    r = ref["entropy_positive_noshift"]
    res = entropy_index(arrests, ARRESTS, shift=0.0)
    np.testing.assert_allclose(res.weights["weight"], r["weight"], rtol=1e-12)
    np.testing.assert_allclose(res.score, r["score"], rtol=1e-12)


def test_entropy_per_period_uses_each_period_alone(s2_demo):
    frame, truth = s2_demo
    from smekit.analysis.panel_prep import interpolate_within_unit

    inds = [c for dim in truth["indicators"].values() for c in dim]
    data, _ = interpolate_within_unit(frame, "province_id", "year", inds)
    per = entropy_index(data, inds, negative=truth["negative_indicators"], by="year")
    assert len(per.weights) == 21 * 10
    y = data[data.year == 2017]
    alone = entropy_index(y, inds, negative=truth["negative_indicators"])
    np.testing.assert_allclose(per.score[y.index], alone.score)
    np.testing.assert_allclose(per.weights.query("year == 2017")["weight"], alone.weights["weight"])
    pooled = entropy_index(data, inds, negative=truth["negative_indicators"])
    assert pooled.weights["weight"].sum() == pytest.approx(1.0)
    # the index tracks the latent digital economy it was built from
    latent = pd.DataFrame(truth["latent"])
    m = data[["province_id", "year"]].merge(latent, on=["province_id", "year"])
    assert np.corrcoef(pooled.score, m["digital_economy"])[0, 1] > 0.9


def test_zscore_index():
    d = pd.DataFrame(
        {"t": [1, 1, 1, 2, 2, 2], "a": [1.0, 2, 3, 10, 20, 30], "b": [3.0, 2, 1, 0, 1, 2]}
    )
    pooled = zscore_index(d, ["a", "b"], negative=["b"])
    za = (d.a - d.a.mean()) / d.a.std()
    zb = -(d.b - d.b.mean()) / d.b.std()
    np.testing.assert_allclose(pooled.score, (za + zb) / 2)
    per = zscore_index(d, ["a", "b"], by="t")
    # within t = 1, a = (1, 2, 3) and b = (3, 2, 1) have opposite z-scores, which cancel;
    # within t = 2 both rise, so the index is their common z-score (-1, 0, 1)
    np.testing.assert_allclose(per.score, [0.0, 0.0, 0.0, -1.0, 0.0, 1.0], atol=1e-12)


def test_bad_indicators():
    d = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, 1.0, 1.0], "c": [1.0, 2, 4]})
    with pytest.raises(DataError, match="row 4 column 'a'"):
        entropy_index(d, ["a", "c"])
    with pytest.raises(ModelError, match=r"\['b'\] are constant"):
        entropy_index(d, ["b", "c"])
    with pytest.raises(ModelError, match="not among the indicators"):
        pca_index(d.fillna(0), ["a", "c"], negative=["x"])
