"""smekit reviewer app (Streamlit): one place to see the whole study.

Run with ``smekit app STUDY``. Pages are files under ``app/pages/``; a page is
listed when the results it shows exist. The app reads ``STUDY/results/`` and
the researcher's edits in ``STUDY/interpretations/``; it never fits a model
on page load and never reads the pseudonymisation key.
"""

from __future__ import annotations

import streamlit as st

from smekit.app.auth import gate
from smekit.app.navigation import available_pages
from smekit.app.results import Results, study_dir

st.set_page_config(page_title="smekit", layout="wide")

if gate():
    results = Results(study_dir())
    navigation = st.navigation(available_pages(results))
    navigation.run()
