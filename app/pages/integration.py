"""Integration: the joint display — each theme next to the construct and coefficient it speaks to.

The verdict column starts as the one the documented rule proposes
(:mod:`smekit.analysis.integration`); the researcher may change it and add a
note, saved in ``STUDY/interpretations/integration.yaml`` (never in results/,
never overwritten by a rerun).
"""

from __future__ import annotations

import streamlit as st

from smekit.analysis.display import apa_number
from smekit.analysis.integration import RULE_TEXT, VERDICTS
from smekit.app.components import downloads
from smekit.app.results import Results, study_dir
from smekit.core.interpretations import read_interpretations, save_interpretation

results = Results(study_dir())
st.title("Integration")
st.caption("Joint display: qualitative themes set against the survey regression.")
display = results.table("integration/joint_display")
quotes = results.table("integration/quotes")
if display is None or not len(display):
    st.info("No joint display in this study's results.")
    st.stop()
saved = read_interpretations(results.study, "integration")
with st.expander("How the verdict is proposed"):
    st.write(RULE_TEXT)


def _ci(low, high) -> str:
    return f"[{apa_number(low)}, {apa_number(high)}]"


for row in display.to_dict("records"):
    key = f"{row['theme']}__{row['construct']}"
    entry = saved.get(key) or {}
    st.header(str(row.get("theme_name") or row["theme"]))
    left, middle, right = st.columns([3, 3, 2])
    with left:
        st.subheader("Interviews")
        share = row.get("prevalence")
        st.metric(
            "Participants voicing the theme",
            f"{apa_number(row.get('participants'))} of {apa_number(row.get('n_participants'))}",
            help="Share of interviewed participants with at least one coded segment.",
        )
        if share is not None:
            st.caption(
                f"{100 * share:.0f}% of participants; {apa_number(row.get('segments'))} segments."
            )
        if quotes is not None:
            for q in quotes[quotes["theme"] == row["theme"]].to_dict("records"):
                st.markdown(f"> {q['quote']}\n>\n> — *{q['attribution']}*")
    with middle:
        st.subheader(f"Survey: {row['construct']}")
        st.markdown(
            f"- OLS: b = {apa_number(row.get('ols_b'))}, 95% CI "
            f"{_ci(row.get('ols_ci_low'), row.get('ols_ci_high'))}\n"
            f"- Huber: b = {apa_number(row.get('huber_b'))}, 95% CI "
            f"{_ci(row.get('huber_ci_low'), row.get('huber_ci_high'))}\n"
            f"- Subgroups with a positive effect at p < .05: "
            f"{apa_number(row.get('subgroups_supporting'))} of "
            f"{apa_number(row.get('subgroups_modelled'))}"
        )
    with right:
        st.subheader("Verdict")
        proposed = row["proposed_verdict"]
        st.caption(f"Proposed by the rule: **{proposed}**. {row.get('reason', '')}")
        current = entry.get("verdict", proposed)
        choice = st.selectbox(
            "Verdict", VERDICTS, index=VERDICTS.index(current), key=f"verdict-{key}"
        )
        note = st.text_area("Note", value=entry.get("note", ""), key=f"note-{key}")
        if st.button("Save", key=f"save-{key}"):
            save_interpretation(
                results.study,
                "integration",
                key,
                {"verdict": choice, "note": note, "proposed": proposed},
            )
            st.success(f"Saved to interpretations/integration.yaml: {choice}.")
        elif "verdict" in entry:
            st.caption(f"Saved verdict: {entry['verdict']}.")

st.divider()
downloads(display, "joint_display")
