"""Creating a study from the app: safe names for uploads and the study.yaml it writes.

An uploaded file is saved under the new study's ``data/`` folder only: its
name is reduced to a plain file name (no folders, no ``..``), checked against
the formats the importers read, and refused when it is larger than the limit.
"""

from __future__ import annotations

import re
from pathlib import Path

from smekit.core.errors import DataError, StudyError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RESPONSE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".sav")
TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt", ".docx")
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str, allowed: tuple[str, ...]) -> str:
    """A plain file name for an upload, or a DataError.

    Examples
    --------
    >>> safe_name("../../etc/passwd.csv", (".csv",))
    'passwd.csv'
    >>> safe_name("Umfrage März.xlsx", (".xlsx",))
    'Umfrage_M_rz.xlsx'
    """
    base = Path(filename.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    if suffix not in allowed:
        raise DataError(
            f"'{filename}' is not a format smekit reads here",
            fix="upload one of " + ", ".join(allowed),
        )
    stem = _NAME.sub("_", stem).strip("._") or "upload"
    return f"{stem}{suffix}"


def save_upload(folder: Path, filename: str, data: bytes, allowed: tuple[str, ...]) -> Path:
    """Write an upload into ``folder`` (never outside it) and return the path."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(
            f"'{filename}' is {len(data) / 1e6:.1f} MB",
            fix=f"the limit is {MAX_UPLOAD_BYTES // 1_000_000} MB",
        )
    target = (folder / safe_name(filename, allowed)).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise DataError(f"'{filename}' would be written outside the study folder")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def study_folder(parent: Path, name: str) -> Path:
    """A new study folder ``parent/name``; refused when it exists or the name is not plain."""
    clean = _NAME.sub("-", name.strip()).strip("-.")
    if not clean:
        raise StudyError("give the study a name (letters, digits, - and _)")
    folder = (parent / clean).resolve()
    if not folder.is_relative_to(parent.resolve()):
        raise StudyError(f"'{name}' is not a plain folder name")
    if folder.exists():
        raise StudyError("a folder of that name exists", where=folder, fix="choose another name")
    return folder


def study_yaml(
    name: str,
    instrument: str,
    responses: str,
    *,
    id_column: str | None,
    duration_column: str | None,
    outcome: str | None,
    predictors: list[str],
    transcripts: str | None,
) -> str:
    """The text of the new study's ``study.yaml`` (only keys the user set, the rest default)."""
    lines = [
        "# Written by the smekit app; every key is documented in the README.",
        f"name: {_quote(name)}",
        "survey:",
        f"  instrument: {_quote(instrument)}",
        f"  responses: {_quote(responses)}",
    ]
    if id_column:
        lines.append(f"  id_column: {_quote(id_column)}")
    if duration_column:
        lines.append(f"  duration_column: {_quote(duration_column)}")
    if outcome and predictors:
        lines += ["regression:", f"  outcome: {_quote(outcome)}", "  predictors:"]
        lines += [f"    - {_quote(p)}" for p in predictors]
    if transcripts:
        lines += ["interviews:", f"  transcripts: {_quote(transcripts)}"]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
