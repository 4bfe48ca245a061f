"""The study report: sections from the results that exist, same bytes on a rerun."""

from __future__ import annotations

import json

import docx
import matplotlib
import pandas as pd
import pytest

from smekit.analysis.report import build_report, render_html, write_report
from smekit.core.errors import StudyError

matplotlib.use("Agg")


@pytest.fixture()
def results(tmp_path):
    import matplotlib.pyplot as plt

    root = tmp_path / "results"
    (root / "survey").mkdir(parents=True)
    (root / "regression" / "figures").mkdir(parents=True)
    (root / "manifest.json").write_text(
        json.dumps({"study": "Tiny <study>", "smekit_version": "9.9", "config": {"seed": 7}})
    )
    (root / "survey" / "summary.json").write_text(
        json.dumps({"responses_in": 10, "kept": 9, "excluded": 1, "reliability": {}})
    )
    pd.DataFrame({"construct": ["a"], "n": [9], "alpha": [0.81234], "p": [0.00001]}).to_parquet(
        root / "survey" / "reliability.parquet"
    )
    (root / "regression" / "suite.json").write_text(
        json.dumps(
            {
                "n": 9,
                "ols": {
                    "params": {"Intercept": 1.0, "a": 0.5},
                    "conf_int": {"a": [0.1, 0.9]},
                    "pvalues": {"a": 0.02},
                    "rsquared": 0.4,
                },
            }
        )
    )
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(root / "regression" / "figures" / "residuals_vs_fitted.png", dpi=50)
    plt.close(fig)
    return root


def test_report_sections_and_escaping(results):
    page = render_html(build_report(results))
    assert "<h1>Tiny &lt;study&gt;</h1>" in page
    assert "9 of 10 responses were analysed" in page
    assert "a: b = 0.500, 95% CI [0.100, 0.900], p = .020." in page
    assert "<td>0.812</td>" in page and "<td>&lt; .001</td>" in page  # APA formatting
    assert "data:image/png;base64," in page
    assert "Interview themes" not in page  # no interviews results, no section


def test_report_files_are_reproducible(results):
    first = [p.read_bytes() for p in write_report(results)]
    second = [p.read_bytes() for p in write_report(results)]
    assert first == second
    document = docx.Document(str(results / "report" / "report.docx"))
    assert document.paragraphs[0].text == "Tiny <study>"
    assert len(document.tables) == 1 and len(document.inline_shapes) == 1
    assert document.tables[0].rows[1].cells[2].text == "0.812"


def test_report_needs_results(tmp_path):
    with pytest.raises(StudyError, match="smekit analyze"):
        build_report(tmp_path)
