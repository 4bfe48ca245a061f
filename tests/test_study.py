"""study.yaml validation, the analysis runner, the manifest and reproducibility."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from smekit.core.errors import StudyError
from smekit.runner import run_study
from smekit.study import load_study


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def analysed(analysed_demo):
    """The session's demo, analysed once (tests/conftest.py)."""
    return analysed_demo.demo, analysed_demo.ctx, analysed_demo.raw


def test_demo_survey_results(analysed):
    demo, ctx, _ = analysed
    out = demo.root / "results" / "survey"
    exclusions = pd.read_csv(out / "exclusions.csv")
    planted = demo.truth["survey"]["planted"]
    planted_ids = set(planted) if isinstance(planted, dict) else {p["id"] for p in planted}
    assert set(exclusions["id"]) == planted_ids
    scores = pd.read_parquet(out / "scores.parquet")
    assert len(scores) == 300
    rel = pd.read_csv(out / "reliability.csv").set_index("construct")
    assert (rel["alpha"] > 0.8).all()
    assert (rel["omega"] >= rel["alpha"] - 0.01).all()
    profile = pd.read_csv(out / "profile_categorical.csv")
    retail = profile[(profile["variable"] == "sector") & (profile["category"] == "Retail")]
    assert retail["percent"].iloc[0] == pytest.approx(65.0)
    quality = ctx.results["quality"]
    assert len(quality.kept) + len(quality.excluded) == 304


def test_raw_inputs_untouched_and_manifest(analysed):
    demo, _, raw = analysed
    for path, digest in raw.items():
        assert _sha(path) == digest, path
    manifest = json.loads((demo.root / "results" / "manifest.json").read_text())
    responses = demo.root / "data" / "responses.csv"
    assert manifest["inputs"]["survey.responses"]["sha256"] == _sha(responses)
    assert manifest["inputs"]["survey.responses"]["path"] == "data/responses.csv"
    assert any(k.startswith("interviews.transcripts/") for k in manifest["inputs"])
    assert manifest["seeds"]["study"] == 20240601
    assert manifest["versions"]["pandas"] == pd.__version__
    assert "survey/scores.parquet" in manifest["outputs"]
    assert [s["stage"] for s in manifest["stages"]][:4] == [
        "survey.import",
        "survey.quality",
        "survey.scoring",
        "survey.descriptives",
    ]


def test_rerun_gives_identical_results(analysed, demo_copy):
    demo, _, _ = analysed
    first = json.loads((demo.root / "results" / "manifest.json").read_text())["outputs"]
    run_study(load_study(demo_copy))
    second = json.loads((demo_copy / "results" / "manifest.json").read_text())["outputs"]
    assert first == second


def _study(tmp_path: Path, text: str) -> Path:
    (tmp_path / "study.yaml").write_text(text)
    return tmp_path


def test_unknown_key_names_key_and_line(tmp_path):
    root = _study(
        tmp_path,
        "name: x\nsurvey:\n  instrument: s1_resilience_dt\n  responses: r.csv\n  colour: red\n",
    )
    with pytest.raises(StudyError, match=r"study.yaml:5: key 'survey.colour': unknown key"):
        load_study(root)


def test_bad_values_and_missing_files(tmp_path):
    root = _study(tmp_path, "quality:\n  speeders: {min_share_of_median: 2}\n")
    with pytest.raises(
        StudyError, match=r"study.yaml:2: key 'quality.speeders.min_share_of_median'"
    ):
        load_study(root)
    root = _study(tmp_path, "survey:\n  instrument: s1_resilience_dt\n  responses: data/none.csv\n")
    with pytest.raises(StudyError, match=r"survey\.responses 'data/none\.csv' not found"):
        run_study(load_study(root))
    with pytest.raises(StudyError, match=r"no study\.yaml"):
        load_study(tmp_path / "elsewhere")


def test_rules_switched_off_in_yaml(tmp_path):
    root = _study(tmp_path, "quality:\n  speeders: false\n  mahalanobis: false\n")
    cfg = load_study(root).config
    assert cfg.quality.speeders.enabled is False
    assert cfg.quality.mahalanobis.enabled is False
    assert cfg.quality.incomplete.enabled is True


# -- names in study.yaml are checked against the instrument before any stage runs ----------


def _typo(root: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in root/study.yaml; return the line of new's last line."""
    path = root / "study.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text)
    last = new.splitlines()[-1]
    return next(i for i, line in enumerate(text.splitlines(), 1) if last in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        (
            "outcome: digital_transformation",
            "outcome: digital_transformaton",
            "regression.outcome",
            "'digital_transformation'",
        ),
        (
            "supply_chain_div, employee",
            "supply_chain_dvi, employee",
            "regression.predictors.1",
            "'supply_chain_div'",
        ),
        ("controls: []", "controls: [employes]", "regression.controls.0", "'employees'"),
        ("subgroup: sector", "subgroup: sectr", "regression.subgroup", "'sector'"),
        (
            "[[digital_tools, customer_engagement]]",
            "[[digital_tools, customer_engagment]]",
            "regression.interactions.0.1",
            "'customer_engagement'",
        ),
        (
            "min_group_size: 30",
            "min_group_size: 30\n  mediation:\n    - {x: digital_tools, m: employee_trainng}",
            "regression.mediation.0.m",
            "'employee_training'",
        ),
        ("controls: []", "controls: [dt1]", "regression.controls.0", "'digital_tools'"),
    ],
)
def test_regression_name_typo_is_reported_at_its_line_before_any_stage(
    demo_copy, old, new, key, hint
):
    """Before: reported against results/survey/analysis_frame after the survey stage ran."""
    line = _typo(demo_copy, old, new)
    study = load_study(demo_copy)
    with pytest.raises(StudyError) as err:
        run_study(study)
    message = str(err.value)
    assert message.startswith(f"{demo_copy / 'study.yaml'}:{line}: key '{key}'"), message
    assert hint in message
    assert not (demo_copy / "results" / "survey").exists()  # nothing ran


def test_every_unknown_name_is_counted(demo_copy):
    _typo(demo_copy, "controls: []", "controls: [employes, sectorr]")
    with pytest.raises(StudyError, match=r"'employes' .*\(1 more unknown name in this file\)"):
        run_study(load_study(demo_copy))


def test_model_terms_are_checked_by_the_names_they_use(demo_copy):
    _typo(demo_copy, "controls: []", "controls: [np.log(employees), C(region)]")
    from smekit.runner import validate_study

    assert "instrument" in validate_study(load_study(demo_copy))
    _typo(demo_copy, "np.log(employees)", "np.log(employess)")
    with pytest.raises(StudyError, match=r"'employess'.*did you mean 'employees'"):
        validate_study(load_study(demo_copy))


@pytest.mark.parametrize(
    ("old", "new", "key", "closest"),
    [
        ("id_column: respondent_id", "id_column: respondentid", "id_column", "respondent_id"),
        (
            "duration_column: duration_sec",
            "duration_column: duration_secs",
            "duration_column",
            "duration_sec",
        ),
    ],
)
def test_response_column_typo_is_an_error_at_its_line(demo_copy, old, new, key, closest):
    """Before: a duration_column typo switched the speeder rule off and kept F302 (exit 0)."""
    line = _typo(demo_copy, old, new)
    with pytest.raises(StudyError) as err:
        run_study(load_study(demo_copy))
    message = str(err.value)
    assert message.startswith(f"{demo_copy / 'study.yaml'}:{line}: key 'survey.{key}'"), message
    assert "responses.csv" in message and f"'{closest}'" in message
    assert not (demo_copy / "results" / "survey" / "exclusions.csv").exists()
