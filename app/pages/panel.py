"""Panel: indices, two-way fixed effects, IV with weak-instrument tests, GMM, mediation."""

from __future__ import annotations

import streamlit as st

from smekit.app.components import folder_tables
from smekit.app.results import Results, study_dir

results = Results(study_dir())
st.title("Panel analyses")
st.caption("Indices, two-way fixed effects, IV-2SLS, dynamic-panel GMM, mediation, heterogeneity.")
for folder in ("panel", "gmm"):
    if results.exists(folder):
        folder_tables(results, folder)
