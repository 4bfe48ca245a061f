"""The demo study: determinism, planted problems, recoverable true effects, file formats.

Reference values are the demo's own generating values (``truth.json``), which
follow the studies in SEEDS.md: S1 (n = 300; 65% retail; regions 40/30/25%;
mean size 150; b(digital tools) = 0.45, customer engagement largest) and S3
(285 cities x 2012-2022, 55 treated from 2018, ATT 0.656).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from docx import Document

from smekit.core.errors import SmekitError
from smekit.demo import write_demo
from smekit.survey.instrument import library_path, load_instrument
from smekit.survey.quality import QualityRules, check_quality

PREDICTORS = ["digital_tools", "supply_chain_div", "employee_training", "customer_engagement"]
CONSTRUCT_ITEMS = {
    "digital_tools": ["dt1", "dt2", "dt3", "dt4", "dt5"],
    "supply_chain_div": ["sc1", "sc2", "sc3", "sc4", "sc5"],
    "employee_training": ["et1", "et2", "et3", "et4", "et5"],
    "customer_engagement": ["ce1", "ce2", "ce3", "ce4", "ce5"],
    "digital_transformation": ["dx1", "dx2", "dx3", "dx4", "dx5", "dx6"],
}
REVERSED = {"dt4", "sc5"}
LIKERT = [i for items in CONSTRUCT_ITEMS.values() for i in items]


@pytest.fixture(scope="module")
def study(demo_study):
    """The session's demo (tests/conftest.py), written once with the default seed."""
    return demo_study


@pytest.fixture(scope="module")
def responses(study) -> pd.DataFrame:
    return pd.read_csv(study.root / "data" / "responses.csv")


@pytest.fixture(scope="module")
def clean(responses) -> pd.DataFrame:
    """The 300 clean firms with item-mean construct scores (dt4, sc5 reverse-coded)."""
    data = responses.iloc[:300].copy()
    for construct, items in CONSTRUCT_ITEMS.items():
        block = data[items].astype(float)
        for item in REVERSED:
            if item in block:
                block[item] = 6 - block[item]
        data[construct] = block.mean(axis=1)
    return data


@pytest.fixture(scope="module")
def ols(clean):
    x = sm.add_constant(clean[PREDICTORS])
    return sm.OLS(clean["digital_transformation"], x).fit()


