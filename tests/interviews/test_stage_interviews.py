"""The interview stages of ``smekit analyze`` on the demo: outputs, context keys, no leaks."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from smekit.context import RunContext
from smekit.core.errors import StudyError
from smekit.stages.interviews import STAGES
from smekit.study import load_study


def _run(root):
    ctx = RunContext(load_study(root))
    for stage in STAGES:
        assert stage.applies(ctx.study.config)
        stage.run(ctx)
    return ctx


@pytest.fixture(scope="module")
def demo_run(demo_study, tmp_path_factory):
    root = tmp_path_factory.mktemp("stage") / "demo"
    shutil.copytree(demo_study.root, root, ignore=shutil.ignore_patterns("results"))
    (root / "data" / "transcripts" / "P15.txt").unlink()  # a participant without a transcript
    return root, _run(root)


def test_outputs_and_context_keys(demo_run):
    root, ctx = demo_run
    out = root / "results" / "interviews"
    for name in (
        "segments.parquet",
        "pseudonymisation_report.csv",
        "pseudonymisation_sources.csv",
        "codings.parquet",
        "agreement.json",
        "agreement.csv",
        "disagreements.csv",
        "participant_mismatches.csv",
    ):
        assert (out / name).is_file(), name
    seg = ctx.results["interviews.segments"]
    assert seg["transcript_id"].nunique() == 14
    assert set(seg["role"]) == {"interviewer", "participant"}
    sources = ctx.results["interviews.sources"]
    for r in seg.itertuples():
        assert sources[r.transcript_id][r.char_start : r.char_end] == r.text
    codings = ctx.results["interviews.codings"]
    assert set(codings["coder"]) == {"coder_1", "coder_2"}
    assert "P15" not in set(codings["transcript_id"])
    # codings moved into the pseudonymised text still cover the same participant turns
    spans = seg.set_index("segment_id")
    c1 = codings[codings.coder == "coder_1"]
    assert (c1["start"].to_numpy() == spans.loc[c1["segment_id"], "char_start"].to_numpy()).all()
    assert (c1["end"].to_numpy() == spans.loc[c1["segment_id"], "char_end"].to_numpy()).all()
    assert ctx.results["interviews.codebook"].id == "s1_codebook"
    sheet = ctx.results["interviews.participants"]
    assert {"participant_id", "firm_id", "role", "sector"} <= set(sheet.columns)
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement["unit"] == "segment" and agreement["coders"] == ["coder_1", "coder_2"]
    assert 0.6 < agreement["pooled"]["cohen_kappa"] < 0.95


def test_missing_transcript_is_listed_and_the_rest_kept(demo_run):
    root, ctx = demo_run
    mism = pd.read_csv(root / "results" / "interviews" / "participant_mismatches.csv")
    assert mism[["participant_id", "file", "problem"]].values.tolist() == [
        ["P15", "P15.txt", "in the sheet, no transcript"]
    ]
    assert any("P15: in the sheet, no transcript" in n for n in ctx.notes)
    problems = pd.read_csv(root / "results" / "interviews" / "coding_problems.csv")
    assert problems["problem"].str.contains("transcript 'P15' is not in the corpus").all()
    assert len(problems) > 0


def test_no_planted_name_reaches_results(demo_run):
    root, ctx = demo_run
    truth = json.loads((root / "truth.json").read_text())
    # the demo's interviewer speaks as "Interviewer" and is never named; participants,
    # colleagues, firms and cities are
    planted: set[str] = set()
    for ids in truth["identifiers"].values():
        planted |= set(ids["people"]) | {ids["firm"], ids["city"]}
    planted |= {p for name in list(planted) for p in name.split() if len(p) > 3 and p.istitle()}
    planted -= {
        "Trading",
        "Commerce",
        "Goods",
        "Export",
        "Supply",
        "Sourcing",
        "International",
        "Direct",
        "Orchard",
        "Summit",
    }
    texts = []
    for path in sorted((root / "results").rglob("*")):
        if path.suffix == ".parquet":
            texts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    texts += list(ctx.results["interviews.sources"].values())
    texts.append(ctx.results["interviews.participants"].to_csv())
    blob = "\n".join(texts)
    found = sorted(p for p in planted if p in blob)
    assert found == []
    # ... while the key, outside results/, holds them
    key = pd.read_csv(root / "private" / "pseudonymisation_key.csv")
    assert set(truth["identifiers"]["P01"]["people"]) <= set(key["original"])


def test_key_under_results_is_refused(demo_study, tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(demo_study.root, root, ignore=shutil.ignore_patterns("results"))
    text = (root / "study.yaml").read_text()
    (root / "study.yaml").write_text(
        text.replace("key: private/pseudonymisation_key.csv", "key: results/key.csv")
    )
    ctx = RunContext(load_study(root))
    STAGES[0].run(ctx)
    with pytest.raises(StudyError, match="lies under results/"):
        STAGES[1].run(ctx)
