"""The command line: real subprocess runs, one-line errors, exports other tools accept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def smekit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smekit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_help_lists_commands():
    res = smekit("--help")
    assert res.returncode == 0
    for command in ("demo", "analyze", "app", "instrument", "survey"):
        assert command in res.stdout


def test_instrument_export_xlsform_is_accepted_by_pyxform(tmp_path):
    from pyxform.xls2xform import convert

    out = tmp_path / "s1.xlsx"
    res = smekit("instrument", "export", "s1_resilience_dt", "--format", "xlsform", "-o", str(out))
    assert res.returncode == 0, res.stderr
    xform = convert(xlsform=str(out))
    assert "<h:title>" in xform.xform
    assert "dt1" in xform.xform


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_instrument_export_printable(tmp_path, fmt):
    out = tmp_path / f"protocol.{fmt}"
    res = smekit("instrument", "export", "s1_interview_protocol", "-f", fmt, "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.stat().st_size > 1000


def test_validate_whole_library():
    from smekit.survey.instrument import library_dir

    files = sorted(str(p) for p in library_dir().glob("*.yaml"))
    res = smekit("instrument", "validate", *files)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("ok  ") == len(files)


def _one_line_error(res: subprocess.CompletedProcess, *fragments: str) -> None:
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    for f in fragments:
        assert f in lines[0]
    assert "Traceback" not in res.stderr


def test_bad_inputs_give_one_line_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _one_line_error(
        smekit(
            "survey", "import", str(empty), "-i", "s1_resilience_dt", "-o", str(tmp_path / "o.csv")
        ),
        "empty.csv",
    )
    header = tmp_path / "header.csv"
    header.write_text("respondent_id,dt1,dt2\n")
    _one_line_error(
        smekit(
            "survey", "quality", str(header), "-i", "s1_resilience_dt", "-o", str(tmp_path / "q")
        ),
        "header.csv",
    )
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("kind: questionnaire\nid: x\ntitle: [unclosed\n")
    _one_line_error(smekit("instrument", "validate", str(bad_yaml)), "bad.yaml:", "invalid YAML")
    _one_line_error(smekit("analyze", str(tmp_path / "nowhere")), "no study.yaml")
    _one_line_error(smekit("instrument", "export", "no_such_thing"), "no library instrument")


def test_debug_shows_traceback(tmp_path):
    res = smekit("--debug", "analyze", str(tmp_path / "nowhere"))
    assert res.returncode != 0
    assert "Traceback" in res.stderr


def test_demo_analyze_and_survey_commands(tmp_path):
    study = tmp_path / "demo"
    assert smekit("demo", str(study)).returncode == 0
    again = smekit("demo", str(study))
    _one_line_error(again, "--force")
    res = smekit("analyze", str(study))
    assert res.returncode == 0, res.stderr
    assert "304 responses, 300 kept, 4 excluded" in res.stdout
    responses = study / "data" / "responses.csv"
    res = smekit(
        "survey",
        "quality",
        str(responses),
        "-i",
        "s1_resilience_dt",
        "-o",
        str(tmp_path / "q"),
        "--id",
        "respondent_id",
        "--duration",
        "duration_sec",
    )
    assert res.returncode == 0, res.stderr
    assert "300 kept, 4 excluded" in res.stdout
    res = smekit(
        "survey",
        "score",
        str(responses),
        "-i",
        "s1_resilience_dt",
        "-o",
        str(tmp_path / "s.csv"),
        "--id",
        "respondent_id",
    )
    assert res.returncode == 0, res.stderr
    assert "digital_transformation" in res.stdout
