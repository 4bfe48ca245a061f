"""Publication tables (Markdown, HTML, LaTeX, DOCX) and figures (PNG, SVG)."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from docx import Document

from smekit.analysis import plots
from smekit.analysis.design import build_design
from smekit.analysis.influence import influence
from smekit.analysis.ols import fit_ols
from smekit.analysis.robust import fit_huber
from smekit.analysis.tables import model_column, regression_table, stars


@pytest.fixture(scope="module")
def fits():
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.normal(size=(120, 2)), columns=["x1", "x2"])
    df["y"] = 0.8 * df.x1 + 0.02 * df.x2 + rng.normal(size=120)
    d = build_design(df, "y ~ x1 + x2")
    small = build_design(df, "y ~ x1")
    return fit_ols(d), fit_huber(d), fit_ols(small)


def test_side_by_side_table_cells(fits):
    ols, huber, small = fits
    table = regression_table(
        [model_column(ols, "Full"), model_column(small, "Small"), model_column(huber, "Huber")],
        labels={"x1": "Predictor one"},
        title="T1",
    )
    body = table.body.set_index(["term", "kind"])
    coef = body.loc[("Predictor one", "coef"), "Full"]
    assert coef == f"{ols.params['x1']:.3f}{stars(ols.pvalues['x1'])}"
    assert coef.endswith("***")
    assert body.loc[("Predictor one", "se"), "Full"] == f"({ols.bse['x1']:.3f})"
    assert body.loc[("x2", "coef"), "Small"] == ""  # not in that model
    assert table.body["term"].iloc[-1] == "Intercept"  # intercept last
    footer = table.footer.set_index("statistic")
    assert footer.loc["N", "Full"] == "120"
    assert footer.loc["R²", "Full"] == f"{ols.rsquared:.3f}"
    assert footer.loc["R²", "Huber"] == ""


def test_renderers(fits, tmp_path):
    ols, huber, _ = fits
    table = regression_table(
        [model_column(ols, "OLS & co"), model_column(huber, "Huber")], title="T"
    )
    md = table.to_markdown()
    assert md.count("\n|") >= 9 and "(" in md and "* p < .05" in md
    html = table.to_html()
    parser = HTMLParser()
    parser.feed(html)
    assert "OLS &amp; co" in html and "<caption>T</caption>" in html
    tex = table.to_latex()
    assert r"OLS \& co" in tex and r"\begin{tabular}{lcc}" in tex and "$^{***}$" in tex
    path = table.to_docx(tmp_path / "t.docx")
    doc = Document(str(path))
    grid = doc.tables[0]
    assert len(grid.rows) == 1 + 2 * 3 + len(table.footer)
    assert grid.cell(0, 1).text == "OLS & co"


def test_stars_thresholds():
    assert [stars(p) for p in (0.0009, 0.001, 0.009, 0.049, 0.05, np.nan)] == [
        "***",
        "**",
        "**",
        "*",
        "",
        "",
    ]


def test_figures_are_written_and_deterministic(fits, tmp_path):
    ols, _, _ = fits
    infl = influence(ols)
    ids = [str(i) for i in ols.design.ids]
    first = plots.save_figure(
        plots.leverage_plot(infl.leverage, infl.student_internal, infl.cooks_d, ols.k, ids),
        tmp_path / "a" / "lev",
    )
    second = plots.save_figure(
        plots.leverage_plot(infl.leverage, infl.student_internal, infl.cooks_d, ols.k, ids),
        tmp_path / "b" / "lev",
    )
    assert [p.suffix for p in first] == [".png", ".svg"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    for fig in (
        plots.residuals_vs_fitted(ols.fittedvalues, ols.resid, ids),
        plots.normal_qq(infl.student_internal, ids),
        plots.scale_location(ols.fittedvalues, infl.student_internal),
        plots.cooks_distance_plot(infl.cooks_d, ids),
    ):
        assert len(fig.axes) == 1 and fig.axes[0].get_title()


def test_large_samples_are_subsampled_in_scatter_plots():
    rng = np.random.default_rng(0)
    n = 50_000
    fig = plots.residuals_vs_fitted(rng.normal(size=n), rng.normal(size=n))
    offsets = fig.axes[0].collections[0].get_offsets()
    assert plots.MAX_POINTS <= len(offsets) < n


def test_coefficient_plot_has_one_series_per_model():
    table = pd.DataFrame(
        {
            "model": ["A", "A", "B", "B"],
            "term": ["x1", "x2", "x1", "x2"],
            "coef": [1.0, 2.0, 1.5, 2.5],
            "ci_low": [0.5, 1.5, 1.0, 2.0],
            "ci_high": [1.5, 2.5, 2.0, 3.0],
        }
    )
    fig = plots.coefficient_plot(table)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["A", "B"]
