"""The one-page firm report: the firm against its peers, its gaps and its priorities.

:class:`FirmReport` holds one firm's profile and priorities (its own values
and aggregate peer statistics only); :func:`report_html` and
:func:`report_docx` render it, with the chart of :func:`firm_chart`. Both are
byte-for-byte reproducible: the SVG and PNG carry fixed metadata and a fixed
hash salt, the DOCX fixed dates and zip timestamps
(:mod:`smekit.core.docxio`), and nothing depends on the clock.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smekit.analysis.benchmark.peers import level_name
from smekit.analysis.benchmark.priorities import Priority
from smekit.analysis.benchmark.profile import FirmProfile

__all__ = [
    "FirmReport",
    "chart_png",
    "chart_svg",
    "firm_chart",
    "report_docx",
    "report_html",
    "write_report",
]

PRIVACY_TEXT = (
    "Peer statistics come only from groups of at least {k} firms (the firm included); "
    "smaller groups fall back to a broader level. Medians and quartiles are Harrell-Davis "
    "estimates computed from every firm of the group, not one peer's answer; percentile "
    "ranks are shown as bands covering at least two firms. No peer's identity or answers are shown."
)


@dataclass(frozen=True)
class FirmReport:
    """Everything on one firm's report.

    Attributes
    ----------
    profile
        The firm's :class:`~smekit.analysis.benchmark.profile.FirmProfile`.
    priorities
        Up to three :class:`~smekit.analysis.benchmark.priorities.Priority`.
    unranked
        Why some dimensions can never be priorities.
    study
        Study name shown in the heading.
    outcome
        Label of the regression outcome the effects refer to.
    scale
        ``(low, high)`` of the dimension scores (the chart's axis).
    levels
        Peer levels tried, narrowest first (for the method line).
    """

    profile: FirmProfile
    priorities: tuple[Priority, ...] = ()
    unranked: tuple[str, ...] = ()
    study: str = "study"
    outcome: str | None = None
    scale: tuple[float, float] | None = None
    levels: tuple[tuple[str, ...], ...] = field(default=())
    gap: str = "top_quartile"

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "outcome": self.outcome,
            "profile": self.profile.to_dict(),
            "priorities": [p.to_dict() for p in self.priorities],
            "unranked": list(self.unranked),
        }


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.{digits}f}" if np.isfinite(f) else "—"


def _axis(report: FirmReport) -> tuple[float, float]:
    if report.scale is not None:
        return float(report.scale[0]), float(report.scale[1])
    d = report.profile.dimensions
    vals = np.concatenate(
        [d[c].to_numpy(dtype=float) for c in ("score", "peer_q25", "peer_median", "peer_q75")]
    )
    vals = vals[np.isfinite(vals)]
    return float(np.floor(vals.min())), float(np.ceil(vals.max()))


def firm_chart(report: FirmReport):
    """Dot chart: the firm's score on every dimension against its peers' quartiles.

    The grey bar spans the peer interquartile range, the black tick is the peer
    median; the blue dot is the firm. Without a qualifying peer group only the
    firm's scores are drawn.
    """
    from matplotlib.figure import Figure

    d = report.profile.dimensions
    n = len(d)
    height = 0.42 * n + 1.0
    fig = Figure(figsize=(6.4, height))
    ax = fig.subplots()
    # fixed margins (no tight_layout): labels up to ~40 characters fit at 8 pt
    fig.subplots_adjust(left=0.36, right=0.97, bottom=0.5 / height, top=1 - 0.55 / height)
    y = np.arange(n)[::-1]
    q25, med, q75 = (d[c].to_numpy(dtype=float) for c in ("peer_q25", "peer_median", "peer_q75"))
    has = np.isfinite(med)
    ax.barh(
        y[has],
        (q75 - q25)[has],
        left=q25[has],
        height=0.5,
        color="#d9d9d9",
        label="Peers: middle half",
    )
    ax.scatter(med[has], y[has], marker="|", s=260, color="#222222", label="Peer median", zorder=3)
    ax.scatter(
        d["score"].to_numpy(dtype=float), y, s=55, color="#1f5fa8", label="This firm", zorder=4
    )
    ax.set_yticks(y, [str(v) for v in d["label"]], fontsize=8)
    lo, hi = _axis(report)
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.4, 1.0), ncol=3, frameon=False)
    return fig


def chart_svg(report: FirmReport, fig: Any = None) -> str:
    """The chart as SVG text with fixed metadata and hash salt (reproducible)."""
    import matplotlib as mpl

    buffer = io.StringIO()
    fig = firm_chart(report) if fig is None else fig
    with mpl.rc_context({"svg.hashsalt": "smekit", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "smekit"})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def chart_png(report: FirmReport, fig: Any = None, dpi: int = 120) -> bytes:
    """The chart as PNG bytes with fixed metadata (reproducible)."""
    buffer = io.BytesIO()
    fig = firm_chart(report) if fig is None else fig
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": "smekit"})
    return buffer.getvalue()


def _heading(report: FirmReport) -> tuple[str, str]:
    p = report.profile
    title = f"Resilience benchmark: firm {p.firm_id}"
    attrs = ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in p.attributes.items() if v is not None
    )
    peers = (
        f"compared with the {p.level} group ({p.n} firms)"
        if p.level
        else "no peer group large enough"
    )
    return title, f"{report.study} · {attrs} · {peers}"


def _rows(report: FirmReport) -> list[list[str]]:
    rows = []
    for r in report.profile.dimensions.to_dict(orient="records"):
        rows.append(
            [
                str(r["label"]),
                _fmt(r["score"]),
                r["percentile_band"] or "—",
                _fmt(r["peer_median"]),
                _fmt(r["peer_q75"]),
                _fmt(r["gap_median"]),
                _fmt(r["gap_top"]),
            ]
        )
    c = report.profile.composite
    rows.append(
        [
            f"Composite index ({c['method']} weights, 0-100)",
            _fmt(c["value"], 1),
            c["percentile_band"] or "—",
            _fmt(c["peer_median"], 1),
            _fmt(c["peer_q75"], 1),
            _fmt(_sub(c["peer_median"], c["value"]), 1),
            _fmt(_sub(c["peer_q75"], c["value"]), 1),
        ]
    )
    return rows


def _sub(a: Any, b: Any) -> float | None:
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return None


HEADER = [
    "Dimension",
    "Score",
    "Percentile band",
    "Peer median",
    "Peer top quartile",
    "Gap to median",
    "Gap to top quartile",
]


def _summary(report: FirmReport) -> str:
    p = report.profile
    labels = dict(zip(p.dimensions["dimension"], p.dimensions["label"], strict=True))
    return (
        f"Strongest dimension: {labels.get(p.strongest, p.strongest)}. "
        f"Weakest dimension: {labels.get(p.weakest, p.weakest)}. "
        "Gaps are peer value minus the firm's score (positive: behind its peers)."
    )


def _priority_lines(report: FirmReport) -> list[str]:
    if not report.priorities:
        if report.profile.level is None:
            return ["No priorities: no peer group is large enough to measure gaps."]
        return [
            "No priorities: the firm is at or above its peers' top quartile wherever the "
            "study found an effect."
        ]
    return [f"{p.rank}. {p.label}: {p.note}" for p in report.priorities]


def _method_line(report: FirmReport) -> str:
    levels = " → ".join(level_name(lv) for lv in report.levels) if report.levels else None
    parts = [
        f"Composite index: {report.profile.index_method} weights over min-max normalised scores.",
        "Percentile rank: 100 (B + E/2) / N within the peer group.",
        f"Priorities: gap to the peer {report.gap.replace('_', ' ')} × the dimension's "
        "regression effect"
        + (f" on {report.outcome}" if report.outcome else "")
        + "; effects whose CI covers zero are flagged.",
    ]
    if levels:
        parts.append(f"Peer levels tried: {levels}.")
    return " ".join(parts)


def report_html(report: FirmReport, svg: str | None = None) -> str:
    """The firm report as one self-contained HTML page (chart inline as SVG)."""
    e = html.escape
    title, sub = _heading(report)
    svg = chart_svg(report) if svg is None else svg
    head = "".join(f"<th>{e(h)}</th>" for h in HEADER)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in _rows(report)
    )
    prio = (
        "".join(
            f"<li>{e(line.split('. ', 1)[1])}</li>"
            for line in _priority_lines(report)
            if report.priorities
        )
        or f"<p>{e(_priority_lines(report)[0])}</p>"
    )
    if report.priorities:
        prio = f"<ol>{prio}</ol>"
    notes = "".join(f"<li>{e(n)}</li>" for n in [*report.profile.notes, *report.unranked])
    privacy = PRIVACY_TEXT.format(k=report.profile.min_size)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<style>
body {{ font-family: sans-serif; font-size: 13px; max-width: 800px; margin: 1.5em auto; }}
h1 {{ font-size: 20px; margin-bottom: 0; }}
h2 {{ font-size: 15px; margin: 1em 0 0.3em; }}
.sub {{ color: #555; margin-top: 0.2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.small {{ color: #555; font-size: 11px; }}
figure {{ margin: 0.5em 0; }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="sub">{e(sub)}</p>
<figure>{svg}</figure>
<h2>Where the firm stands</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>{e(_summary(report))}</p>
<h2>What to work on first</h2>
{prio}
<h2>Notes</h2>
<ul class="small">{notes}<li>{e(privacy)}</li><li>{e(_method_line(report))}</li></ul>
</body>
</html>
"""


def report_docx(report: FirmReport, png: bytes | None = None) -> bytes:
    """The firm report as a one-page DOCX (python-docx), reproducible byte for byte."""
    from docx import Document
    from docx.shared import Cm, Pt

    from smekit.core.docxio import docx_bytes

    title, sub = _heading(report)
    png = chart_png(report) if png is None else png
    doc = Document()
    section = doc.sections[0]
    section.top_margin = section.bottom_margin = Cm(1.5)
    section.left_margin = section.right_margin = Cm(1.8)
    doc.styles["Normal"].font.size = Pt(9)
    doc.add_heading(title, level=1)
    doc.add_paragraph(sub)
    doc.add_picture(io.BytesIO(png), width=Cm(14))
    rows = _rows(report)
    table = doc.add_table(rows=1, cols=len(HEADER))
    table.style = "Light List"
    for cell, h in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = h
    for row in rows:
        for cell, c in zip(table.add_row().cells, row, strict=True):
            cell.text = c
    doc.add_paragraph(_summary(report))
    doc.add_heading("What to work on first", level=2)
    for line in _priority_lines(report):
        doc.add_paragraph(line)
    doc.add_heading("Notes", level=2)
    privacy = PRIVACY_TEXT.format(k=report.profile.min_size)
    for note in [*report.profile.notes, *report.unranked, privacy, _method_line(report)]:
        para = doc.add_paragraph(note)
        for run in para.runs:
            run.font.size = Pt(7.5)
    return docx_bytes(doc)


def write_report(report: FirmReport, folder: str | Path, stem: str | None = None) -> list[Path]:
    """Write ``FIRM.html``, ``FIRM.docx``, ``FIRM.svg`` and ``FIRM.png`` into ``folder``."""
    from smekit.core.docxio import write_output

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or _safe(report.profile.firm_id)
    fig = firm_chart(report)
    svg, png = chart_svg(report, fig), chart_png(report, fig)
    paths = [
        write_output(folder / f"{stem}.html", report_html(report, svg)),
        write_output(folder / f"{stem}.docx", report_docx(report, png)),
        write_output(folder / f"{stem}.svg", svg),
        write_output(folder / f"{stem}.png", png),
    ]
    return paths


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name)) or "firm"


