"""Themes: theme table with attributed quotes, topics, code × case, co-occurrence, agreement,
and a segment browser.

Only pseudonymised text is shown: every table here comes from
``results/interviews/``, which the interview stages write after
pseudonymisation; the key in the study's ``private/`` folder is never read.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from smekit.app.components import table
from smekit.app.results import Results, study_dir

results = Results(study_dir())
st.title("Themes")
themes_json = results.json("interviews/themes/themes") or {}
info = themes_json.get("info") or {}
if info:
    st.caption(
        f"Clustering: {info.get('mode')} mode, {info.get('n_clusters')} topics, "
        f"{info.get('embedding')} embeddings, {info.get('reduction')} + {info.get('clustering')}, "
        f"seed {info.get('seed')}. Topics are the machine's suggestion; codes are the researchers'."
    )

st.header("Theme table")
theme_table = results.table("interviews/themes/theme_table")
if theme_table is not None:
    for row in theme_table.to_dict("records"):
        st.subheader(str(row["name"]))
        cols = st.columns(2)
        cols[0].metric("Participants", row["n_participants"])
        cols[1].metric("Segments", row["n_segments"])
        st.caption(str(row.get("definition") or ""))
        for quote in str(row.get("quotes") or "").splitlines():
            if quote.strip():
                st.markdown(f"> {quote}")
        interpretation = row.get("interpretation")
        st.markdown(
            f"**Interpretation.** {interpretation}"
            if isinstance(interpretation, str) and interpretation.strip()
            else "*Interpretation not written yet (interpretations/themes.yaml).*"
        )
else:
    st.info("No theme table in this study's results.")

st.header("Topics")
topics = results.table("interviews/themes/topics")
if topics is not None:
    chart = (
        alt.Chart(topics)
        .mark_bar()
        .encode(
            x=alt.X("size:Q", title="segments"),
            y=alt.Y("label:N", sort="-x", title=None),
            color=alt.Color("theme:N", title="nearest theme"),
            tooltip=["topic", "label", "size", "n_participants", "keywords", "theme"],
        )
    )
    st.altair_chart(chart, use_container_width=True)
    table(topics, "topics")
    table(
        results.table("interviews/themes/topic_code_overlap"),
        "topic_code_overlap",
        caption="Segments of each topic carrying each manual code.",
    )

st.header("Codes by case")
cases = results.table("interviews/themes/code_case_participant")
if cases is not None:
    long = cases.melt(id_vars="code", var_name="participant", value_name="segments")
    heat = (
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X("participant:N", title=None),
            y=alt.Y("code:N", title=None),
            color=alt.Color("segments:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["code", "participant", "segments"],
        )
    )
    st.altair_chart(heat, use_container_width=True)
    table(cases, "code_case_participant")
table(results.table("interviews/themes/cooccurrence"), "cooccurrence", caption="Co-occurrence.")
table(
    results.table("interviews/themes/prevalence_sector"),
    "prevalence_sector",
    caption="Theme prevalence by sector.",
)

st.header("Agreement between coders")
table(results.table("interviews/agreement"), "agreement")
disagreements = results.table("interviews/disagreements")
if disagreements is not None and len(disagreements):
    with st.expander(f"Disagreements to resolve ({len(disagreements)})"):
        table(disagreements, "disagreements")

st.header("Segments")
segments = results.table("interviews/segments")
if segments is not None:
    codings = results.table("interviews/codings")
    assignments = results.table("interviews/themes/topic_assignments")
    participants = results.table("interviews/participants")
    browse = segments[["segment_id", "participant_id", "role", "text"]].copy()
    if codings is not None and len(codings):
        codes = codings.groupby("segment_id")["code"].agg(lambda c: ", ".join(sorted(set(c))))
        browse["codes"] = browse["segment_id"].map(codes).fillna("")
    else:
        browse["codes"] = ""
    if assignments is not None:
        browse["theme"] = (
            browse["segment_id"].map(assignments.set_index("segment_id")["theme"]).fillna("")
        )
    else:
        browse["theme"] = ""
    if participants is not None and "sector" in participants:
        browse["sector"] = browse["participant_id"].map(
            participants.set_index("participant_id")["sector"]
        )
    else:
        browse["sector"] = pd.NA
    cols = st.columns(4)
    who = cols[0].multiselect("Participant", sorted(browse["participant_id"].dropna().unique()))
    all_codes = sorted({c for cs in browse["codes"] for c in cs.split(", ") if c})
    code = cols[1].multiselect("Code", all_codes)
    theme = cols[2].multiselect("Theme", sorted(t for t in browse["theme"].unique() if t))
    sector = cols[3].multiselect("Sector", sorted(browse["sector"].dropna().unique()))
    query = st.text_input("Search the text", key="segment-search")
    shown = browse
    if who:
        shown = shown[shown["participant_id"].isin(who)]
    if code:
        shown = shown[shown["codes"].apply(lambda cs: any(c in cs.split(", ") for c in code))]
    if theme:
        shown = shown[shown["theme"].isin(theme)]
    if sector:
        shown = shown[shown["sector"].isin(sector)]
    if query:
        shown = shown[shown["text"].str.contains(query, case=False, regex=False)]
    st.caption(f"{len(shown)} of {len(browse)} segments.")
    st.dataframe(shown, hide_index=True, use_container_width=True)
