"""``smekit gmm`` writes the documented JSON (values checked against pgmm)."""

from __future__ import annotations

import json

import pytest
from cli_run import run_cli as _run

from smekit.cli import main


def test_gmm_cli_json(empl, pgmm_ref, tmp_path):
    data = tmp_path / "empl.csv"
    empl.to_csv(data, index=False)
    out = tmp_path / "g.json"
    _run(
        [
            "gmm",
            str(data),
            "--unit",
            "firm",
            "--time",
            "year",
            "--formula",
            "le ~ L(1:2).le + L(0:1).lw + lc + L(0:1).lo",
            "--gmm",
            "L(2:).le",
            "--time-effects",
            "--steps",
            "2",
            "--json",
            str(out),
            "--tables",
            str(tmp_path / "t"),
        ]
    )
    d = json.loads(out.read_text())
    ref = pgmm_ref["ab_b"]
    assert list(d["params"])[:7] == ["L1.le", "L2.le", "lw", "L1.lw", "lc", "lo", "L1.lo"]
    assert d["params"]["L1.le"] == pytest.approx(ref["coef"]["lag(log(emp), 1:2)1"], rel=1e-7)
    assert d["bse"]["L1.le"] == pytest.approx(ref["se_robust"]["lag(log(emp), 1:2)1"], rel=1e-6)
    assert set(d["ar1"]) == {"z", "p"} and set(d["hansen"]) == {"stat", "df", "p"}
    assert d["hansen"]["df"] == d["sargan"]["df"] == 25
    assert (d["n_instruments"], d["n_obs"], d["n_units"]) == (38, 611, 140)
    assert (tmp_path / "t" / "table_gmm.md").exists()


def test_gmm_cli_bad_term(empl, tmp_path, capsys):
    data = tmp_path / "empl.csv"
    empl.to_csv(data, index=False)
    with pytest.raises(SystemExit) as e:
        main(
            [
                "gmm",
                str(data),
                "--unit",
                "firm",
                "--time",
                "year",
                "--formula",
                "le ~ log(lw)",
                "--gmm",
                "L(2:).le",
            ]
        )
    assert e.value.code == 2
    assert "cannot read the term" in capsys.readouterr().err
