"""The researcher's own edits kept in a study: ``STUDY/interpretations/NAME.yaml``.

Interpretations (a theme's meaning, a joint-display verdict) are the
researcher's words, not results: they live beside ``results/`` so that a rerun
of ``smekit analyze`` never overwrites them. Files are written atomically (a
temporary file renamed into place), so an interrupted save leaves the previous
version intact.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from smekit.core.errors import StudyError

FOLDER = "interpretations"


def interpretations_path(study_root: Path, name: str) -> Path:
    """``study_root/interpretations/<name>.yaml`` (``name`` is a plain file stem)."""
    if not name.replace("_", "").isalnum():
        raise StudyError(f"'{name}' is not a valid interpretations file name")
    return Path(study_root) / FOLDER / f"{name}.yaml"


def read_interpretations(study_root: Path, name: str) -> dict[str, Any]:
    """The saved entries of one interpretations file (empty when it does not exist)."""
    path = interpretations_path(study_root, name)
    if not path.exists():
        return {}
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StudyError("expected a mapping of entries", where=path)
    return {str(k): v for k, v in data.items()}


def save_interpretation(study_root: Path, name: str, key: str, entry: dict[str, Any]) -> Path:
    """Set one entry of an interpretations file and write the file atomically.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = save_interpretation(root, "integration", "a__b", {"verdict": "converges"})
    >>> read_interpretations(root, "integration")
    {'a__b': {'verdict': 'converges'}}
    """
    path = interpretations_path(study_root, name)
    data = read_interpretations(study_root, name)
    data[key] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(dict(sorted(data.items())), buffer)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, path)
    return path
