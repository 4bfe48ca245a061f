"""The themes stages on the demo study, and the `smekit interviews themes` command."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import smekit.cli.themes  # noqa: F401  (registers the command)
from smekit.cli.base import app
from smekit.context import RunContext
from smekit.demo import DEFAULT_SEED, write_demo
from smekit.stages import interviews, themes
from smekit.study import load_study


def _run(root):
    ctx = RunContext(study=load_study(root))
    for stage in [*interviews.STAGES, *themes.STAGES]:
        stage.run(ctx)
    return ctx


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    study = write_demo(tmp_path_factory.mktemp("stage") / "demo", seed=DEFAULT_SEED)
    return study, _run(study.root)


def test_stage_writes_topics_table_matrices_and_agreement(analysed):
    study, ctx = analysed
    out = ctx.out / "interviews" / "themes"
    for name in (
        "topics.csv",
        "topic_terms.csv",
        "topic_representatives.csv",
        "topic_code_overlap.csv",
        "theme_table.csv",
        "theme_table.md",
        "code_case_participant.csv",
        "code_case_participant_binary.csv",
        "code_case_firm.csv",
        "cooccurrence.csv",
        "prevalence_sector.csv",
        "themes.json",
        "excluded_segments.csv",
    ):
        assert (out / name).exists(), name
    summary = json.loads((out / "themes.json").read_text())
    assert summary["info"]["mode"] == "guided"
    assert summary["info"]["seed"] == ctx.study.config.seed
    print(summary["agreement"])
    assert summary["agreement"]["truth"]["ari"] > 0.55
    assert summary["agreement"]["truth"]["nmi"] > 0.65
    table = pd.read_csv(out / "theme_table.csv")
    assert list(table["theme"]) == study.truth["interviews"]["themes"]
    counts = study.truth["interviews"]["theme_counts"]
    # Prevalence from the demo's manual codings: at most the participants who voiced the theme.
    assert (table["n_participants"] <= table["theme"].map(counts)).all()
    assert table["quotes"].str.contains(r"\(Participant \d+, ").all()
    case = pd.read_csv(out / "code_case_participant.csv")
    assert case.columns[0] == "code" and len(case.columns) == 16


def test_no_identifier_reaches_the_theme_outputs(analysed):
    study, ctx = analysed
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ctx.out / "interviews" / "themes").glob("*")
        if p.suffix in (".csv", ".md", ".json")
    )
    for ident in study.truth["identifiers"].values():
        for value in [*ident["people"], ident["firm"], ident["city"]]:
            assert value not in text, value


def test_rerun_keeps_the_researchers_interpretation(analysed):
    study, ctx = analysed
    path = themes.interpretations_path(study.root)
    text = path.read_text().replace(
        "name: Adoption of digital tools\n    interpretation: ''",
        "name: Adoption of digital tools\n    interpretation: Tools first, then customers.",
    )
    path.write_text(text)
    before = path.read_bytes()
    ctx2 = _run(study.root)
    assert path.read_bytes() == before
    table = pd.read_csv(ctx2.out / "interviews" / "themes" / "theme_table.csv").set_index("theme")
    assert table.loc["digital_tools_adoption", "interpretation"] == "Tools first, then customers."
    # Same inputs, same topics.
    a = pd.read_parquet(ctx.out / "interviews" / "themes" / "topic_assignments.parquet")
    assert ctx2.results["interviews.themes"].assignments["topic"].tolist() == a["topic"].tolist()


def test_cli_themes_on_a_segments_file(analysed, tmp_path):
    _, ctx = analysed
    seg = ctx.results["interviews.segments"]
    csv = tmp_path / "segments.csv"
    seg.to_csv(csv, index=False)
    out = tmp_path / "themes.json"
    result = CliRunner().invoke(
        app, ["interviews", "themes", str(csv), "--mode", "zeroshot", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "topic 0:" in result.output and "segments clustered" in result.output
    data = json.loads(out.read_text())
    assert data["info"]["zeroshot_threshold"] == 0.3
    assert len(data["assignments"]) == data["n_segments"]
    result = CliRunner().invoke(
        app, ["interviews", "themes", str(csv), "--mode", "unsupervised", "--k", "3"]
    )
    assert result.exit_code == 0 and "topic 2:" in result.output and "topic 3:" not in result.output
