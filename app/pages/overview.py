"""Overview: the study's design, the data-quality funnel, headline findings, links."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from smekit.analysis.headlines import regression_headlines, survey_headlines
from smekit.app.navigation import page_entries
from smekit.app.results import Results, study_dir

results = Results(study_dir())
manifest = results.json("manifest") or {}
config = manifest.get("config") or {}
st.title(manifest.get("study") or config.get("name") or "smekit study")
if not results.dir.is_dir():
    st.error(f"No results folder in {results.study}. Run `smekit analyze {results.study}` first.")
    st.stop()

summary = results.json("survey/summary") or {}
suite = results.json("regression/suite") or {}

st.header("Design")
cols = st.columns(4)
cols[0].metric("Responses in", summary.get("responses_in", "—"))
cols[1].metric("Analysed", summary.get("kept", "—"))
segments = results.table("interviews/segments")
n_interviews = segments["transcript_id"].nunique() if segments is not None else 0
cols[2].metric("Interviews", n_interviews or "—")
cols[3].metric("Analysed on (UTC)", (manifest.get("started_utc") or "—")[:10])
survey_cfg = config.get("survey") or {}
interviews_cfg = config.get("interviews") or {}
design = [
    ("Questionnaire", survey_cfg.get("instrument")),
    ("Responses file", survey_cfg.get("responses")),
    ("Interview protocol", interviews_cfg.get("protocol")),
    ("Codebook", interviews_cfg.get("codebook")),
    ("smekit version", manifest.get("smekit_version")),
]
st.table(pd.DataFrame([(k, v) for k, v in design if v], columns=["", "value"]).set_index(""))

st.header("Data quality")
exclusions = results.table("survey/exclusions")
if summary and exclusions is not None:
    rows = [("Responses in", "", int(summary["responses_in"]))]
    remaining = int(summary["responses_in"])
    for reason, count in exclusions["first_reason"].value_counts(sort=False).items():
        remaining -= int(count)
        rows.append((f"Excluded: {reason}", f"{int(count):,}", remaining))
    rows.append(("Analysed", "", int(summary["kept"])))
    funnel = pd.DataFrame(rows, columns=["step", "removed", "remaining"])
    st.dataframe(
        funnel,
        hide_index=True,
        use_container_width=True,
        column_config={
            "remaining": st.column_config.ProgressColumn(
                "remaining", min_value=0, max_value=int(summary["responses_in"]), format="%d"
            )
        },
    )
    st.caption(
        "Each excluded response is counted once, under the first rule that excluded it; "
        "every reason is listed in results/survey/exclusions.csv."
    )
else:
    st.info("No survey results.")

st.header("Headline findings")
for line in survey_headlines(summary) + regression_headlines(suite):
    st.markdown(f"- {line}")

st.header("Pages")
for page, title, icon in page_entries(results):
    if not page.endswith("overview.py"):
        st.page_link(page, label=title, icon=icon)
