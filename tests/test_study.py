"""study.yaml validation, the analysis runner, the manifest and reproducibility."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from smekit.core.errors import StudyError
from smekit.demo import write_demo
from smekit.runner import run_study
from smekit.study import load_study


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    demo = write_demo(tmp_path_factory.mktemp("study") / "demo")
    raw = {p: _sha(p) for p in (demo.root / "data").rglob("*") if p.is_file()}
    ctx = run_study(load_study(demo.root))
    return demo, ctx, raw


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


def test_rerun_gives_identical_results(analysed, tmp_path):
    demo, _, _ = analysed
    first = json.loads((demo.root / "results" / "manifest.json").read_text())["outputs"]
    copy = write_demo(tmp_path / "again")
    run_study(load_study(copy.root))
    second = json.loads((copy.root / "results" / "manifest.json").read_text())["outputs"]
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
