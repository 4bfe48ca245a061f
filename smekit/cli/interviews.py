"""``smekit interviews``: import, export, pseudonymise and agreement.

(``smekit interviews themes`` is registered by :mod:`smekit.cli.themes`.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import interviews_app
from smekit.core.errors import DataError


def _write_frame(frame, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)
    return out


def _write_json(data, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")


def _speaker_map(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    out = {}
    for p in pairs:
        name, sep, role = p.rpartition("=")
        if not sep or role not in ("interviewer", "participant", "unknown"):
            raise DataError(
                f"--speaker '{p}' is not NAME=ROLE",
                fix="e.g. --speaker 'Dr Li=interviewer' (roles: interviewer, participant, unknown)",
            )
        out[name] = role
    return out


def _is_qdpx(path: Path) -> bool:
    return path.suffix.lower() in (".qdpx", ".qde")


def _segments_of_sources(sources: dict[str, str]):
    """Segments of plain texts holding ``Speaker: text`` turns (texts without turns skipped)."""
    from smekit.interviews.transcripts import Transcript, parse_plain_text, segments_frame

    ts = []
    for tid, text in sources.items():
        turns, _ = parse_plain_text(text, tid)
        if turns:
            ts.append(Transcript(tid, tid, "txt", text, tuple(turns)))
    return segments_frame(ts)


SpeakerOpt = Annotated[
    list[str] | None,
    typer.Option("--speaker", help="Speaker role, NAME=interviewer|participant (repeatable)."),
]
EncodingOpt = Annotated[str | None, typer.Option(help="Text encoding (default: UTF-8).")]


@interviews_app.command("import")
def interviews_import(
    path: Annotated[Path, typer.Argument(help="A transcript, a folder of them, or a .qdpx.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Segments table (.csv or .parquet).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Sources, codes and codings as JSON.")
    ] = None,
    speaker: SpeakerOpt = None,
    encoding: EncodingOpt = None,
    newlines: Annotated[
        str,
        typer.Option(help="qdpx positions: as-stored (standard) or crlf-as-one (CRLF = 1)."),
    ] = "as-stored",
) -> None:
    """Read transcripts (txt, docx, vtt, srt) or a REFI-QDA project into a segments table.

    The JSON lists ``sources`` (id, name, n_chars), ``codes`` (guid, name, parent) and
    ``codings`` (source, code, start, end, text, coder) and any ``problems``.
    """
    if _is_qdpx(path):
        from smekit.interviews.refiqda import read_qdpx
        from smekit.interviews.refiqda_convert import to_smekit

        project = read_qdpx(path, newlines=newlines)
        imported = to_smekit(project)
        segments = _segments_of_sources(imported.sources)
        data = project.to_dict()
        problems = data["problems"]
        n_codings = len(data["codings"])
        typer.echo(
            f"Read {len(project.sources)} sources, {len(project.codes)} codes and "
            f"{n_codings} codings from {path}"
        )
    else:
        from smekit.interviews.transcripts import read_corpus

        corpus = read_corpus(path, _speaker_map(speaker), None, encoding)
        segments = corpus.segments
        data = {**corpus.to_dict(), "codes": [], "codings": []}
        problems = data["problems"]
        typer.echo(f"Read {len(corpus.sources)} transcripts, {len(segments)} segments from {path}")
    for p in problems:
        typer.echo("  " + ", ".join(str(v) for v in p.values() if v), err=True)
    if out is not None:
        _write_frame(segments, out)
        typer.echo(f"wrote {out}")
    if json_out is not None:
        _write_json(data, json_out)
        typer.echo(f"wrote {json_out}")


@interviews_app.command("export")
def interviews_export(
    input: Annotated[
        Path,
        typer.Argument(
            help="qdpx: a transcript or folder; qdc: a codebook YAML, library name or .qdpx."
        ),
    ],
    format: Annotated[str, typer.Option("--format", help="qdpx or qdc.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .qdpx or .qdc file.")],
    codebook: Annotated[
        str | None, typer.Option(help="Codebook YAML or library name (qdpx).")
    ] = None,
    codings: Annotated[
        list[Path] | None, typer.Option("--codings", help="Codings table (repeatable, qdpx).")
    ] = None,
    participants: Annotated[
        Path | None, typer.Option(help="Participant sheet: cases and variables (qdpx).")
    ] = None,
    speaker: SpeakerOpt = None,
) -> None:
    """Write a REFI-QDA project (.qdpx) or codebook (.qdc), validated against the REFI schema."""
    from smekit.interviews.refiqda_convert import from_smekit
    from smekit.interviews.refiqda_write import write_qdc, write_qdpx

    book = _load_codebook(codebook) if codebook else None
    if format == "qdc":
        if _is_qdpx(input):
            from smekit.interviews.refiqda import read_qdpx

            codes = read_qdpx(input).codes
        else:
            codes = from_smekit({}, _load_codebook(str(input))).codes
        write_qdc(codes, out)
        typer.echo(f"wrote {len(codes)} codes to {out}")
        return
    if format != "qdpx":
        raise DataError(f"unknown format '{format}'", fix="use --format qdpx or --format qdc")
    from smekit.interviews.codings import check_codings, read_codings
    from smekit.interviews.transcripts import read_corpus

    corpus = read_corpus(input, _speaker_map(speaker))
    frame = None
    if codings:
        import pandas as pd

        checked = check_codings(
            pd.concat([read_codings(p) for p in codings], ignore_index=True),
            book.ids if book else None,
            corpus.sources,
            corpus.segments,
        )
        for r in checked.problems.itertuples():
            typer.echo(f"  {r.file} row {r.row}: {r.problem} ({r.action})", err=True)
        frame = checked.codings
    cases = None
    if participants is not None:
        from smekit.interviews.participants import read_participants

        cases = read_participants(participants)
    project = from_smekit(corpus.sources, book, frame, cases, name=out.stem)
    write_qdpx(project, out)
    typer.echo(
        f"wrote {len(project.sources)} sources, {len(project.codes)} codes and "
        f"{sum(len(s.codings) for s in project.selections)} codings to {out}"
    )


def _load_codebook(ref: str):
    from smekit.interviews.codebook import load_codebook
    from smekit.survey.instrument import resolve_instrument

    return load_codebook(resolve_instrument(ref))


@interviews_app.command("pseudonymise")
def interviews_pseudonymise(
    path: Annotated[Path, typer.Argument(help="A transcript or a folder of transcripts.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pseudonymised output.")],
    names: Annotated[
        Path | None, typer.Option(help="Names list: CSV type,value or one name per line.")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(help="Key file (default: private/<OUT>_key.csv beside OUT, never in OUT)."),
    ] = None,
    participants: Annotated[
        Path | None, typer.Option(help="Participant sheet (its name columns are replaced).")
    ] = None,
    ner: Annotated[
        bool, typer.Option("--ner/--no-ner", help="Use a trained spaCy pipeline if installed.")
    ] = True,
    speaker: SpeakerOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """Replace names, organisations, places, emails, phones and URLs with stable placeholders.

    Writes OUT/<id>.txt (pseudonymised plain text), OUT/segments.parquet,
    OUT/pseudonymisation_report.csv and OUT/pseudonymisation_sources.csv; the key goes apart.
    """
    from smekit.interviews.participants import identifying_values, read_participants
    from smekit.interviews.pseudonymise import entity, pseudonymise, read_names, write_key
    from smekit.interviews.transcripts import read_corpus

    key = key or out.parent / "private" / f"{out.name}_key.csv"
    if out.resolve() in key.resolve().parents:
        raise DataError(
            "the key would be written inside the output folder",
            where=key,
            fix="give --key a path outside the output folder",
        )
    corpus = read_corpus(path, _speaker_map(speaker), None, encoding)
    entities = read_names(names) if names else []
    if participants is not None:
        for kind, values in identifying_values(read_participants(participants)).items():
            entities += [entity(kind, v, "lists") for v in values]
    result = pseudonymise(corpus.sources, corpus.segments, entities, ner=ner)
    out.mkdir(parents=True, exist_ok=True)
    for tid, text in result.sources.items():
        (out / f"{tid}.txt").write_text(text, encoding="utf-8")
    result.segments.to_parquet(out / "segments.parquet", index=False)
    result.report.to_csv(out / "pseudonymisation_report.csv", index=False)
    result.runs.to_csv(out / "pseudonymisation_sources.csv", index=False)
    write_key(result.key, key)
    for r in result.runs.itertuples():
        typer.echo(f"  {r.source}: {'ran' if r.ran else 'not run'} ({r.detail})")
    typer.echo(
        f"Replaced {int(result.report['count'].sum())} mentions of {len(result.key)} entities "
        f"in {len(result.sources)} transcripts; wrote {out}; key: {key}"
    )


@interviews_app.command("agreement")
def interviews_agreement(
    codings: Annotated[
        list[Path], typer.Argument(help="Codings tables (CSV/Parquet) or .qdpx projects.")
    ],
    unit: Annotated[str, typer.Option(help="segment, character or document.")] = "segment",
    min_overlap: Annotated[
        float, typer.Option(help="Segment rule: share of a segment a coding must cover (0: any).")
    ] = 0.0,
    transcripts: Annotated[
        Path | None,
        typer.Option(help="The transcripts (segments and texts for the unit rules)."),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Full result as JSON.")] = None,
    disagreements: Annotated[
        Path | None, typer.Option(help="Write the disagreements table (.csv).")
    ] = None,
) -> None:
    """Intercoder agreement per code and pooled (percent, kappas, Krippendorff's alpha).

    Percent agreement, Cohen's kappa, Brennan-Prediger kappa and Krippendorff's alpha
    (nominal), under the unit rule chosen; the disagreements table lists what to resolve.
    """
    import pandas as pd

    from smekit.interviews.agreement import agreement
    from smekit.interviews.codings import check_codings, read_codings

    frames, sources, segments = [], None, None
    for p in codings:
        if _is_qdpx(p):
            from smekit.interviews.refiqda import read_qdpx
            from smekit.interviews.refiqda_convert import to_smekit

            imp = to_smekit(read_qdpx(p))
            frames.append(imp.codings)
            sources = {**(sources or {}), **imp.sources}
        else:
            frames.append(read_codings(p))
    if transcripts is not None:
        from smekit.interviews.transcripts import read_corpus

        corpus = read_corpus(transcripts)
        sources, segments = corpus.sources, corpus.segments
        segments = segments[segments["role"] != "interviewer"]
    checked = check_codings(pd.concat(frames, ignore_index=True), None, sources, segments)
    for r in checked.problems.itertuples():
        typer.echo(f"  {r.file} row {r.row}: {r.problem} ({r.action})", err=True)
    result = agreement(checked.codings, unit, min_overlap, segments, sources)  # type: ignore[arg-type]
    table = result.to_frame()
    typer.echo(f"Agreement of {', '.join(result.coders)} (unit: {unit})")
    typer.echo(table.round(3).to_string(index=False))
    for note in result.notes:
        typer.echo(f"  note: {note}")
    if json_out is not None:
        _write_json(result.to_dict(), json_out)
        typer.echo(f"wrote {json_out}")
    if disagreements is not None:
        _write_frame(result.disagreements, disagreements)
        typer.echo(f"wrote {len(result.disagreements)} disagreements to {disagreements}")
