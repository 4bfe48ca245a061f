"""``smekit interviews themes``: cluster interview segments into themes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from smekit.cli.base import interviews_app


def _segments(path: Path):
    """A segments CSV/Parquet (``smekit interviews import -o``) or transcripts via the reader."""
    import pandas as pd

    from smekit.core.errors import DataError

    if not path.exists():
        raise DataError("input not found", where=path)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        try:
            return pd.read_csv(path, dtype={"segment_id": str, "transcript_id": str})
        except (ValueError, OSError) as exc:
            raise DataError(f"cannot read the segments table: {exc}", where=path) from None
    from smekit.interviews.transcripts import read_corpus

    return read_corpus(path).segments


@interviews_app.command("themes")
def themes(
    input: Annotated[
        Path,
        typer.Argument(
            help="Segments CSV/Parquet (from `smekit interviews import -o`), a transcript or a "
            "folder of transcripts."
        ),
    ],
    mode: Annotated[
        str, typer.Option("--mode", help="unsupervised, guided, zeroshot or semisupervised.")
    ] = "guided",
    k: Annotated[
        int | None, typer.Option("--k", help="Number of topics (default: themes in the codebook).")
    ] = None,
    codebook: Annotated[
        str, typer.Option("--codebook", help="Codebook: library name or YAML path.")
    ] = "s1_codebook",
    codings: Annotated[
        Path | None, typer.Option("--codings", help="Codings CSV (semisupervised mode, agreement).")
    ] = None,
    embedding: Annotated[
        str, typer.Option("--embedding", help="tfidf, sentence-transformers or a model folder.")
    ] = "tfidf",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Zero-shot minimum cosine similarity.")
    ] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of SVD, PCA and k-means.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write topics, words and agreement as JSON.")
    ] = None,
) -> None:
    """Cluster the participant turns of INPUT into themes with BERTopic and print the topics.

    Reads INPUT (and the codebook, and --codings when given); writes only --json.
    """
    import pandas as pd

    from smekit.interviews.codebook import load_codebook
    from smekit.interviews.themes import fit_themes
    from smekit.survey.instrument import resolve_instrument

    segments = _segments(input)
    cb = load_codebook(resolve_instrument(codebook)) if mode != "unsupervised" else None
    if cb is None and codings is not None:
        cb = load_codebook(resolve_instrument(codebook))
    coded = pd.read_csv(codings, dtype={"segment_id": str}) if codings is not None else None
    model = fit_themes(
        segments,
        mode=mode,
        k=k,
        codebook=cb,
        codings=coded,
        embedding=embedding,
        zeroshot_threshold=threshold,
        seed=seed,
    )
    for row in model.topics.itertuples(index=False):
        theme = f"  ~ {row.theme}" if row.theme else ""
        typer.echo(f"topic {row.topic}: {row.size:4d} segments  {row.keywords}{theme}")
    typer.echo(f"{len(model.assignments)} segments clustered, {len(model.excluded)} left out")
    for note in model.info["notes"]:
        typer.echo(f"note: {note}")
    if "manual" in model.agreement:
        a = model.agreement["manual"]
        typer.echo(f"agreement with manual codes: ARI {a['ari']}, NMI {a['nmi']} (n = {a['n']})")
    if json_out is not None:
        data = model.to_dict()
        data["assignments"] = model.assignments.drop(columns="text").to_dict(orient="records")
        json_out.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        typer.echo(f"wrote {json_out}")
