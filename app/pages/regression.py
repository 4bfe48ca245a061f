"""Regression: models side by side, assumption checks, RESET, VIF, influence, subgroups."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from smekit.analysis.headlines import regression_headlines
from smekit.app.components import figure, html_table, table, title_of
from smekit.app.results import Results, study_dir

results = Results(study_dir())
suite = results.json("regression/suite") or {}
st.title("Regression")
st.caption(f"Model: `{suite.get('formula', '?')}` on {suite.get('n', '?')} firms.")
for line in regression_headlines(suite):
    st.markdown(f"- {line}")
for warning in suite.get("warnings") or []:
    st.warning(warning)

st.header("Models side by side")
html_table(results.file("regression/table_main.html"), "main regression table")
if results.file("regression/table_interactions.html"):
    st.subheader("Interaction model")
    html_table(results.file("regression/table_interactions.html"), "interaction table")
    table(results.table("regression/simple_slopes"), "simple_slopes", caption="Simple slopes.")

st.header("Assumption checks")
table(
    results.table("regression/assumptions"),
    "assumptions",
    caption="Each test with its statistic, p-value and a plain-language verdict.",
)
left, right = st.columns(2)
with left:
    st.subheader("Ramsey RESET")
    table(results.table("regression/reset"), "reset")
with right:
    st.subheader("Collinearity (VIF)")
    table(results.table("regression/collinearity"), "collinearity")

st.header("Diagnostic figures")
figures = [p for p in results.figures("regression/figures") if "subgroup" not in p.name]
for left_fig, right_fig in zip(figures[::2], [*figures[1::2], None], strict=False):
    a, b = st.columns(2)
    with a:
        figure(left_fig, title_of(left_fig))
    if right_fig is not None:
        with b:
            figure(right_fig, title_of(right_fig))

st.header("Influential firms")
flagged = results.table("regression/flagged")
table(
    flagged,
    "flagged",
    caption="Cook's D > 4/n or > 1, leverage > 2p/n or 3p/n, |studentised residual| > 3.",
)
table(
    results.table("regression/refit_comparison"),
    "refit_comparison",
    caption="Coefficients with and without the firms flagged by Cook's D > 1 or leverage > 2p/n.",
)
if flagged is not None and len(flagged):
    firm = st.selectbox("Inspect a flagged firm", flagged["id"].astype(str).tolist(), key="firm")
    responses = results.table("survey/responses_clean")
    id_col = (
        ((results.json("manifest") or {}).get("config") or {}).get("survey", {}).get("id_column")
    )
    if responses is not None and id_col and id_col in responses:
        row = responses[responses[id_col].astype(str) == firm]
        st.subheader(f"Responses of {firm}")
        st.dataframe(row.T.rename(columns=lambda _: "answer"), use_container_width=True)
    segments = results.table("interviews/segments")
    participants = results.table("interviews/participants")
    quotes = pd.DataFrame()
    firm_col = next(
        (c for c in ("firm_id", "respondent_id") if participants is not None and c in participants),
        None,
    )
    if segments is not None and firm_col is not None:
        interviewed = participants[participants[firm_col].astype(str) == firm]
        if len(interviewed):
            ids = set(interviewed["participant_id"].astype(str))
            quotes = segments[
                segments["participant_id"].astype(str).isin(ids)
                & (segments["role"] == "participant")
            ]
    if len(quotes):
        st.subheader(f"What {firm} said in the interview")
        for text in quotes["text"].head(8):
            st.markdown(f"> {text}")
    else:
        st.caption(f"{firm} was not interviewed.")

st.header("Subgroups")
html_table(results.file("regression/table_subgroups.html"), "subgroup table")
equality = (suite.get("subgroups") or {}).get("equality_test")
if equality:
    from smekit.analysis.display import apa_number, apa_p

    st.markdown(
        f"Test of equal coefficients across groups: F({equality.get('df_num')}, "
        f"{equality.get('df_denom')}) = {apa_number(equality.get('fstat'))}, "
        f"p {'' if apa_p(equality.get('pvalue')).startswith('<') else '= '}"
        f"{apa_p(equality.get('pvalue'))}."
    )
for fig in results.figures("regression/figures"):
    if "subgroup" in fig.name:
        figure(fig, title_of(fig))
skipped = (suite.get("subgroups") or {}).get("skipped")
if skipped:
    st.caption(f"Groups too small to model: {skipped}")

mediation = suite.get("mediation")
if mediation:
    st.header("Mediation")
    st.json(mediation, expanded=False)
