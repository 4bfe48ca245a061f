"""Tests for smekit.analysis.robust against R (MASS::rlm, quantreg/L1pack) and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import linprog
from statsmodels.datasets import longley, stackloss
from statsmodels.robust import norms

from smekit.analysis.design import build_design
from smekit.analysis.ols import fit_ols
from smekit.analysis.robust import (
    RobustResult,
    compare_ols_robust,
    fit_bisquare,
    fit_huber,
    fit_median,
)
from smekit.core.errors import ModelError

STACK_FORMULA = "STACKLOSS ~ AIRFLOW + WATERTEMP + ACIDCONC"
TERMS = ["Intercept", "AIRFLOW", "WATERTEMP", "ACIDCONC"]


@pytest.fixture(scope="module")
def stack():
    data = stackloss.load_pandas().data.copy()
    data["firm"] = [f"F{i:02d}" for i in range(1, len(data) + 1)]
    return build_design(data, STACK_FORMULA, id_column="firm")


def _reorder(values_const_last):
    """statsmodels' R results put the constant last; ours puts it first."""
    v = np.asarray(values_const_last, dtype=float)
    return np.r_[v[-1], v[:-1]]


# R output for rlm(stack.loss ~ ., stackloss) (MASS defaults: psi.huber, k = 1.345,
# scale.est = "MAD", init = "ls", maxit = 20, acc = 1e-4) and summary(fit) (method "XtX"),
# recorded in statsmodels/robust/tests/results/results_rlm.py, class Huber
# (params/bse with the constant last).
R_HUBER_PARAMS = _reorder([0.82937387, 0.92610818, -0.12784916, -41.02653105])
R_HUBER_BSE = _reorder([0.11118035, 0.3034081, 0.12885259, 9.8073472])
R_HUBER_SCALE = 2.4407137948148447
R_HUBER_WEIGHTS = np.array([1.0, 1.0, 0.7858871, 0.50494094, 1.0] + [1.0] * 15 + [0.36814106])
R_HUBER_TVALUES = _reorder([7.45971657, 3.0523516, -0.99221261, -4.18324448])

# R output for rlm(stack.loss ~ ., stackloss, psi = psi.bisquare), same file, class BiSquare.
R_BISQ_PARAMS = _reorder([0.9275471, 0.65073222, -0.11233103, -42.28525369])
R_BISQ_BSE = _reorder([0.10805398, 0.29487634, 0.12522928, 9.5315672])
R_BISQ_SCALE = 2.2818858795649497
R_BISQ_WEIGHTS = np.array(
    [
        *[0.89283149, 0.88496132, 0.79040651, 0.3358111, 0.94617358, 0.90040725, 0.96630596],
        *[0.99729171, 0.94968061, 0.99900087, 0.98959903, 0.99831448, 0.84731833, 0.96455873],
        *[0.91767906, 0.98724523, 0.99762848, 0.99694419, 0.98650731, 0.95897484, 0.00222999],
    ]
)

# R output of summary(lad(stack.loss ~ ., data = stackloss)) (L1pack, Barrodale-Roberts;
# the same LAD vertex as quantreg::rq(stack.loss ~ ., tau = 0.5)), as printed in
# F. Osorio's LAD influence-diagnostics replication script ("Estimate" column):
R_LAD_PARAMS = np.array([-39.68985507, 0.83188406, 0.57391304, -0.06086957])


class _RMad:
    """MASS's MAD scale, median(|r|) / 0.6745, in statsmodels' scale-callable form."""

    def __call__(self, model, resid):
        return float(np.median(np.abs(resid))) / 0.6745


def _sm_rlm(design, norm):
    model = sm.RLM(design.y, np.asarray(design.X), M=norm)
    return model.fit(conv="coefs", tol=1e-14, maxiter=500, scale_est=_RMad())


# --------------------------------------------------------------------------- Huber


def test_huber_matches_r_rlm_on_stackloss(stack):
    res = fit_huber(stack)
    assert isinstance(res, RobustResult)
    assert list(res.params.index) == TERMS
    np.testing.assert_allclose(res.params.to_numpy(), R_HUBER_PARAMS, rtol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), R_HUBER_BSE, rtol=1e-6)
    np.testing.assert_allclose(res.tvalues.to_numpy(), R_HUBER_TVALUES, rtol=1e-6)
    np.testing.assert_allclose(res.scale, R_HUBER_SCALE, rtol=1e-9)
    np.testing.assert_allclose(res.weights.to_numpy(), R_HUBER_WEIGHTS, rtol=1e-6)
    assert res.converged and res.n == 21
    assert res.method == "huber" and res.tuning == 1.345


def test_huber_weights_are_keyed_by_case_id(stack):
    res = fit_huber(stack)
    assert res.weights.index[20] == "F21"
    assert res.weights["F21"] == pytest.approx(0.36814106, rel=1e-6)
    assert res.weights["F04"] == pytest.approx(0.50494094, rel=1e-6)