def build_report(
    profile: FirmProfile,
    priorities: Sequence[Priority] = (),
    unranked: Sequence[str] = (),
    **kwargs: Any,
) -> FirmReport:
    """A :class:`FirmReport` from its parts."""
    return FirmReport(
        profile=profile, priorities=tuple(priorities), unranked=tuple(unranked), **kwargs
    )


def firm_report(
    benchmark: Any,
    firm_id: str,
    effects: Any = None,
    *,
    gap: str = "top_quartile",
    max_priorities: int = 3,
    study: str = "study",
    outcome: str | None = None,
    scale: tuple[float, float] | None = None,
    table: Any = None,
) -> FirmReport:
    """One firm's report from a :class:`~smekit.analysis.benchmark.profile.Benchmark`.

    ``effects`` maps dimensions to :class:`~smekit.analysis.benchmark.priorities.Effect`
    (none: no priorities); ``table`` is a precomputed :func:`rank_priorities`
    table for every firm (faster when writing many reports).
    """
    from smekit.analysis.benchmark.priorities import (
        priority_objects,
        rank_priorities,
        unranked_notes,
    )

    profile = benchmark.firm(firm_id)
    effects = dict(effects or {})
    if table is None:
        rows = benchmark.profiles[benchmark.profiles["firm_id"] == profile.firm_id]
        table = rank_priorities(rows, effects, gap=gap, max_n=max_priorities)
    mine = table[table["firm_id"] == profile.firm_id]
    unranked = unranked_notes(list(benchmark.dimensions), dict(benchmark.labels), effects)
    if outcome is None and effects:
        outcome = next(iter(effects.values())).outcome.replace("_", " ")
    return FirmReport(
        profile=profile,
        priorities=tuple(priority_objects(mine, effects)),
        unranked=tuple(unranked),
        study=study,
        outcome=outcome,
        scale=scale,
        levels=tuple(benchmark.assignment.levels),
        gap=gap,
    )


