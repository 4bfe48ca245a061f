"""Read YAML files with line numbers, and turn validation errors into one-line messages.

``ruamel.yaml`` keeps the line and column of every key, so an error found by a
pydantic model can be reported as ``file:line: key 'a.b': message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from smekit.core.errors import SmekitError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path, error: type[SmekitError] = SmekitError) -> Any:
    """Parse a YAML file, keeping key positions.

    Parameters
    ----------
    path
        File to read.
    error
        Exception class raised on failure.

    Returns
    -------
    The parsed document (``CommentedMap``/``CommentedSeq`` behave as dict/list).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error("file not found", where=path) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason})", where=path, fix="save as UTF-8") from None
    if not text.strip():
        raise error("the file is empty", where=path)
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"invalid YAML: {problem}", where=line) from None
    except YAMLError as exc:
        raise error(f"invalid YAML: {exc}", where=path) from None


def line_of(document: Any, loc: Sequence[str | int]) -> int | None:
    """Return the 1-based line of the deepest key of ``loc`` found in ``document``."""
    node = document
    line: int | None = None
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line


def to_plain(document: Any) -> Any:
    """Convert ruamel containers to plain dicts and lists."""
    if isinstance(document, dict):
        return {str(k): to_plain(v) for k, v in document.items()}
    if isinstance(document, list):
        return [to_plain(v) for v in document]
    return document


def validate_yaml(
    path: str | Path,
    model: type[M],
    error: type[SmekitError] = SmekitError,
    document: Any = None,
) -> M:
    """Read ``path`` and validate it against ``model``.

    The first validation problem becomes one message naming the file, line and key.
    """
    path = Path(path)
    if document is None:
        document = read_yaml(path, error)
    if not isinstance(document, dict):
        raise error("expected a mapping of keys at the top level", where=f"{path}:1")
    try:
        return model.model_validate(to_plain(document))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        line = line_of(document, loc)
        where = f"{path}:{line}" if line else str(path)
        key = ".".join(str(p) for p in loc) or "<top level>"
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
        elif first["type"] == "missing":
            msg = "required key is missing"
        more = len(exc.errors()) - 1
        suffix = f" ({more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
        raise error(f"key '{key}': {msg}{suffix}", where=where) from None
