"""Qualitative matrices: code x case, code co-occurrence, theme prevalence by firm attribute.

These are the framework and matrix displays of qualitative analysis (Miles, Huberman &
Saldaña, 2014, ch. 5-6; NVivo's "framework matrix" and "matrix coding query"): how often each
code was applied in each case (participant or firm), which codes occur together in one
segment, and how many participants of each sector or region voice each theme.

Every function takes tidy frames and returns a frame; nothing is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError


def _firm_column(participants: pd.DataFrame) -> str:
    for col in ("firm_id", "respondent_id"):
        if col in participants.columns:
            return col
    raise DataError(
        "the participant sheet has no firm id column (firm_id or respondent_id)",
        fix="add a firm_id column linking each participant to a surveyed firm",
    )


def _coded(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Codings with the participant of their transcript."""
    owner = segments.drop_duplicates("transcript_id").set_index("transcript_id")["participant_id"]
    c = codings.copy()
    c["participant_id"] = c["transcript_id"].map(owner)
    lost = c["participant_id"].isna()
    if lost.any():
        raise DataError(
            f"codings name transcripts that are not in the segments frame: "
            f"{sorted(c.loc[lost, 'transcript_id'].astype(str).unique())[:5]}"
        )
    return c


def _order(codes: list[str], codebook: Any) -> list[str]:
    if codebook is None:
        return sorted(codes)
    rank = {cid: i for i, cid in enumerate(codebook.ids)}
    return sorted(codes, key=lambda c: (rank.get(c, len(rank)), c))


def code_case_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    participants: pd.DataFrame | None = None,
    by: str = "participant",
    binary: bool = False,
    codebook: Any = None,
) -> pd.DataFrame:
    """Codes x cases: number of codings of each code in each case (or 0/1 with ``binary``).

    Parameters
    ----------
    codings
        Codings frame (``transcript_id``, ``code``; every coder's rows count).
    segments
        Segments frame (maps a transcript to its participant).
    participants
        Participant sheet; needed for ``by="firm"`` (column ``firm_id``, or ``respondent_id``).
    by
        ``participant`` or ``firm``.
    binary
        1 when the case has the code at least once.
    codebook
        Orders the rows as in the codebook.

    Examples
    --------
    >>> seg = pd.DataFrame({"transcript_id": ["P1", "P2"], "participant_id": ["P1", "P2"]})
    >>> cod = pd.DataFrame({"transcript_id": ["P1", "P1", "P2"], "code": ["a", "a", "b"]})
    >>> code_case_matrix(cod, seg).to_dict()
    {'P1': {'a': 2, 'b': 0}, 'P2': {'a': 0, 'b': 1}}
    """
    c = _coded(codings, segments)
    if by == "firm":
        if participants is None:
            raise DataError("a code x firm matrix needs the participant sheet")
        col = _firm_column(participants)
        firm = participants.set_index(participants["participant_id"].astype(str))[col]
        c["case"] = c["participant_id"].astype(str).map(firm)
        missing = c["case"].isna()
        if missing.any():
            raise DataError(
                f"participants without a row in the participant sheet: "
                f"{sorted(c.loc[missing, 'participant_id'].astype(str).unique())}"
            )
    elif by == "participant":
        c["case"] = c["participant_id"].astype(str)
    else:
        raise DataError(f"unknown case type {by!r}", fix="use participant or firm")
    table = pd.crosstab(c["code"], c["case"])
    table = table.reindex(index=_order(list(table.index), codebook))
    if binary:
        table = (table > 0).astype("int64")
    table.index.name, table.columns.name = "code", None
    return table.astype("int64")


def cooccurrence(codings: pd.DataFrame, codebook: Any = None) -> pd.DataFrame:
    """Codes x codes: number of segments coded with both (diagonal: segments with the code).

    Segment-level: two codes co-occur when they are applied to the same ``segment_id`` (by any
    coder). The matrix is symmetric, ``M = X.T @ X`` for the segment x code indicator ``X``.

    Examples
    --------
    >>> cod = pd.DataFrame({"segment_id": ["s1", "s1", "s2"], "code": ["a", "b", "a"]})
    >>> cooccurrence(cod).to_dict()
    {'a': {'a': 2, 'b': 1}, 'b': {'a': 1, 'b': 1}}
    """
    pairs = codings[["segment_id", "code"]].dropna().drop_duplicates()
    x = pd.crosstab(pairs["segment_id"], pairs["code"]).clip(upper=1)
    codes = _order(list(x.columns), codebook)
    x = x[codes]
    m = x.T.to_numpy() @ x.to_numpy()
    out = pd.DataFrame(m.astype(np.int64), index=codes, columns=codes)
    out.index.name = "code"
    return out


def prevalence_by_attribute(
    assignments: pd.DataFrame,
    segments: pd.DataFrame,
    participants: pd.DataFrame,
    attribute: str,
    codebook: Any = None,
) -> pd.DataFrame:
    """Themes x attribute levels: participants voicing each theme, and their share of the level.

    Parameters
    ----------
    assignments
        ``segment_id`` and ``theme`` (topic model or manual codes).
    segments
        Segments frame (segment → participant).
    participants
        Participant sheet with the ``attribute`` column (``sector``, ``region``, ...).
    attribute
        Firm attribute to split by.

    Returns
    -------
    DataFrame
        Long: theme, level, n_participants (voicing the theme), n_level (participants in the
        level), share.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["a", "b"], "participant_id": ["P1", "P2"]})
    >>> sheet = pd.DataFrame({"participant_id": ["P1", "P2"], "sector": ["Retail", "Retail"]})
    >>> a = pd.DataFrame({"segment_id": ["a"], "theme": ["t"]})
    >>> prevalence_by_attribute(a, seg, sheet, "sector").values.tolist()
    [['t', 'Retail', 1, 2, 0.5]]
    """
    if attribute not in participants.columns:
        raise DataError(
            f"the participant sheet has no column {attribute!r}",
            fix=f"columns are {', '.join(map(str, participants.columns))}",
        )
    sheet = participants.assign(participant_id=participants["participant_id"].astype(str))
    level = sheet.set_index("participant_id")[attribute]
    owner = segments.set_index(segments["segment_id"].astype(str))["participant_id"].astype(str)
    a = assignments.dropna(subset=["theme"]).copy()
    a["participant_id"] = a["segment_id"].astype(str).map(owner)
    a["level"] = a["participant_id"].map(level)
    voiced = a.dropna(subset=["level"]).drop_duplicates(["theme", "participant_id"])
    n_level = level.value_counts()
    themes = (
        [t.id for t in codebook.themes()] if codebook is not None else sorted(a["theme"].unique())
    )
    rows = []
    for theme in themes:
        part = voiced[voiced["theme"] == theme]
        for lev in sorted(n_level.index, key=str):
            k = int((part["level"] == lev).sum())
            rows.append(
                {
                    "theme": theme,
                    "level": lev,
                    "n_participants": k,
                    "n_level": int(n_level[lev]),
                    "share": round(k / int(n_level[lev]), 6),
                }
            )
    return pd.DataFrame(rows, columns=["theme", "level", "n_participants", "n_level", "share"])