def test_huber_fixed_point_matches_statsmodels_rlm(stack):
    """At tight convergence both IRLS schemes reach the same M-estimate and scale."""
    ours = fit_huber(stack, acc=1e-13, maxit=500)
    ref = _sm_rlm(stack, norms.HuberT(t=1.345))
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params, rtol=1e-8)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-8)
    np.testing.assert_allclose(ours.weights.to_numpy(), ref.weights, rtol=1e-8)


def test_huber_se_closed_form_against_statsmodels_h1(stack):
    """summary.rlm's SE equals statsmodels' H1 once kappa uses var(psi', ddof=1) as R does."""
    ours = fit_huber(stack, acc=1e-13, maxit=500)
    ref = _sm_rlm(stack, norms.HuberT(t=1.345))
    norm = norms.HuberT(t=1.345)
    u = ref.resid / ref.scale
    dpsi = norm.psi_deriv(u)
    n, p = stack.X.shape
    kappa_sm = 1 + p / n * np.var(dpsi) / np.mean(dpsi) ** 2
    kappa_r = 1 + p * np.var(dpsi, ddof=1) / (n * np.mean(dpsi) ** 2)
    np.testing.assert_allclose(ours.bse.to_numpy(), ref.bse * kappa_r / kappa_sm, rtol=1e-8)


def test_huber_on_ill_conditioned_longley_matches_statsmodels():
    data = longley.load_pandas().data
    d = build_design(data, "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR")
    ours = fit_huber(d, acc=1e-11, maxit=500)
    assert ours.converged
    ref = _sm_rlm(d, norms.HuberT(t=1.345))
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params, rtol=1e-8)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-8)


def test_least_squares_step_reproduces_nist_longley(nist_longley_params):
    """With k huge every weight is 1, so one IRLS step is OLS: NIST StRD certified values."""
    data = longley.load_pandas().data
    d = build_design(data, "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR")
    res = fit_huber(d, k=1e12, maxit=1)
    np.testing.assert_allclose(res.params.to_numpy(), nist_longley_params, rtol=1e-9)


def test_huber_on_random_data_matches_statsmodels():
    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    df["y"] = 1 + df.a - 2 * df.b + 0.5 * df.c + rng.standard_t(2, size=n)
    d = build_design(df, "y ~ a + b + c")
    ours = fit_huber(d, acc=1e-13, maxit=500)
    ref = _sm_rlm(d, norms.HuberT(t=1.345))
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params, rtol=1e-8)
    np.testing.assert_allclose(
        ours.pvalues.to_numpy(),
        2 * sm.stats.stattools.stats.norm.sf(np.abs(ours.params.to_numpy() / ours.bse.to_numpy())),
        rtol=1e-12,
    )


def test_huber_stops_at_first_step_meeting_acc(stack):
    """R's rule: stop after the first step whose relative residual change is <= acc."""
    res = fit_huber(stack)
    assert res.converged
    with pytest.warns(RuntimeWarning, match="did not converge"):
        short = fit_huber(stack, maxit=res.n_iter - 1)
    assert not short.converged
    # one more step from a converged fit changes the residuals by less than acc
    y, X = stack.y, stack.X
    r_prev = y - X @ short.params.to_numpy()
    r_last = y - X @ res.params.to_numpy()
    change = np.sqrt(np.sum((r_prev - r_last) ** 2) / np.sum(r_prev**2))
    assert change <= 1e-4


def test_huber_not_converged_warns(stack):
    with pytest.warns(RuntimeWarning, match="did not converge"):
        res = fit_huber(stack, maxit=1)
    assert res.converged is False and res.n_iter == 1


# --------------------------------------------------------------------------- bisquare


def test_bisquare_matches_r_rlm_on_stackloss(stack):
    res = fit_bisquare(stack)
    np.testing.assert_allclose(res.params.to_numpy(), R_BISQ_PARAMS, rtol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), R_BISQ_BSE, rtol=1e-6)
    np.testing.assert_allclose(res.scale, R_BISQ_SCALE, rtol=1e-9)
    np.testing.assert_allclose(res.weights.to_numpy(), R_BISQ_WEIGHTS, rtol=1e-5, atol=1e-8)
    assert res.method == "bisquare" and res.converged


def test_bisquare_fixed_point_matches_statsmodels(stack):
    ours = fit_bisquare(stack, acc=1e-13, maxit=500)
    ref = _sm_rlm(stack, norms.TukeyBiweight(c=4.685))
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params, rtol=1e-8)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-8)


def test_bisquare_all_weight_on_few_cases_is_model_error():
    """A dummy that is 1 only on two gross outliers gets zero weight: singular WLS."""
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"x": rng.normal(size=n), "d": 0.0})
    df["y"] = df.x + rng.normal(scale=0.1, size=n)
    df.loc[[5, 17], "d"] = 1.0
    df.loc[[5, 17], "y"] = [1e6, -1e6]
    d = build_design(df, "y ~ x + d")
    with pytest.raises(ModelError, match="singular"):
        fit_bisquare(d)


# --------------------------------------------------------------------------- median


