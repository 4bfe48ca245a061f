"""The benchmark stage on the demo study, and ``smekit benchmark`` (reports and the store)."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest
import yaml

from smekit.context import RunContext
from smekit.stages import benchmark as stage
from smekit.study import Study, StudyConfig
from smekit.study.benchmark import BenchmarkConfig

DEMO_FIRM = "F287"  # services, north/central: the only firm of its sector x region


class _WithBenchmark(StudyConfig):
    """study.yaml with a ``benchmark:`` section (the field StudyConfig gains)."""

    benchmark: BenchmarkConfig | None = None


def _run_stage(analysed, out, **section) -> RunContext:
    base = analysed.ctx.study.config.model_dump()
    base.pop("benchmark", None)
    config = _WithBenchmark(**{**base, "results": str(out), "benchmark": section})
    ctx = RunContext(study=Study(root=analysed.root, config=config))
    ctx.results.update(
        {k: analysed.ctx.results[k] for k in ("analysis_frame", "instrument", "regression")}
    )
    for s in stage.STAGES:
        assert s.applies(config)
        s.run(ctx)
    return ctx


@pytest.fixture(scope="module")
def staged(analysed_demo, tmp_path_factory):
    return _run_stage(analysed_demo, tmp_path_factory.mktemp("bench-a"), firm=DEMO_FIRM)


def test_stage_writes_profiles_priorities_and_the_demo_firm_report(staged):
    out = staged.out / "benchmark"
    profiles = pd.read_csv(out / "profiles.csv")
    assert profiles["firm_id"].nunique() == 300
    assert len(profiles) == 300 * 6  # five constructs and the composite
    priorities = pd.read_csv(out / "priorities.csv")
    assert (priorities.groupby("firm_id").size() <= 3).all()
    assert set(priorities["dimension"]) <= {
        "digital_tools",
        "supply_chain_div",
        "employee_training",
        "customer_engagement",
    }
    html = (out / "reports" / f"{DEMO_FIRM}.html").read_text()
    assert (
        "sector x region x size band group" in html
        and "has fewer than 5 firms: no statistics" in html
    )
    assert "Digital transformation success: no effect estimated" in html
    assert (out / "reports" / f"{DEMO_FIRM}.docx").stat().st_size > 0


def test_demo_firm_priorities_use_the_regression_effects(staged):
    table = staged.results["benchmark_priorities"]
    suite = staged.results["regression"]
    mine = table[table["firm_id"] == DEMO_FIRM]
    assert len(mine) >= 1
    for row in mine.to_dict("records"):
        assert row["effect"] == pytest.approx(float(suite.ols.params[row["dimension"]]))
        assert row["gain"] == pytest.approx(row["gap"] * row["effect"])
    assert mine["gain"].is_monotonic_decreasing


def test_stage_reports_are_reproducible(analysed_demo, staged, tmp_path):
    again = _run_stage(analysed_demo, tmp_path, firm=DEMO_FIRM)
    for suffix in ("html", "docx", "svg", "png"):
        a = (staged.out / "benchmark" / "reports" / f"{DEMO_FIRM}.{suffix}").read_bytes()
        b = (again.out / "benchmark" / "reports" / f"{DEMO_FIRM}.{suffix}").read_bytes()
        assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest(), suffix


def test_unknown_dimension_in_study_yaml(analysed_demo, tmp_path):
    from smekit.core.errors import StudyError

    with pytest.raises(StudyError, match=r"\['resilience'\] are not constructs"):
        _run_stage(analysed_demo, tmp_path, dimensions=["resilience"])


def test_peer_levels_must_get_broader():
    with pytest.raises(ValueError, match="broader than the one before"):
        BenchmarkConfig(peer_levels=[["sector"], ["region"]])


def test_cli_one_firm(analysed_demo, cli, tmp_path):
    res = cli("benchmark", str(analysed_demo.root), "--firm", DEMO_FIRM, "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "reports" / f"{DEMO_FIRM}.html").exists()
    assert len(pd.read_csv(tmp_path / "profiles.csv")) == 1800
    res = cli("benchmark", str(analysed_demo.root), "--firm", "F999", "--out", str(tmp_path))
    assert res.returncode == 2 and "no firm 'F999'" in res.stderr
    res = cli("benchmark", str(analysed_demo.root), "--out", str(tmp_path))
    assert res.returncode == 2 and "give --firm ID or --all" in res.stderr


def test_cli_all_firms_of_a_small_study(analysed_demo, cli, tmp_path):
    from smekit.runner import run_study
    from smekit.study import load_study

    root = tmp_path / "small"
    shutil.copytree(analysed_demo.root, root, ignore=shutil.ignore_patterns("results"))
    responses = root / "data" / "responses.csv"
    lines = responses.read_text().splitlines(keepends=True)
    responses.write_text("".join(lines[:25]))
    config = yaml.safe_load((root / "study.yaml").read_text())
    # only the survey and the regression are needed; the demo's report firm F287 is cut off
    for part in ("interviews", "panels", "integration", "benchmark"):
        config.pop(part, None)
    (root / "study.yaml").write_text(yaml.safe_dump(config))
    run_study(load_study(root))
    res = cli("benchmark", str(root), "--all")
    assert res.returncode == 0, res.stderr
    reports = sorted((root / "results" / "benchmark" / "reports").glob("*.html"))
    assert len(reports) == 24
    assert "Wrote 24 firm report(s)" in res.stdout


def test_cli_store_round_trip(analysed_demo, cli, tmp_path):
    store = tmp_path / "store.duckdb"
    study = str(analysed_demo.root)
    assert cli("benchmark", "store", "add", str(store), study, "--wave", "2024").returncode == 0
    before = store.read_bytes()
    res = cli("benchmark", "store", "add", str(store), study, "--wave", "2024")
    assert res.returncode == 2 and "already in the store" in res.stderr
    assert store.read_bytes() == before
    res = cli("benchmark", "store", "add", str(store), study, "--wave", "2025", "--name", "other")
    assert res.returncode == 0, res.stderr
    listed = cli("benchmark", "store", "list", str(store)).stdout.splitlines()
    assert [line.split(":")[0] for line in listed] == [
        "smekit demo study / 2024",
        "other / 2025",
    ]
    res = cli(
        "benchmark", study, "--firm", DEMO_FIRM, "--store", str(store), "--out", str(tmp_path)
    )
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "reports" / f"{DEMO_FIRM}_store.html").read_text()
    # the demo firm's own stored copy is left out; the other study's copy is a peer
    assert "sector x size band group (46 firms)" in html
    res = cli("benchmark", "store", "remove", str(store), "--study", "other", "--wave", "2025")
    assert res.returncode == 0 and "(300 firms)" in res.stdout
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 10)
    res = cli("benchmark", "store", "list", str(junk))
    assert res.returncode == 2 and "not a DuckDB database" in res.stderr
