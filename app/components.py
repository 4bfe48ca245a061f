"""Rendering helpers shared by the pages: tables, figures and their downloads.

Tables go through :func:`smekit.analysis.display.format_frame` (regression
tables through the HTML that :mod:`smekit.analysis.tables` wrote), so the app
shows the same numbers, rounded the same way, as the DOCX and HTML reports.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import streamlit as st

from smekit.analysis.display import format_frame


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as an .xlsx workbook (one sheet)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="table")
    return buffer.getvalue()


def downloads(frame: pd.DataFrame, stem: str) -> None:
    """CSV and XLSX download buttons for a table (the unrounded values)."""
    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        "CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"csv-{stem}",
    )
    right.download_button(
        "XLSX",
        xlsx_bytes(frame),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx-{stem}",
    )


def table(
    frame: pd.DataFrame | None,
    stem: str,
    *,
    caption: str | None = None,
    rename: dict[str, str] | None = None,
    download: bool = True,
) -> None:
    """Show a result table as APA text with its downloads; say so when it is missing."""
    if frame is None:
        st.info(f"No {stem.replace('_', ' ')} in this study's results.")
        return
    if caption:
        st.caption(caption)
    st.dataframe(format_frame(frame, rename=rename), hide_index=True, use_container_width=True)
    if download:
        downloads(frame, stem)


def html_table(path: Path | None, what: str) -> None:
    """A table that :mod:`smekit.analysis.tables` wrote as HTML, with its DOCX and Markdown."""
    if path is None:
        st.info(f"No {what} in this study's results.")
        return
    st.html(path.read_text(encoding="utf-8"))
    cols = st.columns([1, 1, 6])
    for col, suffix, mime in (
        (
            cols[0],
            ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (cols[1], ".md", "text/markdown"),
    ):
        twin = path.with_suffix(suffix)
        if twin.exists():
            col.download_button(
                suffix[1:].upper(),
                twin.read_bytes(),
                file_name=twin.name,
                mime=mime,
                key=f"dl-{twin}",
            )


def figure(path: Path, caption: str) -> None:
    """A figure (PNG) with PNG and SVG downloads."""
    st.image(str(path), caption=caption)
    cols = st.columns([1, 1, 6])
    cols[0].download_button(
        "PNG", path.read_bytes(), file_name=path.name, mime="image/png", key=f"png-{path}"
    )
    svg = path.with_suffix(".svg")
    if svg.exists():
        cols[1].download_button(
            "SVG", svg.read_bytes(), file_name=svg.name, mime="image/svg+xml", key=f"svg-{path}"
        )


def title_of(path: Path) -> str:
    """``residuals_vs_fitted.png`` → ``Residuals vs fitted``."""
    return path.stem.replace("_", " ").capitalize()


def folder_tables(results, folder: str, *, skip: tuple[str, ...] = ()) -> None:
    """Every rendered table (``*.html``), result table and figure of a results folder.

    Used by pages whose analyses write many small tables (panel, policy
    evaluation): each appears under a heading named after its file.
    """
    root = results.dir / folder
    if not root.is_dir():
        st.info(f"No {folder} results in this study.")
        return
    for html_path in sorted(root.rglob("*.html")):
        st.subheader(title_of(html_path).removeprefix("Table "))
        html_table(html_path, title_of(html_path))
    for path in sorted(root.rglob("*.parquet")):
        if path.stem in skip:
            continue
        relative = str(path.relative_to(results.dir).with_suffix(""))
        with st.expander(title_of(path)):
            table(results.table(relative), relative.replace("/", "_"))
    for png in sorted(root.rglob("*.png")):
        figure(png, title_of(png))
