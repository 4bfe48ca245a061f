"""New study: open a study folder, or upload responses (and transcripts) into a new one.

Uploads go through the same validating importers as the command line, and
their errors are shown as the CLI prints them. The analysis runs with a
progress bar; the new study then becomes the one the app shows.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from smekit.app.new_study import (
    MAX_UPLOAD_BYTES,
    RESPONSE_SUFFIXES,
    TRANSCRIPT_SUFFIXES,
    save_upload,
    study_folder,
    study_yaml,
)
from smekit.app.results import study_dir
from smekit.core.errors import SmekitError

st.title("New study")

st.header("Open a study folder")
folder = st.text_input("Study folder (with study.yaml)", value=str(study_dir()), key="open")
if st.button("Open", key="open-button"):
    path = Path(folder).expanduser()
    if not (path / "study.yaml").exists():
        st.error(f"error: {path}: no study.yaml here (run `smekit demo DIR` for an example)")
    else:
        st.session_state["smekit_study"] = str(path.resolve())
        st.success(f"Now showing {path}.")
        st.rerun()

st.header("Start a new study from files")
from smekit.survey.instrument import library_dir, load_instrument  # noqa: E402

library = sorted(p.stem for p in library_dir().glob("*.yaml"))
questionnaires = []
for stem in library:
    try:
        questionnaires.append((stem, load_instrument(library_dir() / f"{stem}.yaml")))
    except SmekitError:
        continue  # protocols and codebooks are not questionnaires
names = [s for s, _ in questionnaires]
with st.form("new-study"):
    name = st.text_input("Study name", key="name")
    parent = st.text_input("Create it in", value=str(Path.cwd()), key="parent")
    choice = st.selectbox("Questionnaire", names, key="instrument")
    instrument = dict(questionnaires)[choice] if choice else None
    constructs = [c.id for c in instrument.constructs] if instrument else []
    outcome = st.selectbox("Outcome construct", ["", *constructs], key="outcome")
    predictors = st.multiselect("Predictor constructs", constructs, key="predictors")
    id_column = st.text_input("Respondent id column (optional)", key="id_column")
    duration_column = st.text_input("Duration column in seconds (optional)", key="duration")
    responses = st.file_uploader(
        f"Responses ({', '.join(RESPONSE_SUFFIXES)}; at most {MAX_UPLOAD_BYTES // 1_000_000} MB)",
        type=[s[1:] for s in RESPONSE_SUFFIXES],
        key="responses",
    )
    transcripts = st.file_uploader(
        "Interview transcripts (optional)",
        type=[s[1:] for s in TRANSCRIPT_SUFFIXES],
        accept_multiple_files=True,
        key="transcripts",
    )
    submitted = st.form_submit_button("Create and analyse")

if submitted:
    try:
        if responses is None:
            raise SmekitError("upload a responses file")
        root = study_folder(Path(parent).expanduser(), name)
        data = root / "data"
        saved = save_upload(data, responses.name, responses.getvalue(), RESPONSE_SUFFIXES)
        from smekit.survey.responses import read_responses

        imported = read_responses(saved, instrument)
        st.info(f"Read {len(imported.data)} responses from {saved.name}.")
        if transcripts:
            for upload in transcripts:
                save_upload(
                    data / "transcripts", upload.name, upload.getvalue(), TRANSCRIPT_SUFFIXES
                )
        (root / "study.yaml").write_text(
            study_yaml(
                name,
                choice,
                f"data/{saved.name}",
                id_column=id_column or None,
                duration_column=duration_column or None,
                outcome=outcome or None,
                predictors=predictors,
                transcripts="data/transcripts" if transcripts else None,
            ),
            encoding="utf-8",
        )
        from smekit.runner import run_study
        from smekit.study import load_study

        bar = st.progress(0.0, text="Starting")

        def progress(stage: str, i: int, total: int) -> None:
            bar.progress(i / max(total, 1), text=stage)

        ctx = run_study(load_study(root), progress=progress)
        st.session_state["smekit_study"] = str(root)
        st.success(f"Wrote {len(ctx.outputs)} result files to {root / 'results'}.")
    except SmekitError as exc:
        st.error(f"error: {exc.message}")
