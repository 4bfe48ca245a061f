"""The S2 stages on the demo panel: outputs written, and the true effects inside the CIs.

The demo's indices are on arbitrary scales, so the truth check reruns the stages with
``outcome`` and ``regressor`` set to the latent columns the demo generated the
indicators from (``truth.json`` ``latent``), on which the true effects are defined.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from smekit.context import RunContext
from smekit.stages.panel import STAGES
from smekit.study import load_study

N_BOOT = 300


def _run(tmp, frame, extra=""):
    (tmp / "data").mkdir(parents=True)
    frame.to_csv(tmp / "data" / "panel_s2.csv", index=False)
    (tmp / "study.yaml").write_text(
        f"name: s2\nseed: 1\npanels:\n  s2:\n    data: data/panel_s2.csv\n"
        f"    n_boot: {N_BOOT}\n{extra}"
    )
    ctx = RunContext(load_study(tmp))
    for stage in STAGES:
        assert stage.applies(ctx.study.config)
        stage.run(ctx)
    return ctx, json.loads((tmp / "results" / "panel" / "panel.json").read_text())


@pytest.fixture(scope="module")
def demo_run(s2_demo, tmp_path_factory):
    frame, _ = s2_demo
    return _run(tmp_path_factory.mktemp("s2") / "demo", frame)


@pytest.fixture(scope="module")
def latent_run(s2_demo, tmp_path_factory):
    frame, truth = s2_demo
    lat = pd.DataFrame(truth["latent"])
    d = frame.merge(lat, on=["province_id", "year"])
    extra = "    outcome: resilience\n    regressor: digital_economy\n"
    return _run(tmp_path_factory.mktemp("s2") / "latent", d, extra)


def test_outputs_written(demo_run):
    ctx, out = demo_run
    res = ctx.study.results_dir / "panel"
    for name in (
        "baseline",
        "robustness",
        "iv",
        "mediation_trade_dependence",
        "heterogeneity_region",
        "heterogeneity_policy",
    ):
        for ext in ("md", "html", "docx"):
            assert (res / f"{name}.{ext}").stat().st_size > 0
    for name in ("preparation.csv", "index_weights.csv", "iv_first_stage.csv", "mediation.csv"):
        assert (res / name).exists()
    md = (res / "baseline.md").read_text()
    assert "Unit FE" in md and "Clusters" in md and "| (4)" in md
    prep = pd.read_csv(res / "preparation.csv")
    assert (prep["action"] == "interpolated").sum() > 0
    assert out["robustness"]["Lagged regressor"]["n"] == 270
    assert out["indices"]["regressor"]["method"] == "entropy"
    assert out["indices"]["outcome"]["n_components"] >= 1
    # the index-based baseline finds the positive effect the demo builds in
    b4 = out["baseline"]["(4)"]
    assert b4["params"]["core_index"] > 0 and b4["pvalues"]["core_index"] < 0.01
    assert "Cragg-Donald" in (res / "iv.md").read_text()


def test_true_effects_inside_reported_cis(latent_run, s2_demo):
    _, truth = s2_demo
    _, out = latent_run
    x = "digital_economy"
    lo, hi = out["baseline"]["(4)"]["conf_int"][x]
    assert lo < truth["effect_total"] < hi
    lo, hi = out["iv"]["conf_int"][x]
    assert lo < truth["effect_total"] < hi
    assert (
        out["iv"]["first_stage"]["cragg_donald_f"]
        > out["iv"]["stock_yogo"]["cragg_donald"]["size"]["10%"]
    )
    for m, t in truth["mediators"].items():
        eff = out["mediation"][m]["effects"]
        lo, hi = eff["indirect"]["bca"]
        assert lo < t["indirect"] < hi, m
    lo, hi = out["mediation"]["trade_dependence"]["effects"]["direct"]["bca"]
    assert lo < truth["effect_direct"] < hi
    # no heterogeneity in the demo's effect: both splits' CIs cover the truth
    for split in out["heterogeneity"].values():
        for g in split["groups"]:
            assert g["ci_low"] < truth["effect_total"] < g["ci_high"]