def _lad_linprog(X, y):
    """LAD as a linear programme (HiGHS): min 1'(u+ + u-) s.t. X b + u+ - u- = y."""
    n, p = X.shape
    c = np.r_[np.zeros(p), np.ones(2 * n)]
    A = np.hstack([X, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    sol = linprog(c, A_eq=A, b_eq=y, bounds=bounds, method="highs")
    return sol.x[:p]


def test_median_matches_published_lad_on_stackloss(stack):
    res = fit_median(stack)
    # published to 8 decimals
    np.testing.assert_allclose(res.params.to_numpy(), R_LAD_PARAMS, rtol=1e-6)
    np.testing.assert_allclose(res.params.to_numpy(), R_LAD_PARAMS, atol=6e-9)
    # independent exact LP solution
    np.testing.assert_allclose(res.params.to_numpy(), _lad_linprog(stack.X, stack.y), rtol=1e-8)
    assert res.weights is None and res.method == "median"


def test_median_se_is_statsmodels_quantreg(stack):
    res = fit_median(stack)
    ref = sm.QuantReg(stack.y, np.asarray(stack.X)).fit(q=0.5)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse, rtol=1e-12)
    t = res.params.to_numpy() / ref.bse
    from scipy import stats

    np.testing.assert_allclose(res.pvalues.to_numpy(), 2 * stats.t.sf(np.abs(t), 17), rtol=1e-10)
    resid = stack.y - stack.X @ res.params.to_numpy()
    assert res.scale == pytest.approx(np.median(np.abs(resid)) / 0.6745, rel=1e-12)


def test_median_on_random_data_matches_linprog():
    rng = np.random.default_rng(11)
    n = 120
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = X @ np.array([1.0, 2.0, -1.0]) + rng.laplace(size=n)
    df = pd.DataFrame({"y": y, "a": X[:, 1], "b": X[:, 2]})
    res = fit_median(build_design(df, "y ~ a + b"))
    np.testing.assert_allclose(res.params.to_numpy(), _lad_linprog(X, y), rtol=1e-8)


# --------------------------------------------------------------------------- results and comparison


def test_to_frame_and_to_dict(stack):
    res = fit_huber(stack)
    frame = res.to_frame()
    assert list(frame.columns) == ["term", "coef", "se", "t", "p"]
    assert frame["term"].tolist() == TERMS
    d = res.to_dict()
    for key in ("params", "bse", "scale", "method", "n_iter", "converged"):
        assert key in d
    assert d["params"]["AIRFLOW"] == pytest.approx(0.82937387, rel=1e-6)
    assert isinstance(d["scale"], float) and d["converged"] is True
    import json

    json.dumps(d)


def test_compare_ols_robust(stack):
    ols = sm.OLS(stack.y, np.asarray(stack.X)).fit()
    rob = fit_huber(stack)
    table = compare_ols_robust(fit_ols(stack), rob)
    pd.testing.assert_frame_equal(table, compare_ols_robust(ols, rob), rtol=1e-10)
    assert table.columns.tolist() == [
        "term",
        "ols_coef",
        "ols_se",
        "robust_coef",
        "robust_se",
        "diff",
        "diff_in_se",
    ]
    np.testing.assert_allclose(table["ols_coef"], ols.params, rtol=1e-12)
    np.testing.assert_allclose(table["diff"], R_HUBER_PARAMS - ols.params, rtol=1e-6)
    np.testing.assert_allclose(
        table["diff_in_se"], (R_HUBER_PARAMS - ols.params) / ols.bse, rtol=1e-6
    )
    np.testing.assert_allclose(table["ols_se"], ols.bse, rtol=1e-10)
    np.testing.assert_allclose(table["robust_se"], R_HUBER_BSE, rtol=1e-6)


def test_compare_with_mismatched_terms_is_model_error(stack):
    rob = fit_huber(stack)

    class Fake:
        params = pd.Series({"Intercept": 1.0, "other": 2.0})
        bse = pd.Series({"Intercept": 1.0, "other": 2.0})

    with pytest.raises(ModelError, match="different terms"):
        compare_ols_robust(Fake(), rob)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"k": 0.0}, "tuning constant"), ({"maxit": 0}, "maxit"), ({"acc": -1.0}, "acc")],
)
def test_bad_options_are_model_errors(stack, kwargs, match):
    with pytest.raises(ModelError, match=match):
        fit_huber(stack, **kwargs)


def test_zero_mad_scale_is_model_error():
    x = np.arange(20, dtype=float)
    df = pd.DataFrame({"x": x, "y": 2 * x + 1})
    d = build_design(df, "y ~ x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ModelError, match="MAD scale is 0"):
            fit_huber(d)


def test_infinite_value_is_model_error(stack):
    y = stack.y.copy()
    y[3] = np.inf
    bad = type(stack)(
        formula=stack.formula,
        outcome=stack.outcome,
        y=y,
        X=stack.X,
        names=stack.names,
        ids=stack.ids,
        dropped=stack.dropped,
        variables=stack.variables,
    )
    with pytest.raises(ModelError, match="infinite in row 'F04'"):
        fit_huber(bad)
