"""The participant sheet: who each interview is with, linked to a surveyed firm.

A CSV with one row per participant: ``participant_id`` (required) and, where known,
``firm_id`` (or ``respondent_id``, the surveyed firm), ``role``, ``sector``, ``region``,
``transcript_file`` and any other attributes. Identifying columns (``name``, ``email``,
``phone``, ``firm_name``, ...) feed pseudonymisation and are dropped from the sheet that
downstream stages see (:func:`public_sheet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from smekit.core.errors import DataError

IDENTIFYING_COLUMNS = (
    "name",
    "participant_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "firm_name",
    "firm",
    "organisation",
    "organization",
    "company",
    "city",
    "address",
)
FIRM_COLUMNS = ("firm_id", "respondent_id")
MISMATCH_COLUMNS = ["participant_id", "transcript_id", "file", "problem"]


@dataclass(frozen=True)
class SheetMatch:
    """How the sheet and the transcripts line up.

    Attributes
    ----------
    participant_of
        transcript id → participant id, for the transcripts the sheet names.
    mismatches
        participant_id, transcript_id, file, problem: a participant without a transcript, a
        transcript without a participant, a sheet file name that does not exist.
    """

    participant_of: dict[str, str]
    mismatches: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.mismatches


def read_participants(path: str | Path) -> pd.DataFrame:
    """Read a participant sheet (CSV, UTF-8 with or without BOM); every column as text.

    Raises
    ------
    DataError
        Missing file or ``participant_id`` column, empty or duplicate ids (naming the rows).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("participant sheet not found", where=path)
    try:
        sheet = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text", where=path, fix="save the sheet as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError("the participant sheet is empty", where=path) from None
    sheet.columns = [str(c).strip() for c in sheet.columns]
    if "participant_id" not in sheet.columns:
        raise DataError(
            "no 'participant_id' column",
            where=path,
            fix=f"columns found: {', '.join(sheet.columns)}",
        )
    ids = sheet["participant_id"].str.strip()
    empty = [i + 2 for i in ids.index[ids == ""]]
    if empty:
        raise DataError("empty participant_id", where=f"{path} row {empty[0]}")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(
            f"participant_id '{dup.iloc[0]}' appears twice",
            where=f"{path} row {int(dup.index[0]) + 2}",
        )
    sheet["participant_id"] = ids
    if "firm_id" not in sheet.columns and "respondent_id" in sheet.columns:
        sheet.insert(1, "firm_id", sheet["respondent_id"])
    return sheet


def match_transcripts(sheet: pd.DataFrame, files: dict[str, str]) -> SheetMatch:
    """Link transcripts to participants: by ``transcript_file`` when present, else by id = stem.

    >>> sheet = pd.DataFrame({"participant_id": ["P1", "P2"]})
    >>> m = match_transcripts(sheet, {"P1": "P1.txt", "P9": "P9.txt"})
    >>> m.participant_of, m.mismatches["problem"].tolist()
    ({'P1': 'P1'}, ['in the sheet, no transcript', 'transcript not in the sheet'])
    """
    by_name = {Path(f).name: tid for tid, f in files.items()}
    linked: dict[str, str] = {}
    rows = []
    for _, row in sheet.iterrows():
        pid = row["participant_id"]
        named = str(row.get("transcript_file", "") or "").strip()
        if named:
            tid = by_name.get(Path(named).name)
            if tid is None:
                rows.append([pid, None, named, "in the sheet, no transcript"])
                continue
        else:
            tid = pid if pid in files else None
            if tid is None:
                rows.append([pid, None, None, "in the sheet, no transcript"])
                continue
        linked[tid] = pid
    for tid, f in files.items():
        if tid not in linked:
            rows.append([None, tid, str(f), "transcript not in the sheet"])
    return SheetMatch(linked, pd.DataFrame(rows, columns=MISMATCH_COLUMNS))


def identifying_values(sheet: pd.DataFrame) -> dict[str, list[str]]:
    """Identifying strings in the sheet by kind (``person``, ``org``, ``place``, ``email``, ...)."""
    kinds = {
        "name": "person",
        "participant_name": "person",
        "first_name": "person",
        "last_name": "person",
        "firm_name": "org",
        "firm": "org",
        "organisation": "org",
        "organization": "org",
        "company": "org",
        "city": "place",
        "address": "place",
        "email": "email",
        "phone": "phone",
    }
    out: dict[str, list[str]] = {}
    for col, kind in kinds.items():
        if col in sheet.columns:
            vals = [v.strip() for v in sheet[col].astype(str) if v and v.strip()]
            out.setdefault(kind, []).extend(vals)
    return out


def public_sheet(sheet: pd.DataFrame) -> pd.DataFrame:
    """The sheet without identifying columns (what downstream stages and the app may see)."""
    drop = [c for c in sheet.columns if c.lower() in IDENTIFYING_COLUMNS]
    return sheet.drop(columns=drop).reset_index(drop=True)
