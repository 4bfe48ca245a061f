"""Downloads: every table (CSV, XLSX), every figure (PNG, SVG) and the study report."""

from __future__ import annotations

import streamlit as st

from smekit.app.components import downloads
from smekit.app.results import Results, list_results, read_bytes, read_table, study_dir

results = Results(study_dir())
st.title("Downloads")

st.header("Study report")
report_dir = results.dir / "report"
found = False
for name, mime in (
    ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("report.html", "text/html"),
):
    path = report_dir / name
    if path.exists():
        found = True
        st.download_button(
            f"Study report ({path.suffix[1:].upper()})",
            read_bytes(path),
            file_name=name,
            mime=mime,
            key=f"report-{name}",
        )
if not found:
    st.info(f"No report yet: run `smekit report {results.study}` (or `smekit analyze`).")

st.header("Tables")
for item in list_results(results.dir):
    if item.path.suffix == ".json" or item.relative == "manifest.json":
        continue
    stem = item.relative.removesuffix(item.path.suffix).replace("/", "_")
    with st.expander(item.relative.removesuffix(item.path.suffix)):
        downloads(read_table(item.path), stem)

st.header("Figures")
for png in sorted(results.dir.rglob("*.png")):
    rel = png.relative_to(results.dir)
    cols = st.columns([4, 1, 1])
    cols[0].write(str(rel.with_suffix("")))
    cols[1].download_button(
        "PNG", read_bytes(png), file_name=png.name, mime="image/png", key=f"fig-png-{rel}"
    )
    svg = png.with_suffix(".svg")
    if svg.exists():
        cols[2].download_button(
            "SVG", read_bytes(svg), file_name=svg.name, mime="image/svg+xml", key=f"fig-svg-{rel}"
        )
