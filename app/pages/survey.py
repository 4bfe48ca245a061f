"""Survey: sample profile, construct descriptives, reliability, correlations, problems."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from smekit.app.components import table
from smekit.app.results import Results, study_dir

results = Results(study_dir())
st.title("Survey")
summary = results.json("survey/summary") or {}
cols = st.columns(3)
cols[0].metric("Responses in", summary.get("responses_in", "—"))
cols[1].metric("Analysed", summary.get("kept", "—"))
cols[2].metric("Excluded", summary.get("excluded", "—"))

st.header("Sample profile")
table(
    results.table("survey/profile_categorical"),
    "profile_categorical",
    caption="Categorical items: frequencies and percentages of the analysed responses.",
)
table(
    results.table("survey/profile_numeric"),
    "profile_numeric",
    caption="Numeric items: n, mean, SD, minimum and maximum.",
)

st.header("Constructs")
table(results.table("survey/construct_summary"), "construct_summary")

st.header("Reliability")
reliability = results.table("survey/reliability")
table(
    reliability,
    "reliability",
    caption="Cronbach's alpha with its 95% Feldt interval and McDonald's omega (one factor).",
)
items = results.table("survey/reliability_items")
if items is not None:
    with st.expander("Item-total statistics"):
        table(items, "reliability_items", caption="Corrected item-total r and alpha if deleted.")

st.header("Correlations")
corr = results.table("survey/correlations")
if corr is not None:
    both = corr.rename(columns={"var1": "var2", "var2": "var1"})
    full = pd.concat([corr, both], ignore_index=True)
    heat = (
        alt.Chart(full)
        .mark_rect()
        .encode(
            x=alt.X("var1:N", title=None),
            y=alt.Y("var2:N", title=None),
            color=alt.Color("r:Q", scale=alt.Scale(domain=[-1, 1], scheme="redblue", reverse=True)),
            tooltip=[
                "var1",
                "var2",
                alt.Tooltip("r:Q", format=".3f"),
                alt.Tooltip("p:Q", format=".3g"),
            ],
        )
    )
    text = heat.mark_text().encode(text=alt.Text("r:Q", format=".2f"), color=alt.value("black"))
    st.altair_chart(heat + text, use_container_width=True)
    table(corr, "correlations", caption="Pearson r with two-sided p (pairwise complete).")

st.header("Problems found in the responses")
table(
    results.table("survey/problems"),
    "problems",
    caption="Every problem the import and quality checks found, with file, row and column.",
)
table(results.table("survey/exclusions"), "exclusions", caption="Excluded responses and why.")
