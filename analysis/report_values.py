"""Plain values for JSON and for plain-language verdicts, shared by every result type."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from smekit.core.jsonable import jsonable


def series_dict(s: pd.Series) -> dict[str, Any]:
    """A Series as ``{str(index): value}`` with JSON-ready values."""
    return {str(k): jsonable(v) for k, v in s.items()}


def plain(value: Any) -> Any:
    """Nested dicts, lists and numbers made JSON-ready (see :func:`jsonable`)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return jsonable(value)


def format_p(p: float) -> str:
    """``p < 0.001``, ``p = 0.004`` or ``p = 0.41``."""
    if not math.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"
