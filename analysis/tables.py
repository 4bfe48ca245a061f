"""Publication tables: several models side by side, in Markdown, HTML, LaTeX and DOCX.

A table is built once as a tidy :class:`RegressionTable` (cells as text) and then
rendered; the app and the report use the same renderers, so a table looks the
same everywhere. Layout follows APA style for regression tables: one column per
model, the coefficient with significance stars over its standard error in
parentheses, and N and R-squared rows at the foot (compare ``pyfixest.etable``
and R ``modelsummary``).

References
----------
American Psychological Association (2020). *Publication manual of the American
Psychological Association* (7th ed.), section 7.21 (tables).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.estimates import Estimates, as_estimates
from smekit.survey.descriptives import stars

STAR_NOTE = "* p < .05, ** p < .01, *** p < .001"


@dataclass(frozen=True)
class ModelColumn:
    """One model's column: estimates, standard errors, p-values and footer statistics."""

    name: str
    params: pd.Series
    se: pd.Series
    pvalues: pd.Series | None = None
    stats: Mapping[str, float | int | str] = field(default_factory=dict)


def model_column(
    result: Any, name: str, *, se: str = "bse", cov_type: str | None = None
) -> ModelColumn:
    """Make a table column from a fitted model.

    Parameters
    ----------
    result
        An :class:`~smekit.analysis.estimates.Estimates`, or any result with an
        ``estimates`` attribute or method returning one (every model in
        :mod:`smekit.analysis`). Other objects with ``params`` and standard
        errors are read attribute by attribute (``se`` names the attribute,
        ``pvalues``/``nobs``/``rsquared``/``rsquared_adj``/``scale`` when present).
    name
        Column heading.
    se
        ``"bse"`` or ``"bse_hc3"`` (the latter asks for ``cov_type="HC3"``).
    cov_type
        Covariance type asked of ``result.estimates(cov_type)``.
    """
    if cov_type is None and se == "bse_hc3":
        cov_type = "HC3"
    if isinstance(result, Estimates) or getattr(result, "estimates", None) is not None:
        est = as_estimates(result, cov_type)
        footer: dict[str, float | int | str] = {}
        if est.nobs is not None:
            footer["N"] = int(est.nobs)
        for key, value in est.stats.items():
            if isinstance(value, str) or (value is not None and np.isfinite(value)):
                footer[key] = value
        return ModelColumn(
            name=name, params=est.params, se=est.bse, pvalues=est.pvalues, stats=footer
        )
    params = pd.Series(result.params)
    errors = pd.Series(getattr(result, se))
    pvalues = getattr(result, "pvalues", None)
    footer = {}
    n = getattr(result, "nobs", None) or getattr(result, "n", None)
    if n is not None:
        footer["N"] = int(n)
    for attr, label in (("rsquared", "R²"), ("rsquared_adj", "Adj. R²"), ("scale", "Scale")):
        value = getattr(result, attr, None)
        if isinstance(value, (int, float, np.floating)) and np.isfinite(value):
            footer[label] = float(value)
    return ModelColumn(
        name=name,
        params=params,
        se=errors,
        pvalues=None if pvalues is None else pd.Series(pvalues),
        stats=footer,
    )


