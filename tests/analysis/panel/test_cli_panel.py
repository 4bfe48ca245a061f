"""``smekit panel``, ``smekit iv`` and ``smekit index``: JSON keys and values, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REF = Path(__file__).resolve().parents[1] / "reference" / "panel"


@pytest.fixture(scope="module")
def grunfeld_csv(tmp_path_factory):
    import statsmodels.api as sm

    path = tmp_path_factory.mktemp("cli") / "grunfeld.csv"
    sm.datasets.grunfeld.load_pandas().data.to_csv(path, index=False)
    return path


def test_panel_json(cli, grunfeld_csv, tmp_path):
    ref = json.loads((REF / "panel_fe.json").read_text())["twoways"]
    out = tmp_path / "p.json"
    res = cli(
        "panel",
        str(grunfeld_csv),
        "--unit",
        "firm",
        "--time",
        "year",
        "--formula",
        "invest ~ value + capital",
        "--cluster",
        "firm",
        "--json",
        str(out),
        "--tables",
        str(tmp_path / "t"),
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert (d["n"], d["n_units"], d["n_periods"], d["n_clusters"]) == (220, 11, 20, 11)
    assert d["df_resid"] == ref["df_resid"]
    assert d["bse"]["value"] == pytest.approx(ref["se_cluster_fixest"][0], rel=1e-8)
    assert d["bse_classical"]["capital"] == pytest.approx(ref["se_classical"][1], rel=1e-8)
    assert d["pvalues"]["value"] == pytest.approx(ref["p_cluster_fixest"][0], rel=1e-6)
    assert (tmp_path / "t" / "panel.docx").exists()


def test_iv_json(cli, tmp_path):
    ref = json.loads((REF / "iv.json").read_text())
    out = tmp_path / "iv.json"
    res = cli(
        "iv",
        str(REF / "cigarettes_sw.csv"),
        "--formula",
        "lpacks ~ lrincome | lrprice ~ tdiff + rtax",
        "--robust",
        "--json",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    assert d["bse"]["lrprice"] == pytest.approx(ref["se_hc1"][2], rel=1e-8)
    assert d["bse_robust"] == d["bse"]
    fs = d["first_stage"]
    assert fs["partial_r2"] == pytest.approx(ref["partial_r2"], rel=1e-10)
    assert fs["f"] == pytest.approx(ref["F_hc1"], rel=1e-10)
    assert fs["cragg_donald_f"] == pytest.approx(ref["cragg_donald_f"], rel=1e-10)
    assert fs["kleibergen_paap_f"] == pytest.approx(ref["F_hc1"], rel=1e-10)
    assert fs["anderson_lm"] == pytest.approx(ref["anderson_lm"], rel=1e-10)
    assert 0 < fs["anderson_lm_pvalue"] < 1e-8
    assert d["stock_yogo"]["cragg_donald"]["size"]["10%"] == 19.93
    assert d["overid"]["sargan"]["stat"] == pytest.approx(ref["sargan"], rel=1e-10)


def test_index_json(cli, tmp_path):
    ref = json.loads((REF / "indices.json").read_text())
    out = tmp_path / "i.json"
    res = cli(
        "index",
        str(REF / "usarrests.csv"),
        "--method",
        "entropy",
        "--indicators",
        "Murder,Assault,UrbanPop,Rape",
        "--negative",
        "Murder,Assault,Rape",
        "--json",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    d = json.loads(out.read_text())
    w = [r["weight"] for r in d["weights"]]
    assert w == pytest.approx(ref["entropy_negative_shift"]["weight"], rel=1e-12)
    assert d["scores"] == pytest.approx(ref["entropy_negative_shift"]["score"], rel=1e-12)
    res = cli(
        "index",
        str(REF / "attitude.csv"),
        "--method",
        "pca",
        "--indicators",
        "rating,complaints,privileges,learning,raises,critical,advance",
        "--json",
        str(out),
    )
    assert res.returncode == 0 and json.loads(out.read_text())["kmo"] == pytest.approx(ref["kmo"])


def test_errors_are_one_line(cli, grunfeld_csv):
    res = cli(
        "panel", str(grunfeld_csv), "--unit", "firm", "--time", "year", "--formula", "invest ~ nope"
    )
    assert res.returncode == 2 and "'nope' not found" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = cli("iv", str(REF / "cigarettes_sw.csv"), "--formula", "lpacks ~ lrprice")
    assert res.returncode == 2 and "exog1 + exog2 | endog ~ z1 + z2" in res.stderr
