"""Codings: which coder applied which code to which span of which transcript.

The codings frame has one row per coding (columns :data:`CODING_COLUMNS`): ``segment_id``
(``None`` for a free character span), ``transcript_id``, ``start`` and ``end`` (Unicode code
points into the transcript's plain text, 0-based, end exclusive), ``code`` (a codebook code
id), ``coder`` and ``memo``. A segment-level coding has the segment's character span.

:func:`check_codings` keeps what is sound and lists every problem with the file and row: a code
not in the codebook, an unknown transcript, a span that runs past the text or is empty, and
overlapping codings of one code by one coder (merged into one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smekit.core.errors import DataError

CODING_COLUMNS = ["segment_id", "transcript_id", "start", "end", "code", "coder", "memo"]
PROBLEM_COLUMNS = ["file", "row", "problem", "action"]


@dataclass(frozen=True)
class CheckedCodings:
    """Codings that passed the checks, and the problems found.

    Attributes
    ----------
    codings
        The kept codings (overlaps merged), sorted by transcript, coder, code and start.
    problems
        file, row (1-based data row, header not counted; ``None`` for the whole file),
        problem, action.
    """

    codings: pd.DataFrame
    problems: pd.DataFrame


def empty_codings() -> pd.DataFrame:
    return pd.DataFrame(columns=CODING_COLUMNS).astype({"start": "int64", "end": "int64"})


def read_codings(path: str | Path, coder: str | None = None) -> pd.DataFrame:
    """Read a codings table (CSV or Parquet).

    Columns: ``transcript_id``, ``code`` and either ``start``/``end`` or ``segment_id``; ``coder``
    (or pass ``coder``, e.g. the file stem) and ``memo`` are optional. A row's place in the file
    is kept in the ``row`` column for messages.

    Raises
    ------
    DataError
        Missing file or required columns, or non-integer positions (naming the row).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("codings file not found", where=path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("not UTF-8 text", where=path) from None
        except pd.errors.EmptyDataError:
            raise DataError("the codings file is empty", where=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    need = {"transcript_id", "code"}
    if not need <= set(frame.columns):
        raise DataError(
            f"missing column(s) {sorted(need - set(frame.columns))}",
            where=path,
            fix=f"a codings table has {', '.join(CODING_COLUMNS)}",
        )
    if not ({"start", "end"} <= set(frame.columns) or "segment_id" in frame.columns):
        raise DataError("needs start and end, or segment_id", where=path)
    if "coder" not in frame.columns:
        frame["coder"] = coder or path.stem
    for col in ("segment_id", "memo", "start", "end"):
        if col not in frame.columns:
            frame[col] = None
    frame = frame.replace({"": None})
    for col in ("start", "end"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = frame[col].notna() & (values.isna() | (values % 1 != 0))
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 1
            raise DataError(
                f"'{frame[col][bad].iloc[0]}' is not a whole number",
                where=f"{path} row {row}, column '{col}'",
            )
        frame[col] = values.astype("Int64")
    frame["row"] = range(1, len(frame) + 1)
    frame["file"] = str(path)
    return frame[[*CODING_COLUMNS, "row", "file"]]


def check_codings(
    codings: pd.DataFrame,
    code_ids: Iterable[str] | None = None,
    sources: Mapping[str, str] | None = None,
    segments: pd.DataFrame | None = None,
) -> CheckedCodings:
    """Keep the sound codings; list every problem with its file and row.

    Parameters
    ----------
    codings
        A codings frame (``row`` and ``file`` columns, when present, name the place).
    code_ids
        Codebook code ids; codings of other codes are dropped and listed.
    sources
        transcript id → plain text; spans past the end of the text are dropped and listed.
    segments
        The segments frame; fills ``start``/``end`` of segment-level codings.

    Returns
    -------
    CheckedCodings

    Examples
    --------
    >>> c = pd.DataFrame({"segment_id": None, "transcript_id": "T", "start": [0, 3, 9],
    ...                   "end": [5, 8, 40], "code": ["a", "a", "zz"], "coder": "x", "memo": None})
    >>> out = check_codings(c, ["a"], {"T": "x" * 20})
    >>> out.codings[["start", "end"]].values.tolist()
    [[0, 8]]
    >>> out.problems["problem"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ["code 'zz' is not in the codebook",
     'overlaps the coding in row 1 (same code and coder)']
    """
    frame = codings.copy()
    if "row" not in frame.columns:
        frame["row"] = range(1, len(frame) + 1)
    if "file" not in frame.columns:
        frame["file"] = None
    for col in ("segment_id", "memo"):
        if col not in frame.columns:
            frame[col] = None
    problems: list[dict] = []

    def drop(mask: pd.Series, problem, action: str = "dropped") -> None:
        nonlocal frame
        for _, r in frame[mask].iterrows():
            text = problem(r) if callable(problem) else problem
            problems.append({"file": r["file"], "row": r["row"], "problem": text, "action": action})
        frame = frame[~mask]

    if segments is not None and len(frame):
        spans = segments.set_index("segment_id")[["char_start", "char_end"]]
        known_seg = frame["segment_id"].isin(spans.index)
        drop(
            frame["segment_id"].notna() & ~known_seg & frame["start"].isna(),
            lambda r: f"segment '{r['segment_id']}' is not in the transcripts",
        )
        fill = frame["segment_id"].isin(spans.index) & frame["start"].isna()
        frame.loc[fill, "start"] = spans.loc[frame.loc[fill, "segment_id"], "char_start"].to_numpy()
        frame.loc[fill, "end"] = spans.loc[frame.loc[fill, "segment_id"], "char_end"].to_numpy()
    drop(frame["start"].isna() | frame["end"].isna(), "no position (start/end or segment_id)")
    frame = frame.astype({"start": "int64", "end": "int64"})
    if code_ids is not None:
        ids = set(code_ids)
        drop(~frame["code"].isin(ids), lambda r: f"code '{r['code']}' is not in the codebook")
    drop(frame["start"] < 0, "start is negative")
    drop(
        frame["end"] <= frame["start"],
        lambda r: f"empty span: end {r['end']} <= start {r['start']}",
    )
    if sources is not None:
        drop(
            ~frame["transcript_id"].isin(list(sources)),
            lambda r: f"transcript '{r['transcript_id']}' is not in the corpus",
        )
        lengths = frame["transcript_id"].map({k: len(v) for k, v in sources.items()})
        drop(
            frame["end"] > lengths,
            lambda r: (
                f"end {r['end']} runs past the text ({len(sources[r['transcript_id']])} "
                f"characters in {r['transcript_id']})"
            ),
        )
    merged, overlap_problems = _merge_overlaps(frame)
    problems += overlap_problems
    return CheckedCodings(
        merged[CODING_COLUMNS].reset_index(drop=True),
        pd.DataFrame(problems, columns=PROBLEM_COLUMNS),
    )


def _merge_overlaps(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Overlapping codings of one code by one coder in one transcript become one coding."""
    frame = frame.sort_values(["transcript_id", "coder", "code", "start", "row"], kind="stable")
    rows: list[dict] = []
    problems: list[dict] = []
    for r in frame.to_dict(orient="records"):
        last = rows[-1] if rows else None
        same = (
            last is not None
            and (last["transcript_id"], last["coder"], last["code"])
            == (r["transcript_id"], r["coder"], r["code"])
            and r["start"] < last["end"]
        )
        if same:
            if (r["start"], r["end"]) != (last["start"], last["end"]):
                last["segment_id"] = last["segment_id"] if r["end"] <= last["end"] else None
            last["end"] = max(last["end"], r["end"])
            problems.append(
                {
                    "file": r["file"],
                    "row": r["row"],
                    "problem": f"overlaps the coding in row {last['row']} (same code and coder)",
                    "action": f"merged into row {last['row']}",
                }
            )
            continue
        rows.append(dict(r))
    out = pd.DataFrame(rows, columns=[*CODING_COLUMNS, "row", "file"])
    return out.astype({"start": "int64", "end": "int64"}), problems


def segment_codings(segments: pd.DataFrame, coder: str, code_of: Mapping[str, str]) -> pd.DataFrame:
    """Segment-level codings: segment id → code, spanning each segment's text.

    >>> seg = pd.DataFrame({"segment_id": ["T:0000"], "transcript_id": ["T"],
    ...                     "char_start": [4], "char_end": [9]})
    >>> segment_codings(seg, "ann", {"T:0000": "a"})[["start", "end", "code"]].values.tolist()
    [[4, 9, 'a']]
    """
    seg = segments[segments["segment_id"].isin(list(code_of))]
    frame = pd.DataFrame(
        {
            "segment_id": seg["segment_id"].to_numpy(),
            "transcript_id": seg["transcript_id"].to_numpy(),
            "start": seg["char_start"].to_numpy(dtype="int64"),
            "end": seg["char_end"].to_numpy(dtype="int64"),
            "code": [code_of[s] for s in seg["segment_id"]],
            "coder": coder,
            "memo": None,
        }
    )
    return frame[CODING_COLUMNS]


def with_text(codings: pd.DataFrame, sources: Mapping[str, str]) -> pd.DataFrame:
    """Codings with the coded text (``sources[transcript_id][start:end]``)."""
    out = codings.copy()
    out["text"] = [
        sources[t][int(a) : int(b)] if t in sources else None
        for t, a, b in zip(out["transcript_id"], out["start"], out["end"], strict=True)
    ]
    return out