@dataclass(frozen=True)
class RegressionTable:
    """A side-by-side regression table with text cells.

    Attributes
    ----------
    body
        One row per term and line (``kind`` "coef" or "se"), one column per model.
    footer
        One row per statistic (N, R², ...), one column per model.
    title, note
        Caption and the note under the table (stars legend, SE type).
    """

    body: pd.DataFrame
    footer: pd.DataFrame
    title: str = ""
    note: str = STAR_NOTE

    @property
    def models(self) -> list[str]:
        return [c for c in self.body.columns if c not in ("term", "kind")]

    def rows(self) -> list[list[str]]:
        """All rows as text: header, body (coefficient then SE line), footer."""
        out = [["", *self.models]]
        for _, r in self.body.iterrows():
            label = r["term"] if r["kind"] == "coef" else ""
            out.append([label, *[r[m] for m in self.models]])
        for _, r in self.footer.iterrows():
            out.append([r["statistic"], *[r[m] for m in self.models]])
        return out

    def to_frame(self) -> pd.DataFrame:
        rows = self.rows()
        return pd.DataFrame(rows[1:], columns=["term", *self.models])

    def to_markdown(self) -> str:
        rows = self.rows()
        width = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]

        def line(cells: Sequence[str]) -> str:
            return (
                "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, width, strict=True)) + " |"
            )

        sep = "|" + "|".join("-" * (w + 2) for w in width) + "|"
        n_body = len(self.body)
        parts = [f"**{self.title}**\n" if self.title else "", line(rows[0]), sep]
        parts += [line(r) for r in rows[1 : 1 + n_body]]
        parts += [line(r) for r in rows[1 + n_body :]]
        parts.append(f"\n{self.note}")
        return "\n".join(p for p in parts if p != "") + "\n"

    def to_html(self) -> str:
        rows = self.rows()
        esc = html.escape
        n_body = len(self.body)
        out = ['<table class="smekit-regression">']
        if self.title:
            out.append(f"<caption>{esc(self.title)}</caption>")
        out.append("<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in rows[0]) + "</tr></thead>")
        out.append("<tbody>")
        for i, r in enumerate(rows[1:]):
            cls = ' class="footer"' if i >= n_body else ""
            out.append(f"<tr{cls}>" + "".join(f"<td>{esc(str(c))}</td>" for c in r) + "</tr>")
        out.append("</tbody>")
        out.append(
            f'<tfoot><tr><td colspan="{len(rows[0])}">{esc(self.note)}</td></tr></tfoot></table>'
        )
        return "\n".join(out)

    def to_latex(self) -> str:
        rows = self.rows()
        n_body = len(self.body)

        def tex(s: str) -> str:
            s = str(s)
            for a, b in (
                ("\\", r"\textbackslash{}"),
                ("&", r"\&"),
                ("%", r"\%"),
                ("_", r"\_"),
                ("#", r"\#"),
                ("$", r"\$"),
                ("{", r"\{"),
                ("}", r"\}"),
            ):
                s = s.replace(a, b)
            s = s.replace("²", r"$^2$")
            return (
                s.replace("***", "$^{***}$")
                if "***" in s
                else (s.replace("**", "$^{**}$") if "**" in s else s.replace("*", "$^{*}$"))
            )

        cols = "l" + "c" * (len(rows[0]) - 1)
        out = [r"\begin{table}[htbp]", r"\centering"]
        if self.title:
            out.append(rf"\caption{{{tex(self.title)}}}")
        out += [rf"\begin{{tabular}}{{{cols}}}", r"\hline"]
        out.append(" & ".join(tex(c) for c in rows[0]) + r" \\")
        out.append(r"\hline")
        for r in rows[1 : 1 + n_body]:
            out.append(" & ".join(tex(c) for c in r) + r" \\")
        out.append(r"\hline")
        for r in rows[1 + n_body :]:
            out.append(" & ".join(tex(c) for c in r) + r" \\")
        out += [r"\hline", r"\end{tabular}"]
        out.append(rf"\par\small {tex(self.note)}")
        out.append(r"\end{table}")
        return "\n".join(out) + "\n"

    def add_to_docx(self, document: Any) -> Any:
        """Append the table (caption, grid, note) to a python-docx ``Document``."""
        rows = self.rows()
        if self.title:
            style = "Caption" if _has_style(document, "Caption") else None
            document.add_paragraph(self.title, style=style)
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for i, r in enumerate(rows):
            for j, value in enumerate(r):
                cell = table.cell(i, j)
                cell.text = str(value)
                if i == 0:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
        document.add_paragraph(self.note)
        return table

    def to_docx(self, path: str | Path) -> Path:
        """Write the table alone to a .docx file."""
        from docx import Document

        from smekit.core.docxio import save_docx

        doc = Document()
        self.add_to_docx(doc)
        return save_docx(doc, path)


def _has_style(document: Any, name: str) -> bool:
    try:
        document.styles[name]
    except KeyError:
        return False
    return True


def _fmt(value: float, digits: int) -> str:
    if value is None or not np.isfinite(value):
        return ""
    return f"{value:.{digits}f}"


def regression_table(
    models: Sequence[ModelColumn] | Mapping[str, Any],
    *,
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    digits: int = 3,
    title: str = "",
    se_label: str = "Standard errors in parentheses.",
) -> RegressionTable:
    """Build a side-by-side table of several models.

    Parameters
    ----------
    models
        Columns, e.g. ``[model_column(ols, "OLS"), model_column(huber, "Huber")]``,
        or a mapping of column name to a result reporting
        :class:`~smekit.analysis.estimates.Estimates` (``{"OLS": ols, "Huber": huber}``).
    terms
        Row order; default: terms in order of first appearance across models,
        with the intercept last.
    labels
        Display names for terms (e.g. construct labels).
    digits
        Decimal places.
    title
        Table caption.
    se_label
        First sentence of the note.
    """
    if not models:
        raise ValueError("a regression table needs at least one model")
    if isinstance(models, Mapping):
        models = [
            m if isinstance(m, ModelColumn) else model_column(m, n) for n, m in models.items()
        ]
    elif any(not isinstance(m, ModelColumn) for m in models):
        raise ValueError(
            "pass ModelColumn objects (model_column(result, name)) or a mapping name -> result"
        )
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique: {names}")
    if terms is None:
        seen: list[str] = []
        for m in models:
            seen += [t for t in m.params.index if t not in seen]
        intercepts = [t for t in seen if t in ("Intercept", "const")]
        terms = [t for t in seen if t not in intercepts] + intercepts
    labels = dict(labels or {})
    body = []
    for term in terms:
        coef_row: dict[str, str] = {"term": labels.get(term, term), "kind": "coef"}
        se_row: dict[str, str] = {"term": labels.get(term, term), "kind": "se"}
        for m in models:
            if term in m.params.index:
                p = m.pvalues.get(term) if m.pvalues is not None else None
                coef_row[m.name] = _fmt(float(m.params[term]), digits) + stars(p)
                se_row[m.name] = f"({_fmt(float(m.se[term]), digits)})"
            else:
                coef_row[m.name] = ""
                se_row[m.name] = ""
        body += [coef_row, se_row]
    stat_names: list[str] = []
    for m in models:
        stat_names += [s for s in m.stats if s not in stat_names]
    footer = []
    for s in stat_names:
        row: dict[str, str] = {"statistic": s}
        for m in models:
            v = m.stats.get(s)
            if v is None:
                row[m.name] = ""
            elif isinstance(v, str):
                row[m.name] = v
            elif s == "N" or (float(v).is_integer() and abs(v) >= 10):
                row[m.name] = f"{int(v):,}"
            else:
                row[m.name] = _fmt(float(v), digits)
        footer.append(row)
    return RegressionTable(
        body=pd.DataFrame(body, columns=["term", "kind", *names]),
        footer=pd.DataFrame(footer, columns=["statistic", *names]),
        title=title,
        note=f"{se_label} {STAR_NOTE}.",
    )


def frame_to_markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A plain DataFrame as a Markdown table (numbers rounded)."""
    shown = frame.copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].map(lambda v: _fmt(v, digits))
    header = "| " + " | ".join(map(str, shown.columns)) + " |"
    sep = "|" + "|".join("---" for _ in shown.columns) + "|"
    body = ["| " + " | ".join(map(str, r)) + " |" for r in shown.itertuples(index=False)]
    return "\n".join([header, sep, *body]) + "\n"
