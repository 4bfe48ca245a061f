"""The interview stages of ``smekit analyze``: import → pseudonymise → codings → agreement.

Writes under ``results/interviews/``: ``segments.parquet`` (pseudonymised),
``transcript_problems.csv``, ``participant_mismatches.csv``, ``pseudonymisation_report.csv``,
``pseudonymisation_sources.csv``, ``codings.parquet`` (positions in the pseudonymised text),
``coding_problems.csv``, ``agreement.json``, ``agreement.csv`` and ``disagreements.csv``. The
key goes to the study's ``private/`` folder (``interviews.pseudonymise.key``), never under
``results/``. Later stages read only the pseudonymised frames left in the run context:
``interviews.segments``, ``interviews.codebook``, ``interviews.codings``,
``interviews.participants`` (the sheet without identifying columns) and ``interviews.sources``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smekit.context import RunContext, Stage
from smekit.core.errors import StudyError
from smekit.study import StudyConfig


def _has_transcripts(config: StudyConfig) -> bool:
    return config.interviews is not None and config.interviews.transcripts is not None


def _cfg(ctx: RunContext):
    cfg = ctx.study.config.interviews
    assert cfg is not None
    return cfg


def run_import(ctx: RunContext) -> None:
    """Read the codebook, the participant sheet and the transcripts."""
    from smekit.interviews.codebook import load_codebook
    from smekit.interviews.participants import match_transcripts, read_participants
    from smekit.interviews.transcripts import read_corpus, transcript_files
    from smekit.survey.instrument import resolve_instrument

    cfg = _cfg(ctx)
    if cfg.codebook:
        ctx.results["interviews.codebook"] = load_codebook(
            resolve_instrument(cfg.codebook, base=ctx.study.root)
        )
    folder = ctx.study.input_file(cfg.transcripts, "interviews.transcripts")
    sheet = None
    participant_of = None
    if cfg.participants:
        sheet = read_participants(ctx.study.input_file(cfg.participants, "interviews.participants"))
        files = transcript_files(folder) if folder.is_dir() else [folder]
        match = match_transcripts(sheet, {f.stem: str(f) for f in files})
        participant_of = match.participant_of
        mismatches = match.mismatches.assign(
            file=lambda d: d["file"].map(lambda f: Path(f).name if isinstance(f, str) else f)
        )
        ctx.write_table(mismatches, "interviews/participant_mismatches", csv=True)
        for r in mismatches.itertuples():
            ctx.notes.append(
                f"interviews: {r.participant_id or r.transcript_id}: {r.problem} "
                f"({Path(cfg.participants).name})"
            )
    corpus = read_corpus(folder, cfg.speakers or None, participant_of, cfg.encoding)
    problems = corpus.problems.assign(file=corpus.problems["file"].map(lambda f: Path(f).name))
    ctx.write_table(problems, "interviews/transcript_problems", csv=True)
    for r in problems.itertuples():
        ctx.notes.append(f"interviews: {r.file} {r.place}: {r.problem} ({r.action})".strip())
    ctx.results["interviews._corpus"] = corpus
    ctx.results["interviews._sheet"] = sheet


def _key_path(ctx: RunContext) -> Path:
    key = ctx.study.path(_cfg(ctx).pseudonymise.key).resolve()
    results = ctx.out.resolve()
    if key == results or results in key.parents:
        raise StudyError(
            f"interviews.pseudonymise.key '{_cfg(ctx).pseudonymise.key}' lies under results/",
            where=ctx.study.root / "study.yaml",
            fix="write the key apart from results, e.g. private/pseudonymisation_key.csv",
        )
    return key


def run_pseudonymise(ctx: RunContext) -> None:
    """Replace names, firms, places, emails, phones, URLs; key to private/, report to results/."""
    from smekit.interviews.participants import identifying_values, public_sheet
    from smekit.interviews.pseudonymise import (
        DEFAULT_KEEP,
        entity,
        pseudonymise,
        read_names,
        write_key,
    )

    cfg = _cfg(ctx).pseudonymise
    corpus = ctx.results.pop("interviews._corpus")
    sheet = ctx.results.pop("interviews._sheet")
    entities = []
    if sheet is not None:
        for kind, values in identifying_values(sheet).items():
            entities += [entity(kind, v, "lists") for v in values]
    if cfg.names:
        names = ctx.study.input_file(cfg.names, "interviews.pseudonymise.names")
        ctx.inputs["interviews.pseudonymise.names"] = names
        entities += read_names(names)
    key_path = _key_path(ctx)
    result = pseudonymise(
        corpus.sources,
        corpus.segments,
        entities,
        patterns=cfg.patterns,
        ner=cfg.ner,
        keep=DEFAULT_KEEP if cfg.keep is None else cfg.keep,
    )
    write_key(result.key, key_path)
    ctx.notes.append(f"interviews: pseudonymisation key written to {key_path} (keep it private)")
    ctx.write_table(result.report, "interviews/pseudonymisation_report", csv=True)
    ctx.write_table(result.runs, "interviews/pseudonymisation_sources", csv=True)
    ctx.write_table(result.segments, "interviews/segments")
    ctx.results["interviews.segments"] = result.segments
    ctx.results["interviews.sources"] = result.sources
    ctx.results["interviews.participants"] = (
        public_sheet(sheet) if sheet is not None else pd.DataFrame(columns=["participant_id"])
    )
    ctx.write_table(ctx.results["interviews.participants"], "interviews/participants")
    ctx.results["interviews._pseudonymised"] = result
    ctx.results["interviews._original_sources"] = corpus.sources


def _read_any(path: Path):
    from smekit.interviews.codings import read_codings

    if path.suffix.lower() in (".qdpx", ".qde"):
        from smekit.interviews.refiqda import read_qdpx
        from smekit.interviews.refiqda_convert import to_smekit

        imported = to_smekit(read_qdpx(path))
        frame = imported.codings.assign(row=range(1, len(imported.codings) + 1), file=str(path))
        return frame
    return read_codings(path)


def run_codings(ctx: RunContext) -> None:
    """Read every coder's codings, check them, move them into the pseudonymised text."""
    from smekit.interviews.codings import CODING_COLUMNS, check_codings, empty_codings

    cfg = _cfg(ctx)
    result = ctx.results.pop("interviews._pseudonymised")
    original = ctx.results.pop("interviews._original_sources")
    frames = []
    for i, rel in enumerate(cfg.codings):
        path = ctx.study.input_file(rel, f"interviews.codings[{i}]")
        ctx.inputs[f"interviews.codings[{i}]"] = path
        frames.append(_read_any(path))
    if not frames:
        ctx.results["interviews.codings"] = empty_codings()
        return
    book = ctx.results.get("interviews.codebook")
    checked = check_codings(
        pd.concat(frames, ignore_index=True),
        book.ids if book is not None else None,
        original,
        None,
    )
    problems = checked.problems.assign(file=checked.problems["file"].map(_name))
    ctx.write_table(problems, "interviews/coding_problems", csv=True)
    for r in problems.itertuples():
        ctx.notes.append(f"interviews: {r.file} row {r.row}: {r.problem} ({r.action})")
    codings = result.map_codings(checked.codings)[CODING_COLUMNS]
    ctx.results["interviews.codings"] = codings
    ctx.write_table(codings, "interviews/codings")


