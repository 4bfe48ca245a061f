"""Policy evaluation: difference-in-differences, event study, placebo tests, PSM-DiD."""

from __future__ import annotations

import streamlit as st

from smekit.app.components import folder_tables
from smekit.app.results import Results, study_dir

results = Results(study_dir())
st.title("Policy evaluation")
st.caption("Two-way fixed-effects DiD, event study, placebo tests, kernel PSM-DiD.")
folder_tables(results, "did")
