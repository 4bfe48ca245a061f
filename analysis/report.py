"""The study report: one HTML page and one DOCX document from a study's ``results/``.

``smekit report STUDY`` (and the last stage of ``smekit analyze``) writes
``results/report/report.html`` and ``results/report/report.docx``. Both are
assembled from files the analysis stages already wrote — the regression tables
that :mod:`smekit.analysis.tables` rendered, the figures of
:mod:`smekit.analysis.plots`, and result tables formatted by
:func:`smekit.analysis.display.format_frame` — so the report, the app and the
per-table files cannot disagree. Nothing is estimated here.

Both files are reproducible byte for byte from the same results: the HTML
embeds figures as base64 PNG, and the DOCX is saved with fixed dates and zip
timestamps (:mod:`smekit.core.docxio`).

Sections appear when their results exist: study and design, headline findings,
survey (data quality, sample, constructs, reliability), regression (models,
checks, influence, subgroups), interview themes, integration (joint display),
panel and policy-evaluation results, benchmarking.
"""

from __future__ import annotations

import base64
import copy
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import pandas as pd
from docx.shared import Inches, Pt

from smekit.analysis.display import format_frame
from smekit.analysis.headlines import regression_headlines, survey_headlines
from smekit.core.docxio import save_docx, write_output
from smekit.core.errors import StudyError

CSS = """
body { font-family: Helvetica, Arial, sans-serif; max-width: 60em; margin: 2em auto;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.7em; } h2 { border-bottom: 1px solid #999; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0 1.4em; font-size: 0.9em; }
th, td { border-top: 1px solid #bbb; border-bottom: 1px solid #bbb; padding: 0.25em 0.6em;
         text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #444; }
img { max-width: 100%; }
""".strip()


@dataclass
class _Report:
    """Blocks in reading order; each block is rendered to both HTML and DOCX."""

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(("heading", (text, level)))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("paragraph", text))

    def bullets(self, lines: list[str]) -> None:
        if lines:
            self.blocks.append(("bullets", lines))

    def frame(self, frame: pd.DataFrame | None, caption: str) -> None:
        if frame is not None and len(frame):
            self.blocks.append(("frame", (format_frame(frame), caption)))

    def table_files(self, html_path: Path) -> None:
        """A table written by :mod:`smekit.analysis.tables` (its .html and .docx twins)."""
        if html_path.exists():
            self.blocks.append(("table_files", html_path))

    def figure(self, png: Path, caption: str) -> None:
        if png.exists():
            self.blocks.append(("figure", (png, caption)))


def _read_table(path_stem: Path) -> pd.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        p = path_stem.with_suffix(suffix)
        if p.exists():
            return pd.read_parquet(p) if suffix == ".parquet" else pd.read_csv(p)
    return None


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _caption(path: Path) -> str:
    return path.stem.replace("_", " ").capitalize()


def build_report(results_dir: Path, manifest: dict | None = None) -> _Report:
    """Collect the report's blocks from a results folder (see the module docstring).

    ``manifest`` is ``results/manifest.json`` by default; the analysis runner
    passes the run's own (the report is written before the manifest).
    """
    results_dir = Path(results_dir)
    if manifest is None:
        manifest = _read_json(results_dir / "manifest.json")
    if manifest is None:
        raise StudyError(
            "no results/manifest.json",
            where=results_dir,
            fix="run `smekit analyze STUDY` before `smekit report STUDY`",
        )
    config = manifest.get("config") or {}
    report = _Report(title=manifest.get("study") or config.get("name") or "smekit study")
    report.paragraph(
        f"Analysed with smekit {manifest.get('smekit_version', '?')} "
        f"(seed {config.get('seed', 0)})."
    )
    survey = results_dir / "survey"
    summary = _read_json(survey / "summary.json") or {}
    suite = _read_json(results_dir / "regression" / "suite.json") or {}
    report.heading("Headline findings")
    report.bullets(survey_headlines(summary) + regression_headlines(suite))
    if survey.is_dir():
        report.heading("Survey")
        report.frame(_read_table(survey / "quality_summary"), "Quality rules: responses flagged")
        report.frame(_read_table(survey / "exclusions"), "Excluded responses and why")
        report.frame(_read_table(survey / "profile_numeric"), "Sample profile: numeric items")
        report.frame(
            _read_table(survey / "profile_categorical"), "Sample profile: categorical items"
        )
        report.frame(_read_table(survey / "construct_summary"), "Construct scores")
        report.frame(_read_table(survey / "reliability"), "Reliability: alpha (Feldt CI), omega")
    regression = results_dir / "regression"
    if regression.is_dir():
        report.heading("Regression")
        for name in ("table_main", "table_interactions", "table_subgroups"):
            report.table_files(regression / f"{name}.html")
        report.frame(_read_table(regression / "assumptions"), "Assumption checks")
        report.frame(_read_table(regression / "reset"), "Ramsey RESET")
        report.frame(_read_table(regression / "collinearity"), "Collinearity")
        report.frame(_read_table(regression / "flagged"), "Influential firms")
        for png in sorted((regression / "figures").glob("*.png")):
            report.figure(png, _caption(png))
    for folder, title in (
        ("interviews", "Interview themes"),
        ("integration", "Integration: themes and coefficients"),
        ("panel", "Panel analyses"),
        ("did", "Policy evaluation"),
        ("benchmark", "Benchmarking"),
    ):
        _generic_section(report, results_dir / folder, title)
    return report


