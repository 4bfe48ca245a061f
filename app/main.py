"""smekit results browser (Streamlit).

Run with ``smekit app STUDY``. The page lists what ``smekit analyze`` wrote to
``STUDY/results/`` and renders each table and figure; it computes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import streamlit as st

from smekit.app.results import images, list_results, read_json, read_table


def _study_from_argv(argv: list[str]) -> Path:
    parser = argparse.ArgumentParser()
    parser.add_argument("--study", default=os.environ.get("SMEKIT_STUDY", "demo-study"))
    args, _ = parser.parse_known_args(argv)
    return Path(args.study)


def main() -> None:
    study = _study_from_argv(sys.argv[1:])
    results = study / "results"
    st.set_page_config(page_title="smekit results", layout="wide")
    st.title("smekit results")
    st.caption(f"Study folder: {study}")
    if not results.is_dir():
        st.error(f"No results folder in {study}. Run `smekit analyze {study}` first.")
        return
    manifest_path = results / "manifest.json"
    if manifest_path.exists():
        manifest = read_json(manifest_path)
        cols = st.columns(3)
        cols[0].metric("Study", manifest.get("study", "?"))
        cols[1].metric("smekit", manifest.get("smekit_version", "?"))
        cols[2].metric("Run started (UTC)", manifest.get("started_utc", "?"))
    files = [f for f in list_results(results) if f.relative != "manifest.json"]
    groups = sorted({f.group for f in files})
    if not groups:
        st.info("The results folder is empty.")
        return
    tabs = st.tabs([g.capitalize() for g in groups] + ["Figures", "Manifest"])
    for tab, group in zip(tabs, groups, strict=False):
        with tab:
            for f in (f for f in files if f.group == group):
                st.subheader(f.relative)
                if f.path.suffix == ".json":
                    st.json(read_json(f.path), expanded=False)
                else:
                    st.dataframe(read_table(f.path), use_container_width=True)
    with tabs[-2]:
        pictures = images(results)
        if not pictures:
            st.info("No figures yet.")
        for p in pictures:
            st.image(str(p), caption=str(p.relative_to(results)))
    with tabs[-1]:
        if manifest_path.exists():
            st.json(read_json(manifest_path))


main()
