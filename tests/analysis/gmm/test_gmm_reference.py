"""Difference and system GMM against R plm's ``pgmm`` and the published Arellano-Bond tables.

Sources:
* R plm 2.6-2, ``pgmm`` examples (``?pgmm``), run by ``reference/pgmm_emplUK.R``;
  robust SEs are ``vcovHC(fit)`` (Windmeijer-corrected for two steps), AR tests
  are those of ``summary(fit, robust = TRUE)``, Hansen is ``sargan(fit, "twosteps")``.
* Arellano, M., & Bond, S. (1991), Table 4, column (b) (two-step coefficients,
  Sargan chi2(25) = 30.11), and Windmeijer, F. (2005), *Journal of
  Econometrics* 126, Table 2 (corrected two-step SEs), as reproduced by plm's
  and xtabond2's documentation.
"""

from __future__ import annotations

import numpy as np
import pytest

from smekit.analysis.gmm import dynamic_gmm

CASES = {
    "ab_b": dict(formula="le ~ L(1:2).le + L(0:1).lw + lc + L(0:1).lo", gmm="L(2:).le", steps=2),
    "ab_a1": dict(
        formula="le ~ L(1:2).le + L(0:1).lw + L(0:2).lc + L(0:2).lo", gmm="L(2:).le", steps=1
    ),
    "ab_b_collapse": dict(
        formula="le ~ L(1:2).le + L(0:1).lw + lc + L(0:1).lo",
        gmm="L(2:).le",
        steps=2,
        collapse=True,
    ),
    "bb_4": dict(
        formula="le ~ L.le + L(0:1).lw + L(0:1).lc",
        gmm="L(2:).le L(2:).lw L(2:).lc",
        steps=1,
        transform="system",
    ),
    "bb_4_twostep": dict(
        formula="le ~ L.le + L(0:1).lw + L(0:1).lc",
        gmm="L(2:).le L(2:).lw L(2:).lc",
        steps=2,
        transform="system",
    ),
}


@pytest.fixture(scope="module")
def fits(empl):
    return {k: dynamic_gmm(empl, "firm", "year", **kw) for k, kw in CASES.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_pgmm(case, fits, pgmm_ref):
    r, ref = fits[case], pgmm_ref[case]
    # pgmm orders coefficients as the formula, then the time effects: so does smekit
    np.testing.assert_allclose(r.params.to_numpy(), list(ref["coef"].values()), rtol=1e-7)
    np.testing.assert_allclose(r.bse.to_numpy(), list(ref["se_robust"].values()), rtol=1e-6)
    assert r.ar1.stat == pytest.approx(ref["ar1"]["z"][0][0], rel=1e-6)
    assert r.ar2.stat == pytest.approx(ref["ar2"]["z"][0][0], rel=1e-6)
    assert r.ar2.p == pytest.approx(ref["ar2"]["p"][0][0], rel=1e-6)
    assert r.hansen.stat == pytest.approx(ref["hansen"]["stat"], rel=1e-7)
    assert r.hansen.df == ref["hansen"]["df"]
    assert r.hansen.p == pytest.approx(ref["hansen"]["p"], rel=1e-6)
    assert r.sargan.stat == pytest.approx(ref["sargan"]["stat"], rel=1e-7)
    assert r.n_instruments == ref["n_instruments"]
    assert r.n_units == ref["n_units"]


def test_two_step_conventional_ses_match_pgmm(fits, pgmm_ref):
    # summary(ab.b, robust = FALSE): the uncorrected two-step SEs Arellano & Bond reported
    ref = pgmm_ref["ab_b"]["se_nonrobust"]
    np.testing.assert_allclose(fits["ab_b"].bse_nonrobust.to_numpy(), list(ref.values()), rtol=1e-7)


def test_published_arellano_bond_table4b(fits):
    r = fits["ab_b"]
    published = {  # AB (1991) Table 4 (b); Windmeijer (2005) Table 2 corrected SEs
        "L1.le": (0.4742, 0.1854),
        "L2.le": (-0.0530, 0.0517),
        "lw": (-0.5132, 0.1456),
        "L1.lw": (0.2246, 0.1419),
        "lc": (0.2927, 0.0626),
        "lo": (0.6098, 0.1563),
        "L1.lo": (-0.4464, 0.2173),
    }
    for term, (b, se) in published.items():
        assert r.params[term] == pytest.approx(b, abs=6e-5)
        assert r.bse[term] == pytest.approx(se, abs=6e-5)
    assert r.hansen.stat == pytest.approx(30.11, abs=0.005)
    assert r.hansen.df == 25
    assert r.n_obs == 611


def test_result_protocol(fits):
    r = fits["bb_4_twostep"]
    e = r.estimates
    assert e.distribution == "z" and e.cov_type == "windmeijer"
    ci = e.conf_int()
    assert ci.loc["L1.le", "lower"] < r.params["L1.le"] < ci.loc["L1.le", "upper"]
    d = r.to_dict()
    assert set(d["ar1"]) == {"z", "p"} and set(d["hansen"]) == {"stat", "df", "p"}
    assert d["n_instruments"] == 113 and d["n_units"] == 140
    # the level instruments of system GMM get a difference-in-Hansen test
    groups = set(r.diff_hansen["group"])
    assert "GMM instruments for levels" in groups
    row = r.diff_hansen.set_index("group").loc["GMM instruments for levels"]
    assert row["difference"] == pytest.approx(r.hansen.stat - row["hansen_excluding"])
    assert row["df"] == r.hansen.df - row["df_excluding"]


def test_instrument_count_warning(fits):
    # 113 instruments for 140 firms: no warning; collapsing is the usual remedy
    assert not any("exceed" in w for w in fits["bb_4"].warnings)