def _generic_section(report: _Report, folder: Path, title: str) -> None:
    """Every rendered table (``*.html``), figure and CSV summary table of a folder."""
    if not folder.is_dir():
        return
    report.heading(title)
    for table_html in sorted(folder.rglob("*.html")):
        report.table_files(table_html)
    for csv in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(csv)
        if 0 < len(frame) <= 60 and len(frame.columns) <= 12:
            report.frame(frame, _caption(csv))
    for png in sorted(folder.rglob("*.png")):
        report.figure(png, _caption(png))


# -- rendering -----------------------------------------------------------------------------
def render_html(report: _Report) -> str:
    """The report as one self-contained HTML page (figures embedded as base64 PNG)."""
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(report.title)}</h1>",
    ]
    for kind, value in report.blocks:
        if kind == "heading":
            text, level = value
            out.append(f"<h{level}>{esc(text)}</h{level}>")
        elif kind == "paragraph":
            out.append(f"<p>{esc(value)}</p>")
        elif kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>")
        elif kind == "frame":
            frame, caption = value
            out.append(_html_frame(frame, caption))
        elif kind == "table_files":
            out.append(value.read_text(encoding="utf-8"))
        elif kind == "figure":
            png, caption = value
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            out.append(
                f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_frame(frame: pd.DataFrame, caption: str) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def render_docx(report: _Report) -> Any:
    """The report as a python-docx ``Document``."""
    document = docx.Document()
    document.core_properties.title = report.title
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(report.title, level=0)
    for kind, value in report.blocks:
        if kind == "heading":
            text, level = value
            document.add_heading(text, level=level - 1)
        elif kind == "paragraph":
            document.add_paragraph(value)
        elif kind == "bullets":
            for line in value:
                document.add_paragraph(line, style="List Bullet")
        elif kind == "frame":
            frame, caption = value
            _docx_frame(document, frame, caption)
        elif kind == "table_files":
            _docx_copy_body(document, value.with_suffix(".docx"))
        elif kind == "figure":
            png, caption = value
            document.add_picture(str(png), width=Inches(5.5))
            document.add_paragraph(caption).runs[0].italic = True
    return document


def _docx_frame(document: Any, frame: pd.DataFrame, caption: str) -> None:
    document.add_paragraph(caption).runs[0].bold = True
    table = document.add_table(rows=len(frame) + 1, cols=len(frame.columns))
    # row.cells walks one row; table.cell(i, j) rescans the whole grid on every call
    for j, cell in enumerate(table.rows[0].cells):
        cell.text = str(frame.columns[j])
        cell.paragraphs[0].runs[0].bold = True
    for row, values in zip(table.rows[1:], frame.itertuples(index=False), strict=True):
        for cell, v in zip(row.cells, values, strict=True):
            cell.text = str(v)


def _docx_copy_body(document: Any, source: Path) -> None:
    """Append the body of a table's own .docx (written by ``RegressionTable.to_docx``)."""
    if not source.exists():
        return
    body = docx.Document(str(source)).element.body
    section = document.element.body.sectPr
    for element in body:
        if element.tag.endswith("}sectPr"):
            continue
        if section is not None:
            section.addprevious(copy.deepcopy(element))
        else:
            document.element.body.append(copy.deepcopy(element))


def write_report(results_dir: Path, manifest: dict | None = None) -> list[Path]:
    """Write ``report/report.html`` and ``report/report.docx`` under ``results_dir``.

    Returns
    -------
    The two paths written.
    """
    report = build_report(results_dir, manifest)
    out = Path(results_dir) / "report"
    out.mkdir(parents=True, exist_ok=True)
    html_path = write_output(out / "report.html", render_html(report))
    docx_path = save_docx(render_docx(report), out / "report.docx")
    return [html_path, docx_path]
