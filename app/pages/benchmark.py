"""Benchmark: a firm's resilience profile against its peers, and its report."""

from __future__ import annotations

import streamlit as st

from smekit.app.components import folder_tables
from smekit.app.results import Results, study_dir

results = Results(study_dir())
st.title("Benchmark")
folder_tables(results, "benchmark")
