"""``smekit survey import|quality|score`` on the import-case fixtures, in process.

Also runs the doctest examples of the import modules, so a docstring example
that stops matching the code fails the suite.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responses"
README_XLSX = str(FIXTURES / "s1_readme_first.xlsx")
MINI = str(FIXTURES / "import_mini.yaml")


def test_import_reports_the_sheet_it_read(cli, tmp_path):
    out = tmp_path / "out.csv"
    res = cli("survey", "import", README_XLSX, "-i", "s1_resilience_dt", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "Read 40 responses (xlsx, sheet 'responses')" in res.stdout
    assert len(pd.read_csv(out)) == 40


@pytest.mark.parametrize("command", ["import", "quality", "score"])
def test_sheet_option_on_every_command(cli, tmp_path, command):
    out = tmp_path / ("q" if command == "quality" else "out.csv")
    res = cli("survey", command, README_XLSX, "-i", "s1_resilience_dt", "-o", str(out),
              "--sheet", "1")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "Read 40 responses (xlsx, sheet 'responses')" in res.stdout
    res = cli("survey", command, README_XLSX, "-i", "s1_resilience_dt", "-o", str(out),
              "--sheet", "answers")  # fmt: skip
    assert res.returncode == 2
    assert "no sheet 'answers'" in res.stderr and "README, responses, codebook" in res.stderr
    assert res.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("delimiter", "fragment"),
    [
        ("::", "delimiter must be one character other than a quote or line break, not '::'"),
        (";", "the delimiter ';' given splits the header into one column"),
    ],
)
def test_bad_delimiter_is_one_line_error(cli, tmp_path, delimiter, fragment):
    res = cli("survey", "import", str(FIXTURES / "s1_plain.csv"), "-i", "s1_resilience_dt",
              "-o", str(tmp_path / "o.csv"), "--delimiter", delimiter)  # fmt: skip
    assert res.returncode == 2
    assert fragment in res.stderr
    assert "unexpected" not in res.stderr
    assert not (tmp_path / "o.csv").exists()


def test_missing_reasons_are_written_and_printed(cli, tmp_path):
    out = tmp_path / "m.csv"
    res = cli("survey", "import", str(FIXTURES / "mini_user_missing.sav"), "-i", MINI,
              "-o", str(out))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "5 answers missing for a stated reason (Don't know 3, Refused 2)" in res.stdout
    reasons = pd.read_csv(tmp_path / "m_missing_reasons.csv")
    assert reasons[["row", "column", "code"]].values.tolist()[:2] == [
        [2, "employees", 999.0],
        [2, "q1_vis1", 8.0],
    ]


def test_encoding_fallback_is_printed(cli, tmp_path):
    res = cli("survey", "import", str(FIXTURES / "s1_mixed_utf8.csv"), "-i", "s1_resilience_dt",
              "-o", str(tmp_path / "x.csv"), "--min-item-share", "0")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "1 line(s) not valid utf-8 were decoded with a fallback (rows 5)" in res.stdout
    problems = pd.read_csv(tmp_path / "x_problems.csv")
    assert problems["rule"].tolist() == ["encoding_fallback"]


def test_too_few_items_stops_the_command(cli, tmp_path):
    res = cli("survey", "quality", str(FIXTURES / "s1_plain.csv"), "-i", "s1_resilience_dt",
              "-o", str(tmp_path / "q"))  # fmt: skip
    assert res.returncode == 2
    assert "only 9 of the instrument's 40 items match a column" in res.stderr
    res = cli("survey", "quality", str(FIXTURES / "s1_plain.csv"), "-i", "s1_resilience_dt",
              "-o", str(tmp_path / "q"), "--min-item-share", "0")  # fmt: skip
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize(
    "module",
    ["columns", "coding", "detect", "encoding", "readers_spss", "readers_text", "responses"],
)
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"smekit.survey.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
