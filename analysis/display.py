"""APA-style text for numbers and tidy frames: the formatting shared by the app and the report.

Regression tables are built by :mod:`smekit.analysis.tables`; every other table
a reader sees (descriptives, reliability, assumption checks, agreement, theme
prevalence) goes through :func:`format_frame`, so a number looks the same in
the app, the HTML report and the DOCX report.

Rules (APA 7th ed., sections 6.36 and 6.44):

* statistics to three decimals (``0.454``);
* p-values without a leading zero, ``< .001`` below one in a thousand
  (``.004``, ``.230``), because a probability cannot exceed one;
* counts as integers with thousands separators (``1,204``);
* missing values as an em dash.

References
----------
American Psychological Association (2020). *Publication manual of the American
Psychological Association* (7th ed.). Sections 6.36 (decimal places) and 6.44
(statistical symbols; p-values).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

MISSING = "\u2014"  # em dash
P_NAMES = ("p", "pvalue", "p_value", "pvalues", "f_pvalue", "p_adj")


def apa_p(p: float | None) -> str:
    """A p-value as APA text: ``< .001``, ``.004``, ``.230`` (no leading zero).

    Examples
    --------
    >>> apa_p(0.0000004), apa_p(0.0042), apa_p(0.23), apa_p(1.0)
    ('< .001', '.004', '.230', '1.000')
    """
    if p is None or not isinstance(p, (int, float, np.floating)) or not math.isfinite(p):
        return MISSING
    if p < 0.001:
        return "< .001"
    text = f"{p:.3f}"
    return text[1:] if text.startswith("0") else text


def apa_number(value: object, decimals: int = 3) -> str:
    """A statistic as text with ``decimals`` places; integers keep no decimals.

    Examples
    --------
    >>> apa_number(0.45371), apa_number(-1.5), apa_number(1204), apa_number(float("nan"))
    ('0.454', '-1.500', '1,204', '—')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return MISSING
        return f"{float(value):.{decimals}f}"
    return str(value)


def is_p_column(name: str) -> bool:
    """Whether a column holds p-values, by name (``p``, ``pvalue``, ``p_value``, ``..._p``)."""
    low = str(name).lower()
    return low in P_NAMES or low.endswith("_p") or low.endswith("_pvalue")


def format_frame(
    frame: pd.DataFrame,
    *,
    decimals: int = 3,
    p_columns: Iterable[str] | None = None,
    rename: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with every cell as APA text.

    Parameters
    ----------
    frame
        Any tidy frame; not modified.
    decimals
        Decimal places of float cells.
    p_columns
        Columns holding p-values (default: found by name, see :func:`is_p_column`).
    rename
        Optional column labels for display.

    Examples
    --------
    >>> df = pd.DataFrame({"test": ["RESET"], "statistic": [1.4961], "p": [0.2258], "df": [2]})
    >>> format_frame(df).iloc[0].tolist()
    ['RESET', '1.496', '.226', '2']
    """
    p_set = set(p_columns) if p_columns is not None else {c for c in frame if is_p_column(c)}
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if col in p_set:
            out[col] = [apa_p(v if v is None else float(v)) for v in values]
        elif pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
            out[col] = [apa_number(v) if not pd.isna(v) else MISSING for v in values]
        elif pd.api.types.is_float_dtype(values):
            out[col] = [apa_number(float(v), decimals) for v in values]
        else:
            out[col] = [MISSING if _missing(v) else _cell(v, decimals) for v in values]
    if rename:
        out = out.rename(columns=rename)
    return out


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value: object, decimals: int) -> str:
    if isinstance(value, (float, np.floating, int, np.integer, bool, np.bool_)):
        return apa_number(value, decimals)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_cell(v, decimals) for v in value)
    return str(value)