def _report_chunk(args: tuple) -> list[str]:
    benchmark, effects, table, folder, kwargs, ids = args
    written = []
    for firm_id in ids:
        report = firm_report(benchmark, firm_id, effects, table=table, **kwargs)
        written += [str(p) for p in write_report(report, folder)]
    return written


def write_reports(
    benchmark: Any,
    firm_ids: Sequence[str],
    effects: Any,
    folder: str | Path,
    *,
    table: Any,
    jobs: int = 1,
    progress: Any = None,
    chunk: int = 10,
    **kwargs: Any,
) -> list[Path]:
    """Write the reports of many firms, in ``jobs`` worker processes (forked) when ``jobs > 1``.

    ``progress(done)`` is called with the number of reports written so far.
    The files do not depend on ``jobs``.
    """
    import multiprocessing as mp

    ids = [str(i) for i in firm_ids]
    parts = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    tasks = [(benchmark, effects, table, Path(folder), kwargs, part) for part in parts]
    written: list[Path] = []
    done = 0
    use_pool = jobs > 1 and len(parts) > 1 and "fork" in mp.get_all_start_methods()
    if not use_pool:
        for task in tasks:
            written += [Path(p) for p in _report_chunk(task)]
            done += len(task[-1])
            if progress is not None:
                progress(done)
        return written
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork")) as pool:
        for task, paths in zip(tasks, pool.map(_report_chunk, tasks), strict=True):
            written += [Path(p) for p in paths]
            done += len(task[-1])
            if progress is not None:
                progress(done)
    return written
