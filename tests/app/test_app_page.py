"""The results page renders a study's results with Streamlit's own test runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import smekit.app
from smekit.demo import write_demo
from smekit.runner import run_study
from smekit.study import load_study

MAIN = str(Path(smekit.app.__file__).parent / "main.py")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    demo = write_demo(tmp_path_factory.mktemp("app") / "demo")
    run_study(load_study(demo.root))
    return demo.root


def test_page_lists_survey_results(study, monkeypatch):
    monkeypatch.setenv("SMEKIT_STUDY", str(study))
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "smekit results"
    headers = [s.value for s in at.subheader]
    assert "survey/exclusions.parquet" in headers
    assert "survey/reliability.parquet" in headers
    assert at.metric[0].value == "smekit demo study"
    assert len(at.dataframe) >= 10


def test_page_without_results_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SMEKIT_STUDY", str(tmp_path))
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert "smekit analyze" in at.error[0].value