def _hashes(root: Path) -> dict[str, str]:
    """Every file the demo wrote (``results/`` is the analysis's, not the demo's)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.relative_to(root).parts[0] not in ("results", "private", "interpretations")
    }


# -- folder and determinism ----------------------------------------------------------


def test_two_runs_write_identical_files(study, tmp_path):
    again = write_demo(tmp_path / "again")
    first, second = _hashes(study.root), _hashes(again.root)
    assert sorted(first) == study.truth["files"]
    assert first == second


def test_other_seed_changes_the_data(study, tmp_path):
    other = write_demo(tmp_path / "other", seed=7)
    a, b = _hashes(study.root), _hashes(other.root)
    assert a["data/responses.csv"] != b["data/responses.csv"]
    assert "seed: 7" in (other.root / "study.yaml").read_text()


def test_folder_layout_and_truth_file(study):
    files = sorted(_hashes(study.root))
    expected = [
        "data/panel_s2.csv",
        "data/panel_s3.csv",
        "data/participants.csv",
        "data/responses.csv",
        *[f"data/transcripts/P{k:02d}.vtt" for k in range(1, 6)],
        *[f"data/transcripts/P{k:02d}.docx" for k in range(6, 11)],
        *[f"data/transcripts/P{k:02d}.txt" for k in range(11, 16)],
        "study.yaml",
        "truth.json",
    ]
    # the survey, panel and interview inputs; other parts of the demo may add files,
    # and truth.json lists every file written
    assert set(expected) <= set(files)
    truth = json.loads((study.root / "truth.json").read_text(encoding="utf-8"))
    assert truth == study.truth
    assert truth["files"] == files
    yaml_text = (study.root / "study.yaml").read_text()
    assert "responses: data/responses.csv" in yaml_text
    assert "interactions: [[digital_tools, customer_engagement]]" in yaml_text


def test_refuses_to_overwrite_without_force(study, tmp_path):
    root = tmp_path / "mine"
    root.mkdir()
    (root / "notes.md").write_text("keep me")
    with pytest.raises(SmekitError, match="--force"):
        write_demo(root)
    assert sorted(p.name for p in root.iterdir()) == ["notes.md"]


def test_force_replaces_only_demo_files(demo_copy):
    root = demo_copy
    (root / "notes.md").write_text("keep me")
    (root / "results").mkdir()
    (root / "results" / "stale.json").write_text("{}")
    (root / "data" / "stale.csv").write_text("x\n1\n")
    write_demo(root, seed=3, force=True)
    assert (root / "notes.md").read_text() == "keep me"
    assert not (root / "results").exists()
    assert not (root / "data" / "stale.csv").exists()
    assert (root / "data" / "responses.csv").exists()


def test_refuses_a_file_as_target(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(SmekitError, match="not a folder"):
        write_demo(target, force=True)


# -- survey ---------------------------------------------------------------------------


def test_survey_columns_follow_the_instrument(responses):
    instrument = load_instrument(library_path("s1_resilience_dt"))
    assert list(responses.columns) == [
        "respondent_id",
        "start_time",
        "end_time",
        "duration_sec",
        *instrument.items,
    ]
    assert {i.id for i in instrument.iter_items() if i.reverse} == REVERSED
    assert len(responses) == 304
    assert responses["respondent_id"].tolist() == [f"F{k:03d}" for k in range(1, 305)]
    start = pd.to_datetime(responses["start_time"])
    end = pd.to_datetime(responses["end_time"])
    assert ((end - start).dt.total_seconds() == responses["duration_sec"]).all()
    values = responses[LIKERT].to_numpy(dtype=float)
    assert np.isin(values[~np.isnan(values)], [1, 2, 3, 4, 5]).all()
    assert np.isnan(values).sum() == len(LIKERT) - 10  # F303 stops after the sc items


def test_planted_rows(study, responses):
    planted = study.truth["survey"]["planted"]
    assert planted == {
        "F301": "straightliner",
        "F302": "speeder",
        "F303": "incomplete",
        "F304": "attention",
    }
    rows = responses.set_index("respondent_id")
    clean = rows.iloc[:300]
    assert (clean["attn1"] == 2).all()
    assert (rows.loc["F301", LIKERT] == 4).all() and rows.loc["F301", "attn1"] == 2
    median = responses["duration_sec"].median()
    assert 600 <= median <= 800
    assert rows.loc["F302", "duration_sec"] == 60
    assert clean["duration_sec"].min() > 0.3 * median
    after_sc = list(responses.columns[responses.columns.get_loc("sc5") + 1 :])
    assert rows.loc["F303", after_sc].isna().all()
    assert rows.loc["F303", ["employees", "sector", "dt1", "sc5"]].notna().all()
    assert rows.loc["F304", "attn1"] == 5
    for rid in ("F302", "F304"):
        assert rows.loc[rid, LIKERT].nunique() > 1


def test_quality_rules_exclude_exactly_the_planted_rows(study, responses):
    instrument = load_instrument(library_path("s1_resilience_dt"))
    rules = QualityRules.from_config(
        {
            "incomplete": {"max_missing_share": 0.2},
            "straightlining": {"max_run_share": 1.0, "min_items": 10},
            "speeders": {"min_share_of_median": 0.3},
            "attention_checks": True,
            "mahalanobis": {"alpha": 0.001},
        }
    )
    report = check_quality(
        responses, instrument, rules, id_column="respondent_id", duration_column="duration_sec"
    )
    assert len(report.kept) == 300
    flags = report.flags.set_index("id")
    kinds = {
        "straightliner": "straightliner",
        "speeder": "speeder",
        "incomplete": "incomplete",
        "attention": "attention",
    }
    rule_cols = ["incomplete", "straightliner", "speeder", "attention", "outlier"]
    for rid, kind in study.truth["survey"]["planted"].items():
        hit = [c for c in rule_cols if flags.loc[rid, c]]
        assert hit == [kinds[kind]], rid
    assert not flags.loc["F004", "outlier"]


def test_sample_profile(study, clean):
    n = len(clean)
    assert n == 300
    assert (clean["sector"] == 1).mean() == pytest.approx(0.65)
    retail = clean.loc[clean["sector"] == 1, "retail_sub"]
    assert (retail == 1).mean() == pytest.approx(0.52, abs=0.01)
    assert (retail == 2).mean() == pytest.approx(0.30, abs=0.01)
    assert clean.loc[clean["sector"] != 1, "retail_sub"].isna().all()
    region = clean["region"].value_counts(normalize=True)
    assert region[1] == pytest.approx(0.40)
    assert region[2] == pytest.approx(0.30)
    assert region[3] == pytest.approx(0.25)
    assert abs(clean["employees"].mean() - 150) <= 10
    assert clean["employees"].between(1, 500).all()
    assert clean["firm_age"].between(1, 40).all()
    assert clean["export_share"].isna().sum() == 30
    assert clean["export_share"].dropna().between(0, 100).all()
    profile = study.truth["survey"]["profile"]
    assert profile["sector"]["retail"] == 195
    assert profile["employees_mean"] == pytest.approx(clean["employees"].mean())
    tokens = clean["platforms"].astype(str).str.split().explode().astype(int)
    assert tokens.between(1, 6).all()


def test_ols_recovers_true_coefficients(study, ols):
    truth = study.truth["survey"]["coefficients"]
    ci = ols.conf_int(alpha=0.05)
    for name, beta in truth.items():
        assert ci.loc[name, 0] <= beta <= ci.loc[name, 1], name
        assert ols.pvalues[name] < 0.001, name
    slopes = ols.params[PREDICTORS]
    assert slopes.idxmax() == "customer_engagement"
    assert (slopes > 0).all()
    assert 0.5 <= ols.rsquared <= 0.7


def test_firm_4_is_the_most_influential(study, clean, ols):
    influence = ols.get_influence()
    cooks = influence.cooks_distance[0]
    leverage = influence.hat_matrix_diag
    k = len(PREDICTORS)
    position = clean.index[clean["respondent_id"] == study.truth["survey"]["influential"]][0]
    assert study.truth["survey"]["influential"] == "F004"
    assert int(np.argmax(cooks)) == position
    assert leverage[position] > 2 * (k + 1) / len(clean)


def test_construct_reliability(clean):
    for construct, items in CONSTRUCT_ITEMS.items():
        block = clean[items].astype(float)
        for item in REVERSED & set(items):
            block[item] = 6 - block[item]
        alpha, _ = pg.cronbach_alpha(data=block)
        assert 0.7 <= alpha <= 0.95, construct


def test_reverse_items_run_against_their_construct(clean):
    raw = clean[CONSTRUCT_ITEMS["digital_tools"]].astype(float)
    assert raw["dt4"].corr(raw["dt1"]) < 0
    assert (6 - raw["dt4"]).corr(raw["dt1"]) > 0


# -- interviews -----------------------------------------------------------------------


def test_participant_sheet_links_clean_firms(study, clean):
    sheet = pd.read_csv(study.root / "data" / "participants.csv")
    assert list(sheet.columns) == [
        "participant_id",
        "respondent_id",
        "role",
        "sector",
        "employees",
        "interview_date",
        "duration_min",
        "transcript_file",
    ]
    assert sheet["participant_id"].tolist() == [f"P{k:02d}" for k in range(1, 16)]
    assert sheet["respondent_id"].is_unique
    firms = clean.set_index("respondent_id")
    assert sheet["respondent_id"].isin(firms.index).all()
    assert "F004" not in set(sheet["respondent_id"])
    labels = {1: "Retail", 2: "Manufacturing", 3: "Services"}
    for row in sheet.itertuples():
        assert labels[firms.loc[row.respondent_id, "sector"]] == row.sector
        assert firms.loc[row.respondent_id, "employees"] == row.employees
    roles = {
        "E-commerce Manager",
        "Owner",
        "Founder",
        "Operations Director",
        "HR Manager",
        "Team Leader",
        "Marketing Director",
        "Customer-Service Manager",
    }
    assert set(sheet["role"]) == roles
    assert sheet.loc[4, "role"] == "E-commerce Manager"
    assert sheet["duration_min"].between(45, 75).all()
    assert abs(sheet["duration_min"].mean() - 60) < 5
    assert pd.to_datetime(sheet["interview_date"]).is_monotonic_increasing


def _turns(study, pid: str) -> list[tuple[str, str]]:
    """(speaker, text) turns read back from a transcript file of any format."""
    folder = study.root / "data" / "transcripts"
    fmt = study.truth["interviews"]["participants"][pid]["format"]
    path = folder / f"{pid}.{fmt}"
    if fmt == "vtt":
        return re.findall(r"^<v ([^>]+)>(.*)$", path.read_text(encoding="utf-8"), re.M)
    if fmt == "docx":
        out = []
        for p in Document(str(path)).paragraphs:
            assert p.runs[0].bold and p.runs[0].text.endswith(":")
            out.append((p.runs[0].text[:-1], p.text[len(p.runs[0].text) :].strip()))
        return out
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split(": ", 1)) for line in lines]


def test_transcript_formats(study):
    folder = study.root / "data" / "transcripts"
    suffixes = sorted(p.suffix for p in folder.iterdir())
    assert suffixes == [".docx"] * 5 + [".txt"] * 5 + [".vtt"] * 5
    for k in range(1, 6):
        text = (folder / f"P{k:02d}.vtt").read_text(encoding="utf-8")
        assert text.startswith("WEBVTT\n\n")
        times = re.findall(
            r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$", text, re.M
        )
        secs = [
            (
                int(a) * 3600 + int(b) * 60 + int(c) + int(d) / 1000,
                int(e) * 3600 + int(f) * 60 + int(g) + int(h) / 1000,
            )
            for a, b, c, d, e, f, g, h in times
        ]
        assert all(s < e for s, e in secs)
        assert all(secs[i][1] <= secs[i + 1][0] for i in range(len(secs) - 1))
    for k in range(6, 11):
        path = folder / f"P{k:02d}.docx"
        stamps = {info.date_time for info in zipfile.ZipFile(path).infolist()}
        assert len(stamps) == 1  # one fixed timestamp, not the time of writing
        props = Document(str(path)).core_properties
        assert props.created == props.modified
        assert props.created.year == 2024


def test_transcripts_content_matches_truth(study):
    interviews = study.truth["interviews"]
    for pid, info in interviews["participants"].items():
        turns = _turns(study, pid)
        assert len(turns) == info["n_turns"]
        assert 20 <= len(turns) <= 40
        speakers = [s for s, _ in turns]
        name = study.truth["identifiers"][pid]["people"][0]
        assert set(speakers) == {"Interviewer", name}
        assert speakers[::2] == ["Interviewer"] * len(speakers[::2])
        text = " ".join(t for _, t in turns)
        ids = study.truth["identifiers"][pid]
        for value in [*ids["people"], ids["firm"], ids["city"]]:
            assert value in text, (pid, value)
        assert "pandemic_challenges" in info["themes"]
        for theme, numbers in info["theme_turns"].items():
            assert theme in info["themes"]
            assert all(speakers[n - 1] == name for n in numbers)
    counts = interviews["theme_counts"]
    assert counts["pandemic_challenges"] == 15
    for theme in interviews["theme_constructs"]:
        assert 10 <= counts[theme] <= 14, theme


def test_same_theme_is_worded_differently(study):
    """No two participants voice the digital-tools theme with the same set of sentences."""
    seen = []
    for pid, info in study.truth["interviews"]["participants"].items():
        turns = _turns(study, pid)
        numbers = info["theme_turns"].get("digital_tools_adoption", [])
        seen.append(" ".join(turns[n - 1][1] for n in numbers))
    voiced = [s for s in seen if s]
    assert len(set(voiced)) == len(voiced) >= 10


# -- panels ---------------------------------------------------------------------------


def test_panel_s2_shape_and_missing_cells(study):
    panel = pd.read_csv(study.root / "data" / "panel_s2.csv")
    truth = study.truth["panel_s2"]
    assert panel.shape[0] == 300
    assert panel["province_id"].nunique() == 30
    assert sorted(panel["year"].unique()) == list(range(2013, 2023))
    assert not panel.duplicated(["province_id", "year"]).any()
    obs = panel["region"].value_counts()
    assert obs["east"] + obs["central"] == 190 and obs["west"] == 110
    indicators = [c for cols in truth["indicators"].values() for c in cols]
    assert len(indicators) == 21
    assert set(truth["negative_indicators"]) <= set(indicators)
    numeric = indicators + list(truth["resilience_indicators"]) + truth["controls"]
    numeric += list(truth["mediators"])
    share = panel[numeric].isna().to_numpy().mean()
    assert 0.005 <= share <= 0.015
    assert len(truth["missing_cells"]) == panel[numeric].isna().sum().sum()
    missing_years = {c["year"] for c in truth["missing_cells"]}
    assert min(missing_years) > 2013 and max(missing_years) < 2022
    assert panel.groupby("province_id")["post_offices_1984"].nunique().eq(1).all()


def test_panel_s2_latent_effects(study):
    panel = pd.read_csv(study.root / "data" / "panel_s2.csv")
    truth = study.truth["panel_s2"]
    data = panel.merge(pd.DataFrame(truth["latent"]), on=["province_id", "year"])
    assert truth["effect_total"] == pytest.approx(0.30 + 0.08 * 1.5)
    controls = " + ".join(truth["controls"])
    total = smf.ols(
        f"resilience ~ digital_economy + {controls} + C(province_id) + C(year)", data
    ).fit()
    lo, hi = total.conf_int().loc["digital_economy"]
    assert lo <= truth["effect_total"] <= hi
    a = smf.ols("trade_dependence ~ digital_economy + C(province_id) + C(year)", data).fit()
    lo, hi = a.conf_int().loc["digital_economy"]
    assert lo <= truth["mediators"]["trade_dependence"]["a"] <= hi
    positive = data[truth["indicators"]["dinf"][0]].corr(data["digital_economy"])
    negative = data[truth["negative_indicators"][0]].corr(data["digital_economy"])
    assert positive > 0.8 and negative < -0.8


def test_panel_s3_shape_treatment_and_missing(study):
    panel = pd.read_csv(study.root / "data" / "panel_s3.csv")
    truth = study.truth["panel_s3"]
    assert panel.shape[0] == 3135
    assert panel["city_id"].nunique() == 285
    assert sorted(panel["year"].unique()) == list(range(2012, 2023))
    treat = panel.groupby("city_id")["treat"].agg(["min", "max"])
    assert (treat["min"] == treat["max"]).all() and treat["max"].sum() == 55
    assert sorted(treat.index[treat["max"] == 1]) == sorted(truth["treated"])
    assert (panel["post"] == (panel["year"] >= 2018).astype(int)).all()
    assert panel["trade_resilience"].isna().sum() == 44
    assert panel["trade_resilience"].notna().sum() == truth["n_complete"] == 3091
    gap = panel.loc[panel["city_id"] == truth["dropped_city"]]
    missing_years = gap.loc[gap["trade_resilience"].isna(), "year"].tolist()
    assert missing_years == truth["dropped_city_missing_years"]
    assert np.all(np.diff(missing_years) == 1) and len(missing_years) == 4
    runs = (
        panel.assign(m=panel["trade_resilience"].isna())
        .groupby("city_id")["m"]
        .apply(lambda m: m.groupby((~m).cumsum()).sum().max())
    )
    assert runs[runs > 3].index.tolist() == [truth["dropped_city"]]


def test_panel_s3_did_recovers_att(study):
    panel = pd.read_csv(study.root / "data" / "panel_s3.csv").dropna(subset=["trade_resilience"])
    panel = panel.assign(did=panel["treat"] * panel["post"])
    controls = " + ".join(study.truth["panel_s3"]["controls"])
    fit = smf.ols(f"trade_resilience ~ did + {controls} + C(city_id) + C(year)", panel).fit()
    lo, hi = fit.conf_int().loc["did"]
    assert lo <= 0.656 <= hi
    assert study.truth["panel_s3"]["att"] == 0.656
    assert fit.pvalues["did"] < 0.001
    assert fit.rsquared > 0.85


def test_panel_s3_treated_cities_differ_at_baseline(study):
    """Selection on observables: treated cities are richer in 2012 (PSM has work to do)."""
    panel = pd.read_csv(study.root / "data" / "panel_s3.csv")
    base = panel.loc[panel["year"] == 2012]
    means = base.groupby("treat")["gdp_pc"].mean()
    assert means[1] > means[0]


def test_themes_are_the_codebook_themes(study):
    """Transcript themes are the top-level codes of s1_codebook, linked to the same constructs."""
    from smekit.interviews.codebook import load_codebook

    codebook = load_codebook(library_path("s1_codebook"))
    top = {c.id: c.construct_id for c in codebook.codes if c.parent is None}
    interviews = study.truth["interviews"]
    assert set(top) == set(interviews["themes"])
    for theme, construct in interviews["theme_constructs"].items():
        assert top[theme] == construct
