"""``smekit regress`` on awkward inputs: failures name the file, optional parts are skipped."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def _frame(n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return pd.DataFrame(
        {"y": 1 + x @ [0.5, -0.4] + rng.normal(size=n), "x1": x[:, 0], "x2": x[:, 1]}
    )


def _duncan_shaped(seed: int = 3) -> pd.DataFrame:
    """Same shape as Duncan's occupational prestige data (carData::Duncan): 45 occupations,
    type bc / prof / wc with 21 / 18 / 6 rows, prestige ~ income + education."""
    rng = np.random.default_rng(seed)
    kind = np.repeat(["bc", "prof", "wc"], [21, 18, 6])
    income = rng.uniform(7, 81, 45).round()
    education = rng.uniform(7, 100, 45).round()
    prestige = (0.6 * income + 0.55 * education - 6 + rng.normal(0, 13, 45)).round()
    return pd.DataFrame(
        {"type": kind, "income": income, "education": education, "prestige": prestige}
    )


def test_text_cell_is_reported_with_row_and_column(tmp_path, cli):
    data = _frame()
    data["x2"] = data["x2"].astype(object)
    data.loc[7, "x2"] = "n/a?"
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    res = cli("regress", str(path), "-f", "y ~ x1 + x2")
    assert res.returncode != 0
    message = res.stdout + res.stderr
    assert str(path) in message and "'x2'" in message
    assert "data row 8" in message and "'n/a?'" in message


def test_text_cell_row_names_the_id(tmp_path):
    from smekit.analysis.design import build_design
    from smekit.core.errors import ModelError

    data = _frame().assign(firm=[f"F{i:02d}" for i in range(30)])
    data["x1"] = data["x1"].astype(object)
    data.loc[3, "x1"] = "–"
    data.loc[9, "x1"] = "?"
    with pytest.raises(ModelError, match=r"data row 4 \(firm = 'F03'\) has '–'; 1 more text"):
        build_design(data, "y ~ x1 + x2", "firm")


@pytest.mark.parametrize("name", ["data.csv", "data.txt"])
def test_binary_file_error_names_the_file(tmp_path, cli, name):
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 40)
    res = cli("regress", str(path), "-f", "y ~ x1")
    assert res.returncode != 0
    message = res.stdout + res.stderr
    assert str(path) in message and "binary" in message
    assert "unexpected" not in message.lower()


def test_corrupt_sav_error_names_the_file(tmp_path, cli):
    path = tmp_path / "export.sav"
    path.write_bytes(b"$FL2@(#) IBM SPSS STATISTICS" + bytes(range(256)) * 4)
    res = cli("regress", str(path), "-f", "y ~ x1")
    assert res.returncode != 0
    message = res.stdout + res.stderr
    assert str(path) in message and "SPSS" in message


def test_real_sav_file_is_read(tmp_path, cli):
    import pyreadstat

    path = tmp_path / "export.sav"
    pyreadstat.write_sav(_frame(), str(path))
    out = tmp_path / "r.json"
    res = cli("regress", str(path), "-f", "y ~ x1 + x2", "--json", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(out.read_text())["n"] == 30


def test_five_rows_four_parameters_skips_reset_and_writes_the_rest(tmp_path, cli):
    data = pd.DataFrame(
        {
            "y": [1.0, 3.0, 2.0, 5.0, 4.5],
            "x1": [1.0, 2.0, 3.0, 4.0, 5.0],
            "x2": [2.0, 1.0, 4.0, 3.0, 5.5],
            "x3": [0.0, 1.0, 0.0, 1.0, 1.0],
        }
    )
    path = tmp_path / "n5.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "r.json"
    res = cli("regress", str(path), "-f", "y ~ x1 + x2 + x3", "--json", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    result = json.loads(out.read_text())
    assert result["reset"] is None
    assert "RESET needs more than 6 rows" in result["skipped"]["reset"]
    assert any(w.startswith("RESET skipped:") for w in result["warnings"])
    assert result["ols"]["params"]["x1"] is not None and result["huber"] is not None
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("Note: RESET skipped")]
    assert len(lines) == 1
    assert "Warning" not in res.stderr and "warnings.warn" not in res.stderr


def test_duncan_shaped_subgroups_too_small_rest_is_fitted(tmp_path, cli):
    path = tmp_path / "duncan.csv"
    _duncan_shaped().to_csv(path, index=False)
    out = tmp_path / "r.json"
    res = cli(
        "regress",
        str(path),
        "-f",
        "prestige ~ income + education",
        "--subgroup",
        "type",
        "--json",
        str(out),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    result = json.loads(out.read_text())
    assert "subgroups" not in result
    assert "bc (n=21), prof (n=18), wc (n=6)" in result["skipped"]["subgroups"]
    assert result["reset"]["fstat"] is not None and result["median"] is not None
    assert "UserWarning" not in res.stdout + res.stderr
    notes = [ln for ln in res.stdout.splitlines() if ln.startswith("Note:")]
    assert len(notes) == len(set(notes))
    assert any("level 'wc' skipped: 6 rows" in ln for ln in notes)


def test_duncan_shaped_with_small_min_size_fits_two_groups(tmp_path, cli):
    path = tmp_path / "duncan.csv"
    _duncan_shaped().to_csv(path, index=False)
    out = tmp_path / "r.json"
    res = cli(
        "regress",
        str(path),
        "-f",
        "prestige ~ income + education",
        "--subgroup",
        "type",
        "--min-group-size",
        "10",
        "--json",
        str(out),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    sub = json.loads(out.read_text())["subgroups"]
    assert sub["bc"]["n"] == 21 and sub["prof"]["n"] == 18
    assert sub["skipped"]["wc"]["reason"] == "6 rows, fewer than min_size = 10"
    assert sub["equality_test"]["df_num"] == 3 and sub["equality_test"]["df_denom"] == 39 - 6


def test_ols_failure_is_still_an_error(tmp_path, cli):
    data = _frame().assign(x3=lambda d: d.x1 + d.x2)
    path = tmp_path / "c.csv"
    data.to_csv(path, index=False)
    res = cli("regress", str(path), "-f", "y ~ x1 + x2 + x3")
    assert res.returncode != 0
    assert "perfectly collinear" in res.stdout + res.stderr
