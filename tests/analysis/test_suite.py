"""The regression suite end to end: the demo's true effects, the JSON schema, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from smekit.analysis.suite import run_suite
from smekit.core.errors import ModelError

PREDICTORS = ["digital_tools", "supply_chain_div", "employee_training", "customer_engagement"]
FORMULA = "digital_transformation ~ " + " + ".join(PREDICTORS)


@pytest.fixture(scope="module")
def demo(analysed_demo):
    return analysed_demo.demo, analysed_demo.ctx


def test_demo_true_coefficients_inside_cis(demo):
    study, ctx = demo
    suite = ctx.results["regression"]
    truth = study.truth["survey"]["coefficients"]
    ci = suite.ols.conf_int()
    for term in PREDICTORS:
        assert ci.loc[term, "lower"] <= truth[term] <= ci.loc[term, "upper"], term
        assert suite.ols.pvalues[term] < 0.001
    # S1: customer engagement has the largest effect, in the truth and in the estimate
    assert max(truth, key=truth.get) == "customer_engagement"
    assert suite.ols.params[PREDICTORS].idxmax() == "customer_engagement"
    assert suite.ols.nobs == 300


def test_demo_planted_firm_flagged_and_reset_not_significant(demo):
    study, ctx = demo
    suite = ctx.results["regression"]
    planted = study.truth["survey"]["influential"]
    planted_id = planted["id"] if isinstance(planted, dict) else planted
    flagged = suite.influence.flagged.set_index("id")
    assert planted_id in flagged.index
    assert "leverage_gt_2p" in flagged.loc[planted_id, "rules"]
    assert suite.influence.cooks_d.argmax() == list(suite.design.ids).index(planted_id)
    assert suite.reset.pvalue > 0.05
    assert suite.subgroups is not None
    assert set(suite.subgroups.levels) == {"Retail", "Manufacturing", "Services"}


def test_demo_results_written(demo):
    study, _ = demo
    out = study.root / "results" / "regression"
    data = json.loads((out / "suite.json").read_text())
    assert data["n"] == 300
    assert "F004" in data["influence"]["cooks_d"]
    table = (out / "table_main.md").read_text()
    assert "Digital tools adoption" in table and "Huber M" in table
    for name in ("residuals_vs_fitted", "normal_qq", "residuals_vs_leverage", "cooks_distance"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 5000
        assert (out / "figures" / f"{name}.svg").exists()


def test_cli_json_schema(demo, tmp_path):
    study, _ = demo
    data = study.root / "results" / "survey" / "analysis_frame.parquet"
    out = tmp_path / "r.json"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "smekit",
            "regress",
            str(data),
            "--formula",
            FORMULA,
            "--id",
            "respondent_id",
            "--subgroup",
            "sector",
            "--min-group-size",
            "30",
            "--interactions",
            "digital_tools,customer_engagement",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    terms = {"Intercept", *PREDICTORS}
    assert d["n"] == 300
    for key in ("params", "bse", "pvalues"):
        assert set(d["ols"][key]) == terms
    assert 0 < d["ols"]["rsquared"] < 1
    assert set(d["vif"]) == set(PREDICTORS)
    for key in ("fstat", "pvalue", "df_num", "df_denom"):
        assert key in d["reset"]
    assert d["reset"]["df_num"] == 2
    assert {"lm", "pvalue"} <= set(d["breusch_pagan"])
    for key in ("cooks_d", "leverage", "dfbetas"):
        assert len(d["influence"][key]) == 300
    assert set(d["influence"]["dfbetas"]["F004"]) == terms
    assert any(f["id"] == "F004" for f in d["influence"]["flagged"])
    assert set(d["huber"]["params"]) == terms and d["huber"]["scale"] > 0
    assert set(d["huber"]["bse"]) == terms
    for level in ("1", "2", "3"):
        assert set(d["subgroups"][level]["params"]) == terms
    assert 0 <= d["subgroups"]["equality_test"]["pvalue"] <= 1
    assert d["subgroups"]["equality_test"]["fstat"] > 0


def test_json_rows_keyed_by_position_without_id(demo):
    _, ctx = demo
    frame = ctx.results["analysis_frame"].drop(columns=["respondent_id"])
    d = run_suite(frame, FORMULA, alternatives=False).to_dict()
    assert list(d["influence"]["cooks_d"])[:3] == ["0", "1", "2"]


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x1", "x2", "x3"])
    df["y"] = df @ np.array([1.0, 0.5, -0.5]) + rng.normal(size=n)
    df["g"] = np.where(np.arange(n) < 3, "tiny", "big")
    df["word"] = "a"
    return df


@pytest.mark.parametrize(
    ("change", "formula", "fragment"),
    [
        (lambda d: d.assign(x3=1.0), "y ~ x1 + x2 + x3", "constant"),
        (lambda d: d.assign(x3=d.x1 + d.x2), "y ~ x1 + x2 + x3", "perfectly collinear"),
        (lambda d: d.head(3), "y ~ x1 + x2 + x3", "more rows than parameters"),
        (lambda d: d, "y ~ x1 + word", "not numeric"),
        (lambda d: d, "y ~ x1 + nope", "not found"),
    ],
)
def test_bad_input_is_one_clear_model_error(change, formula, fragment):
    with pytest.raises(ModelError, match=fragment):
        run_suite(change(_frame()), formula)


def test_missing_values_are_dropped_and_reported():
    df = _frame()
    df.loc[[5, 9], "x2"] = np.nan
    suite = run_suite(df, "y ~ x1 + x2 + x3", alternatives=False)
    assert suite.ols.nobs == 58
    assert suite.design.n_dropped == 2
    assert any("2 rows dropped" in w for w in suite.warnings)


def test_tiny_subgroup_is_skipped_with_a_note_not_a_python_warning():
    df = _frame(120)
    df.loc[60:, "g"] = "other"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak as a Python warning
        suite = run_suite(df, "y ~ x1 + x2", subgroup="g", min_group_size=10)
    assert suite.subgroups.levels == ("big", "other")
    assert suite.subgroups.skipped["level"].tolist() == ["tiny"]
    notes = [w for w in suite.warnings if "'tiny' skipped: 3 rows" in w]
    assert len(notes) == 1  # recorded once


def test_subgroups_skipped_when_fewer_than_two_groups_remain_rest_is_fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        suite = run_suite(_frame(120), "y ~ x1 + x2", subgroup="g", min_group_size=10)
    assert suite.subgroups is None
    assert "fewer than two levels" in suite.skipped["subgroups"]
    assert any(
        w.startswith("Subgroup models by 'g' skipped: fewer than two") for w in suite.warnings
    )
    assert suite.huber is not None and suite.reset is not None and suite.median is not None
    out = suite.to_dict()
    assert "fewer than two levels" in out["skipped"]["subgroups"]
    assert "subgroups" not in out
