"""The app's pages, and which of them a study's results can fill."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from smekit.app.results import Results

HERE = Path(__file__).parent

# page file, title, icon, results folder it needs (None: always shown)
PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:", None),
    ("pages/survey.py", "Survey", ":material/checklist:", "survey"),
    ("pages/regression.py", "Regression", ":material/show_chart:", "regression"),
    ("pages/themes.py", "Themes", ":material/forum:", "interviews"),
    ("pages/integration.py", "Integration", ":material/join_inner:", "integration"),
    ("pages/panel.py", "Panel", ":material/grid_on:", "panel"),
    ("pages/did.py", "Policy evaluation", ":material/policy:", "did"),
    ("pages/benchmark.py", "Benchmark", ":material/leaderboard:", "benchmark"),
    ("pages/downloads.py", "Downloads", ":material/download:", None),
    ("pages/new_study.py", "New study", ":material/add_circle:", None),
]


def page_entries(results: Results) -> list[tuple[str, str, str]]:
    """(file, title, icon) of the pages whose results exist, in reading order."""
    return [
        (path, title, icon)
        for path, title, icon, needs in PAGES
        if (needs is None or results.exists(needs)) and (HERE / path).exists()
    ]


def available_pages(results: Results) -> list[st.Page]:
    """The pages whose results exist, as Streamlit pages."""
    return [
        st.Page(path, title=title, icon=icon, default=path.endswith("overview.py"))
        for path, title, icon in page_entries(results)
    ]