def _name(f):
    return Path(f).name if isinstance(f, str) else f


def run_agreement(ctx: RunContext) -> None:
    """Agreement between the coders (when there are two or more) and the disagreements."""
    from smekit.interviews.agreement import agreement

    codings = ctx.results.get("interviews.codings")
    if codings is None or codings["coder"].nunique() < 2:
        ctx.notes.append("interviews: agreement skipped (codings of fewer than two coders)")
        return
    cfg = _cfg(ctx).agreement
    segments = ctx.results["interviews.segments"]
    result = agreement(
        codings,
        unit=cfg.unit,
        min_overlap=cfg.min_overlap,
        segments=segments[segments["role"] == "participant"] if cfg.unit == "segment" else None,
        sources=ctx.results["interviews.sources"],
    )
    ctx.results["interviews.agreement"] = result
    ctx.write_json(result.to_dict(), "interviews/agreement")
    ctx.write_table(result.to_frame(), "interviews/agreement", csv=True)
    ctx.write_table(result.disagreements, "interviews/disagreements", csv=True)


STAGES = [
    Stage("interviews.import", "Reading interview transcripts", _has_transcripts, run_import),
    Stage(
        "interviews.pseudonymise",
        "Pseudonymising transcripts",
        _has_transcripts,
        run_pseudonymise,
    ),
    Stage("interviews.codings", "Reading and checking codings", _has_transcripts, run_codings),
    Stage("interviews.agreement", "Intercoder agreement", _has_transcripts, run_agreement),
]
