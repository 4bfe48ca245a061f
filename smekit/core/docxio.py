"""Reproducible DOCX files: fixed document dates and fixed zip entry timestamps.

python-docx stamps each file with the time it was saved (in the core
properties and in every zip entry), so the same content gives different bytes
on each run. :func:`docx_bytes` and :func:`save_docx` fix both, so a rerun of an
analysis writes byte-identical reports.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smekit.core.errors import SmekitError

FIXED_DATE = datetime(2024, 2, 29, 12, 0, 0, tzinfo=UTC)
ZIP_TIMESTAMP = (2024, 2, 29, 12, 0, 0)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed entry timestamps (same order and contents)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def docx_bytes(document: Any, author: str = "smekit") -> bytes:
    """Serialise a python-docx ``Document`` reproducibly."""
    props = document.core_properties
    props.author = props.author or author
    props.last_modified_by = author
    props.revision = 1
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def save_docx(document: Any, path: str | Path, author: str = "smekit") -> Path:
    """Write a python-docx ``Document`` to ``path`` reproducibly."""
    return write_output(path, docx_bytes(document, author))


def write_output(path: str | Path, data: bytes | str) -> Path:
    """Write an output file (text as UTF-8); an unwritable path is one clear error."""
    path = Path(path)
    try:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise SmekitError(
            f"cannot write the file: {exc.strerror or exc}",
            where=path,
            fix="check that the folder exists and is writable",
        ) from None
    return path
