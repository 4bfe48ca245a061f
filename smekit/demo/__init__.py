"""The demo study: synthetic data shaped like studies S1-S3, with known true values.

:func:`write_demo` writes a study folder::

    DIR/
      study.yaml
      data/responses.csv          # S1 survey export: 300 clean firms + 4 planted problems
      data/participants.csv       # interview participant sheet
      data/transcripts/P01.vtt .. P05.vtt, P06.docx .. P10.docx, P11.txt .. P15.txt
      data/codings/coder_1.csv, coder_2.csv   # two coders' codings of the participant turns
      data/names.csv              # names, firms and cities to pseudonymise (type,value)
      data/panel_s2.csv           # 30 provinces x 2013-2022
      data/panel_s3.csv           # 285 cities x 2012-2022, 55 treated from 2018
      truth.json                  # the values used to generate everything

``truth.json`` holds ``seed``; ``survey`` (coefficients, intercept, noise_sd,
n_clean, planted, influential, profile, ...); ``interviews`` (per participant:
respondent_id, role, file, themes voiced and the turns voicing them);
``identifiers`` (names, firm and city appearing in each transcript);
``panel_s2`` and ``panel_s3`` (true effects, mediators, instruments, missing
cells); and ``files``. Everything derives from one seed through
:class:`numpy.random.SeedSequence`, so the same seed gives byte-identical files.

Example
-------
>>> from pathlib import Path
>>> import tempfile
>>> from smekit.demo import write_demo
>>> study = write_demo(Path(tempfile.mkdtemp()) / "demo")
>>> study.truth["survey"]["coefficients"]["digital_tools"]
0.45
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from smekit.core.errors import SmekitError
from smekit.demo.panels import panel_s2, panel_s3
from smekit.demo.phrases import THEME_CONSTRUCTS, THEMES
from smekit.demo.study_file import study_yaml
from smekit.demo.survey_data import survey_responses
from smekit.demo.transcripts import (
    Transcript,
    participants,
    render_docx,
    render_txt,
    render_vtt,
    transcripts,
)
from smekit.survey.instrument import library_path, load_instrument

DEFAULT_SEED = 20240601
WRITTEN = ("data", "results", "study.yaml", "truth.json")
"""Entries of a study folder that the demo owns (removed by ``force``)."""

__all__ = [
    "DEFAULT_SEED",
    "DemoStudy",
    "Transcript",
    "demo_files",
    "panel_s2",
    "panel_s3",
    "participants",
    "survey_responses",
    "transcripts",
    "write_demo",
]


@dataclass(frozen=True)
class DemoStudy:
    """A demo study written to disk.

    Attributes
    ----------
    root
        The study folder.
    truth
        The content of ``truth.json``.
    """

    root: Path
    truth: dict = field(repr=False)

    @property
    def study_file(self) -> Path:
        return self.root / "study.yaml"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def to_dict(self) -> dict:
        return {"root": str(self.root), "truth": self.truth}


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _plain(value):
    """JSON fallback for numpy scalars."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _render(transcript: Transcript) -> bytes:
    if transcript.format == "vtt":
        return render_vtt(transcript).encode("utf-8")
    if transcript.format == "docx":
        return render_docx(transcript)
    return render_txt(transcript).encode("utf-8")


def demo_files(seed: int = DEFAULT_SEED) -> tuple[dict[str, bytes], dict]:
    """Generate every demo file in memory.

    Parameters
    ----------
    seed
        Master seed; each part (survey, interviews, participant sheet, S2, S3)
        draws from its own child of ``numpy.random.SeedSequence(seed)``.

    Returns
    -------
    (files, truth)
        ``files`` maps a path relative to the study folder to its bytes
        (``truth.json`` included); ``truth`` is the parsed truth.
    """
    rng_survey, rng_interviews, rng_sheet, rng_s2, rng_s3, rng_codings = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )
    instrument = load_instrument(library_path("s1_resilience_dt"))
    responses, survey_truth = survey_responses(instrument, rng_survey)
    clean = responses.iloc[: survey_truth.n_clean]
    interviews = transcripts(rng_interviews)
    sheet = participants(interviews, clean, rng_sheet, exclude=[survey_truth.influential])
    s2, s2_truth = panel_s2(rng_s2)
    s3, s3_truth = panel_s3(rng_s3)

    files: dict[str, bytes] = {
        "study.yaml": study_yaml(seed).encode("utf-8"),
        "data/responses.csv": _csv(responses),
        "data/participants.csv": _csv(sheet),
        "data/panel_s2.csv": _csv(s2),
        "data/panel_s3.csv": _csv(s3),
    }
    for t in interviews:
        files[f"data/transcripts/{t.file_name}"] = _render(t)
    from smekit.demo.codings import demo_codings, names_list

    for coder, frame in demo_codings(interviews, rng_codings).items():
        files[f"data/codings/{coder}.csv"] = _csv(frame)
    files["data/names.csv"] = names_list(interviews).encode("utf-8")

    linked = dict(zip(sheet["participant_id"], sheet["respondent_id"], strict=True))
    truth = {
        "seed": int(seed),
        "survey": survey_truth.to_dict(),
        "interviews": {
            "n": len(interviews),
            "themes": list(THEMES),
            "theme_constructs": dict(THEME_CONSTRUCTS),
            "theme_counts": {th: sum(th in t.themes for t in interviews) for th in THEMES},
            "participants": {
                t.participant_id: {
                    "respondent_id": str(linked[t.participant_id]),
                    "role": t.role,
                    "file": t.file_name,
                    "format": t.format,
                    "n_turns": len(t.turns),
                    "themes": list(t.themes),
                    "theme_turns": t.theme_turns(),
                }
                for t in interviews
            },
        },
        "identifiers": {t.participant_id: t.identifiers for t in interviews},
        "panel_s2": s2_truth,
        "panel_s3": s3_truth,
        "files": sorted([*files, "truth.json"]),
    }
    text = json.dumps(truth, indent=2, ensure_ascii=False, default=_plain) + "\n"
    files["truth.json"] = text.encode("utf-8")
    return files, json.loads(text)


def _clear(root: Path) -> None:
    """Remove what a previous demo wrote (``data/``, ``results/``, study.yaml, truth.json)."""
    for name in WRITTEN:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def write_demo(directory: Path | str, seed: int = DEFAULT_SEED, force: bool = False) -> DemoStudy:
    """Write the demo study folder.

    Parameters
    ----------
    directory
        Target folder; created if missing. Must be empty unless ``force``.
    seed
        Master seed; the same seed always writes byte-identical files.
    force
        Replace a previous demo: removes ``data/``, ``results/``,
        ``study.yaml`` and ``truth.json`` (nothing else) before writing.

    Returns
    -------
    DemoStudy

    Raises
    ------
    SmekitError
        If ``directory`` is a file, or is a non-empty folder and ``force`` is false.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise SmekitError("is a file, not a folder", where=root, fix="choose a folder path")
    if root.exists() and any(root.iterdir()):
        if not force:
            raise SmekitError(
                "folder is not empty; the demo will not overwrite it",
                where=root,
                fix="use --force to replace the demo files in it, or choose an empty folder",
            )
    files, truth = demo_files(seed)
    if force:
        _clear(root)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return DemoStudy(root=root, truth=truth)
