"""The command line, run in-process through ``smekit.cli.main``: one-line errors, usage
errors, exports other tools accept. One test runs the real ``python -m smekit`` entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml


def _one_line_error(res, *fragments: str) -> None:
    assert res.returncode == 2, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    for f in fragments:
        assert f in lines[0], lines[0]
    assert "Traceback" not in res.stderr


def test_help_lists_commands(cli):
    res = cli("--help")
    assert res.returncode == 0
    for command in ("demo", "analyze", "app", "instrument", "survey"):
        assert command in res.stdout


def test_entry_point_runs_as_a_program(tmp_path):
    """``python -m smekit``: exit status and the --debug traceback reach the shell."""
    res = subprocess.run(
        [sys.executable, "-m", "smekit", "--debug", "analyze", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1
    assert "Traceback" in res.stderr and "StudyError" in res.stderr
    res = subprocess.run(
        [sys.executable, "-m", "smekit", "frobnicate"], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 2
    assert "No such command 'frobnicate'" in res.stderr


@pytest.mark.parametrize(
    ("args", "usage", "problem"),
    [
        (["frobnicate"], "Usage: smekit [OPTIONS] COMMAND", "No such command 'frobnicate'"),
        (["survey", "frob"], "Usage: smekit survey", "No such command 'frob'"),
        (["survey", "quality"], "Usage: smekit survey quality", "Missing argument"),
        (["demo", "--colour"], "Usage: smekit demo", "No such option: --colour"),
    ],
)
def test_usage_errors_print_usage_and_exit_2(cli, args, usage, problem):
    res = cli(*args)
    assert res.returncode == 2
    assert res.stderr.startswith(usage), res.stderr
    assert "Try 'smekit" in res.stderr and "--help' for help." in res.stderr
    assert problem in res.stderr
    assert "unexpected" not in res.stderr
    assert "UsageError" not in res.stderr


def test_debug_reraises(cli, tmp_path):
    from smekit.core.errors import StudyError

    with pytest.raises(StudyError, match=r"no study\.yaml"):
        cli("--debug", "analyze", str(tmp_path / "nowhere"))
    # the flag lasts for one command only
    _one_line_error(cli("analyze", str(tmp_path / "nowhere")), "no study.yaml")


def test_instrument_export_xlsform_is_accepted_by_pyxform(cli, tmp_path):
    from pyxform.xls2xform import convert

    out = tmp_path / "s1.xlsx"
    res = cli("instrument", "export", "s1_resilience_dt", "--format", "xlsform", "-o", str(out))
    assert res.returncode == 0, res.stderr
    xform = convert(xlsform=str(out))
    assert "<h:title>" in xform.xform
    assert "dt1" in xform.xform


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_instrument_export_printable(cli, tmp_path, fmt):
    out = tmp_path / f"protocol.{fmt}"
    res = cli("instrument", "export", "s1_interview_protocol", "-f", fmt, "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.stat().st_size > 1000


def test_validate_whole_library(cli):
    from smekit.survey.instrument import library_dir

    files = sorted(str(p) for p in library_dir().glob("*.yaml"))
    res = cli("instrument", "validate", *files)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("ok  ") == len(files)


def test_bad_inputs_give_one_line_errors(cli, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = str(tmp_path / "o.csv")
    _one_line_error(
        cli("survey", "import", str(empty), "-i", "s1_resilience_dt", "-o", out), "empty.csv"
    )
    header = tmp_path / "header.csv"
    header.write_text("respondent_id,dt1,dt2\n")
    _one_line_error(
        cli("survey", "quality", str(header), "-i", "s1_resilience_dt", "-o", str(tmp_path / "q")),
        "header.csv",
    )
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("kind: questionnaire\nid: x\ntitle: [unclosed\n")
    _one_line_error(cli("instrument", "validate", str(bad_yaml)), "bad.yaml:", "invalid YAML")
    _one_line_error(cli("analyze", str(tmp_path / "nowhere")), "no study.yaml")
    _one_line_error(cli("instrument", "export", "no_such_thing"), "no library instrument")


# -- survey commands on the session's demo responses ------------------------------------


def test_survey_quality_and_score_commands(cli, demo_study, tmp_path):
    responses = demo_study.root / "data" / "responses.csv"
    res = cli(
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
    assert "304 responses: 300 kept, 4 excluded" in res.stdout
    exclusions = pd.read_csv(tmp_path / "q" / "exclusions.csv")
    assert sorted(exclusions["id"]) == ["F301", "F302", "F303", "F304"]
    res = cli(
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
    assert len(pd.read_csv(tmp_path / "s.csv")) == 304


@pytest.mark.parametrize(
    ("option", "typo", "closest"),
    [("--id", "respondentid", "respondent_id"), ("--duration", "duration_secs", "duration_sec")],
)
def test_quality_option_naming_a_missing_column_is_an_error(
    cli, demo_study, tmp_path, option, typo, closest
):
    """Before: the rule was silently switched off and the planted speeder kept (exit 0)."""
    responses = demo_study.root / "data" / "responses.csv"
    args = ["survey", "quality", str(responses), "-i", "s1_resilience_dt", "-o", str(tmp_path)]
    res = cli(*args, option, typo)
    _one_line_error(res, "responses.csv", f"'{typo}'", f"'{closest}'")
    assert not (tmp_path / "kept.csv").exists()


def test_quality_command_on_an_instrument_without_required_items(cli, tmp_path):
    """Before: "unexpected TypeError: ufunc 'bitwise_and'" from the missing-share rule."""
    inst = {
        "kind": "questionnaire",
        "id": "optional_only",
        "title": "Every item optional",
        "scales": {"a5": {"min": 1, "max": 5, "anchors": {1: "no", 5: "yes"}}},
        "sections": [
            {
                "id": "s",
                "title": "s",
                "items": [
                    {"id": f"q{j}", "text": "q", "type": "likert", "scale": "a5", "required": False}
                    for j in range(3)
                ],
            }
        ],
    }
    inst_path = tmp_path / "optional.yaml"
    inst_path.write_text(yaml.safe_dump(inst))
    data = tmp_path / "r.csv"
    data.write_text("q0,q1,q2\n1,2,3\n4,,5\n,,\n")
    res = cli("survey", "quality", str(data), "-i", str(inst_path), "-o", str(tmp_path / "q"))
    assert res.returncode == 0, res.stderr
    assert "3 responses: 3 kept, 0 excluded" in res.stdout
    flags = pd.read_csv(tmp_path / "q" / "flags.csv")
    assert flags["missing_share"].tolist() == [0.0, 0.0, 0.0]


# -- demo and analyze -------------------------------------------------------------------


def test_demo_command_writes_and_refuses_to_overwrite(cli, tmp_path):
    study = tmp_path / "demo"
    res = cli("demo", str(study))
    assert res.returncode == 0, res.stderr
    assert f"Next: smekit analyze {study}" in res.stdout
    assert (study / "study.yaml").exists() and (study / "data" / "responses.csv").exists()
    _one_line_error(cli("demo", str(study)), "--force")


def test_analyze_command(cli, demo_copy: Path):
    """``smekit analyze`` on the survey part of the demo (the full analysis runs once, in
    the session fixture ``analysed_demo``)."""
    config = (demo_copy / "study.yaml").read_text()
    survey_only = config.split("\nregression:")[0] + "\n"
    (demo_copy / "study.yaml").write_text(survey_only)
    res = cli("analyze", str(demo_copy))
    assert res.returncode == 0, res.stderr
    assert "Survey: 304 responses, 300 kept, 4 excluded" in res.stdout
    assert (demo_copy / "results" / "manifest.json").exists()


def test_analyze_reports_a_study_yaml_typo_before_running(cli, demo_copy: Path):
    path = demo_copy / "study.yaml"
    path.write_text(path.read_text().replace("subgroup: sector", "subgroup: sectr"))
    line = path.read_text().splitlines().index("  subgroup: sectr") + 1
    res = cli("analyze", str(demo_copy))
    _one_line_error(res, f"study.yaml:{line}:", "'regression.subgroup'", "'sectr'", "'sector'")
    assert not list((demo_copy / "results").rglob("*.parquet"))
