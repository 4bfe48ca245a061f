"""The S3 stages on the demo study: files written and the true ATT inside the reported CIs."""

from __future__ import annotations

import json

import pytest

from smekit.context import RunContext
from smekit.demo import write_demo
from smekit.stages import did, panel
from smekit.study import load_study


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "study"
    write_demo(root)
    text = (root / "study.yaml").read_text()
    # fewer draws and resamples keep the test fast; the defaults are 500 + 500 and 1,000
    text = text.replace(
        "  s3: data/panel_s3.csv",
        "  s3:\n    data: data/panel_s3.csv\n"
        "    placebo: {units: 100, times: 100}\n    n_boot: 100",
    )
    (root / "study.yaml").write_text(text)
    st = load_study(root)
    ctx = RunContext(study=st)
    for stage in [panel.STAGES[0], *did.GMM_STAGES, *did.STAGES]:
        stage.run(ctx)
    truth = json.loads((root / "truth.json").read_text())
    return root, ctx, truth


def test_outputs_written(run):
    root, _, _ = run
    out = root / "results"
    for f in (
        "did/did.json",
        "did/table_did.md",
        "did/table_did.docx",
        "did/table_robustness.md",
        "did/event_study.png",
        "did/event_study.svg",
        "did/placebo.png",
        "did/placebo.svg",
        "did/psm_balance.csv",
        "did/heterogeneity.csv",
        "did/mediation.csv",
        "did/preparation.csv",
        "gmm/gmm.json",
        "gmm/table_gmm.md",
    ):
        assert (out / f).exists(), f


def test_true_att_inside_the_reported_intervals(run):
    root, _, truth = run
    att = truth["panel_s3"]["att"]
    o = json.loads((root / "results/did/did.json").read_text())
    lo, hi = o["twfe"]["conf_int"]["did"]
    assert lo < att < hi
    lo, hi = o["psm_did"]["conf_int"]
    assert lo < att < hi
    s = o["cs"]["simple"]
    assert abs(s["att"] - att) < 1.96 * s["se"]
    # every post-adoption event-study interval covers the constant effect, every lead covers 0
    for rel, (lo, hi) in o["event_study"]["conf_int"].items():
        target = att if int(rel) >= 0 else 0.0
        assert lo < target < hi, rel
    assert o["placebo"]["units"]["draws"] == 100
    assert o["placebo"]["units"]["p"] < 0.05


def test_preparation_logged(run):
    root, _, truth = run
    o = json.loads((root / "results/did/did.json").read_text())
    s3 = truth["panel_s3"]
    # the city with four consecutive missing years is dropped (more than max_gap = 3)
    assert o["n_units"] == s3["n_cities"] - 1
    assert o["n_rows"] == s3["n_rows"] - 11


def test_gmm_for_s2(run):
    root, _, _ = run
    g = json.loads((root / "results/gmm/gmm.json").read_text())
    two = g["two_step"]
    assert two["n_instruments"] < two["n_units"] == 30
    assert set(two["ar2"]) == {"z", "p"} and two["hansen"]["df"] > 0
