"""Every page of the reviewer app, driven by Streamlit's own test runner (AppTest).

Each test checks that the page renders without an exception and that the key
values it shows equal those in the demo's results files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import smekit.app
from smekit.analysis.display import apa_number

MAIN = str(Path(smekit.app.__file__).parent / "main.py")


@pytest.fixture(scope="module")
def study(analysed_demo):
    return analysed_demo.root


def _app(study, monkeypatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("SMEKIT_STUDY", str(study))
    monkeypatch.delenv("SMEKIT_APP_PASSWORD", raising=False)
    at = AppTest.from_file(MAIN, default_timeout=90).run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(m.value) for m in at.metric] + [h.value for h in at.header]
    return "\n".join(parts)


def test_overview_shows_counts_and_headlines(study, monkeypatch):
    at = _app(study, monkeypatch)
    summary = json.loads((study / "results/survey/summary.json").read_text())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Responses in"] == str(summary["responses_in"])
    assert metrics["Analysed"] == str(summary["kept"])
    suite = json.loads((study / "results/regression/suite.json").read_text())
    b = suite["ols"]["params"]["customer_engagement"]
    assert f"b = {apa_number(b)}" in _texts(at)
    assert "The largest effect is customer_engagement" in _texts(at)


def test_survey_page_shows_reliability(study, monkeypatch):
    at = _app(study, monkeypatch, "pages/survey.py")
    rel = pd.read_parquet(study / "results/survey/reliability.parquet")
    shown = [df.value for df in at.dataframe]
    alphas = next(d for d in shown if "alpha" in d.columns)
    assert alphas["alpha"].tolist() == [apa_number(a) for a in rel["alpha"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Excluded"] == "4"


def test_regression_page_shows_models_and_firm(study, monkeypatch):
    at = _app(study, monkeypatch, "pages/regression.py")
    flagged = pd.read_parquet(study / "results/regression/flagged.parquet")
    assert at.selectbox(key="firm").options[0] == flagged["id"].iloc[0] == "F004"
    at.selectbox(key="firm").set_value("F004").run()
    assert not at.exception
    assert "Responses of F004" in [s.value for s in at.subheader]
    sheet = pd.read_parquet(study / "results/interviews/participants.parquet")
    both = sheet[sheet["respondent_id"].isin(flagged["id"])].iloc[0]
    firm, participant = both["respondent_id"], both["participant_id"]
    at.selectbox(key="firm").set_value(firm).run()
    assert f"What {firm} said in the interview" in [s.value for s in at.subheader]
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    segments = pd.read_parquet(study / "results/interviews/segments.parquet")
    said = segments[
        (segments["participant_id"] == participant) & (segments["role"] == "participant")
    ]
    assert quotes and quotes[0] == f"> {said['text'].iloc[0]}"
    reset = pd.read_parquet(study / "results/regression/reset.parquet")
    reset_shown = next(d.value for d in at.dataframe if "powers" in d.value.columns)
    assert reset_shown["statistic"].iloc[0] == apa_number(reset["statistic"].iloc[0])


def test_downloads_page_lists_tables(study, monkeypatch):
    at = _app(study, monkeypatch, "pages/downloads.py")
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV") >= 10


def test_password_gates_every_page(study, monkeypatch):
    monkeypatch.setenv("SMEKIT_STUDY", str(study))
    monkeypatch.setenv("SMEKIT_APP_PASSWORD", "s3cret")
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert not at.metric and at.text_input(key="smekit_password")
    at.text_input(key="smekit_password").set_value("wrong").run()
    assert "Wrong password." in [e.value for e in at.error]
    at.text_input(key="smekit_password").set_value("s3cret").run()
    assert not at.exception and at.metric


def test_app_without_results_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SMEKIT_STUDY", str(tmp_path))
    monkeypatch.delenv("SMEKIT_APP_PASSWORD", raising=False)
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert "smekit analyze" in at.error[0].value


def test_new_study_page_opens_a_study(study, monkeypatch, tmp_path):
    at = _app(study, monkeypatch, "pages/new_study.py")
    assert "s1_resilience_dt" in at.selectbox(key="instrument").options
    at.text_input(key="open").set_value(str(tmp_path)).run()
    at.button(key="open-button").click().run()
    assert "no study.yaml here" in at.error[0].value


def test_upload_names_stay_inside_the_study(tmp_path):
    from smekit.app.new_study import save_upload, study_folder, study_yaml
    from smekit.core.errors import DataError, StudyError

    data = tmp_path / "s" / "data"
    path = save_upload(data, "../../outside.csv", b"a,b\n1,2\n", (".csv",))
    assert path == (data / "outside.csv").resolve() and path.read_bytes() == b"a,b\n1,2\n"
    with pytest.raises(DataError, match="not a format"):
        save_upload(data, "evil.py", b"x", (".csv",))
    with pytest.raises(DataError, match="MB"):
        save_upload(data, "big.csv", b"x" * (50 * 1024 * 1024 + 1), (".csv",))
    with pytest.raises(StudyError, match="exists"):
        study_folder(tmp_path, "s")
    text = study_yaml(
        'My "study"',
        "s1_resilience_dt",
        "data/r.csv",
        id_column="id",
        duration_column=None,
        outcome="dx",
        predictors=["a", "b"],
        transcripts=None,
    )
    from smekit.core.yamlio import read_yaml

    (tmp_path / "study.yaml").write_text(text)
    doc = read_yaml(tmp_path / "study.yaml")
    assert doc["name"] == 'My "study"' and doc["regression"]["predictors"] == ["a", "b"]


def test_themes_page_shows_prevalence_and_agreement(study, monkeypatch):
    at = _app(study, monkeypatch, "pages/themes.py")
    table = pd.read_parquet(study / "results/interviews/themes/theme_table.parquet")
    shown = [m.value for m in at.metric if m.label == "Participants"]
    assert shown == [str(n) for n in table["n_participants"]]
    agreement = pd.read_parquet(study / "results/interviews/agreement.parquet")
    kappa = next(d.value for d in at.dataframe if "cohen_kappa" in d.value.columns)
    assert kappa["cohen_kappa"].tolist() == [apa_number(k) for k in agreement["cohen_kappa"]]
    at.text_input(key="segment-search").set_value("analytics").run()
    assert not at.exception


def test_integration_page_saves_a_verdict_outside_results(study, monkeypatch):
    import shutil

    at = _app(study, monkeypatch, "pages/integration.py")
    display = pd.read_parquet(study / "results/integration/joint_display.parquet")
    assert len(display) == 4
    key = f"{display['theme'].iloc[0]}__{display['construct'].iloc[0]}"
    before = sorted(p.name for p in (study / "results").rglob("*"))
    at.selectbox(key=f"verdict-{key}").set_value("complements").run()
    at.button(key=f"save-{key}").click().run()
    assert not at.exception
    saved = study / "interpretations" / "integration.yaml"
    try:
        assert "complements" in saved.read_text()
        assert sorted(p.name for p in (study / "results").rglob("*")) == before
        again = _app(study, monkeypatch, "pages/integration.py")
        assert again.selectbox(key=f"verdict-{key}").value == "complements"
    finally:
        saved.unlink()
        if not any(saved.parent.iterdir()):
            shutil.rmtree(saved.parent)


@pytest.mark.parametrize(("page", "folder"), [("pages/panel.py", "panel"), ("pages/did.py", "did")])
def test_panel_pages_show_every_table(study, monkeypatch, page, folder):
    at = _app(study, monkeypatch, page)
    tables = sorted((study / "results" / folder).rglob("*.html"))
    shown = [s.value for s in at.subheader]
    assert tables and len(shown) >= len(tables)


def test_benchmark_page_shows_one_firm(study, monkeypatch):
    at = _app(study, monkeypatch, "pages/benchmark.py")
    firms = pd.read_parquet(study / "results/benchmark/firms.parquet")
    firm = "F287"
    at.selectbox(key="benchmark-firm").set_value(firm).run()
    assert not at.exception
    row = firms[firms["firm_id"] == firm].iloc[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Peer group"] == row["level"] and metrics["Weakest"] == row["weakest"]
    labels = [b.label for b in at.get("download_button")]
    assert f"Report of {firm} (HTML)" in labels
    shown = next(d.value for d in at.dataframe if "percentile_band" in d.value.columns)
    others = set(firms["firm_id"]) - {firm}
    assert not others & set(shown.astype(str).to_numpy().ravel())
