"""Benchmark: a firm's resilience profile against its peers, its priorities, its report.

Peer statistics come from ``results/benchmark/`` as the benchmark stage wrote
them under its privacy rule (no statistic of a group smaller than the minimum
size; percentiles as bands): the page shows one firm at a time and never
another firm's values.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from smekit.app.components import table
from smekit.app.results import Results, read_bytes, study_dir

results = Results(study_dir())
st.title("Benchmark")
summary = results.json("benchmark/summary") or {}
profiles = results.table("benchmark/profiles")
firms = results.table("benchmark/firms")
if profiles is None or firms is None:
    st.info("No benchmark results in this study.")
    st.stop()
st.caption(
    f"{summary.get('firms', len(firms))} firms; peer groups need at least "
    f"{summary.get('min_size', 5)} firms, otherwise the next broader level is used "
    f"({' → '.join(summary.get('levels', []))}). Composite index: "
    f"{(summary.get('index') or {}).get('method', '?')} weights."
)
firm = st.selectbox("Firm", firms["firm_id"].astype(str).tolist(), key="benchmark-firm")
info = firms[firms["firm_id"].astype(str) == firm].iloc[0]
cols = st.columns(4)
cols[0].metric("Peer group", str(info["level"]))
cols[1].metric("Strongest", str(info["strongest"]))
cols[2].metric("Weakest", str(info["weakest"]))
cols[3].metric("Sector", str(info.get("sector", "—")))

mine = profiles[profiles["firm_id"].astype(str) == firm]
long = mine.melt(
    id_vars=["label"],
    value_vars=["peer_q25", "peer_median", "peer_q75", "score"],
    var_name="statistic",
    value_name="value",
)
long["statistic"] = long["statistic"].map(
    {
        "peer_q25": "peer lower quartile",
        "peer_median": "peer median",
        "peer_q75": "peer upper quartile",
        "score": firm,
    }
)
chart = (
    alt.Chart(long.dropna())
    .mark_point(filled=True, size=120)
    .encode(
        x=alt.X("value:Q", title="score", scale=alt.Scale(zero=False)),
        y=alt.Y("label:N", title=None),
        color=alt.Color("statistic:N", title=None),
        shape=alt.Shape("statistic:N", title=None),
        tooltip=["label", "statistic", alt.Tooltip("value:Q", format=".2f")],
    )
)
st.altair_chart(chart, use_container_width=True)
table(
    mine.drop(columns=["firm_id", "dimension", "percentile"], errors="ignore"),
    f"profile_{firm}",
    caption="Scores, percentile band in the peer group, peer quartiles and gaps.",
)
priorities = results.table("benchmark/priorities")
if priorities is not None:
    st.header("What to work on first")
    own = priorities[priorities["firm_id"].astype(str) == firm]
    for row in own.to_dict("records"):
        st.markdown(f"{row['rank']}. **{row['label']}** — {row['note']}")
    if not len(own):
        st.caption("No priority: no gap on a dimension with a supported effect.")

st.header("Firm report")
found = False
for suffix, mime in (
    (".html", "text/html"),
    (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
):
    path = results.file(f"benchmark/reports/{firm}{suffix}")
    if path is not None:
        found = True
        st.download_button(
            f"Report of {firm} ({suffix[1:].upper()})",
            read_bytes(path),
            file_name=path.name,
            mime=mime,
            key=f"bench-{suffix}",
        )
if not found:
    st.caption(f"Write it with `smekit benchmark {results.study} --firm {firm}`.")
