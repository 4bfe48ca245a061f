"""``smekit did`` writes the documented JSON keys."""

from __future__ import annotations

import json

import pytest
from cli_run import run_cli as _run


def test_did_cli_json(panel, did_ref, tmp_path):
    data = tmp_path / "p.csv"
    panel.to_csv(data, index=False)
    out = tmp_path / "d.json"
    _run(
        [
            "did",
            str(data),
            "--unit",
            "id",
            "--time",
            "t",
            "--outcome",
            "y",
            "--treat",
            "D",
            "--controls",
            "x",
            "--event-study",
            "--cohort",
            "g",
            "--estimator",
            "cs",
            "--placebo-units",
            "50",
            "--placebo-times",
            "50",
            "--seed",
            "3",
            "--json",
            str(out),
            "--tables",
            str(tmp_path / "t"),
        ]
    )
    d = json.loads(out.read_text())
    assert d["params"]["D"] == pytest.approx(did_ref["twfe"]["coef"]["D"], rel=1e-8)
    assert d["bse"]["D"] == pytest.approx(did_ref["twfe"]["se"]["D"], rel=1e-6)
    es = d["event_study"]
    assert set(es["coefficients"]) == {str(r) for r in did_ref["event"]["rel"]}
    assert set(es["pretrend"]) >= {"f", "df_num", "df_denom", "p"}
    cs = d["cs"]
    assert {"group", "time", "att", "se"} <= set(cs["att_gt"][0])
    assert set(cs["simple"]) == {"att", "se"} and {"att", "se"} <= set(cs["dynamic"])
    assert d["placebo"]["units"]["draws"] == 50 and 0 < d["placebo"]["units"]["p"] <= 1
    for f in ("table_did.md", "event_study.png", "event_study.svg", "placebo.png"):
        assert (tmp_path / "t" / f).exists()
