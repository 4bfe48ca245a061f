"""Raw response tables: every column as integer codes into its distinct values.

Readers of every format return a :class:`_Table`; coding maps each column's
distinct values once and spreads the result to all rows with ``numpy`` take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class _Column:
    """A column as ``codes`` (``-1`` = missing) into ``uniques`` (object array).

    ``original`` keeps typed values (Excel, SPSS) for columns passed through;
    ``arrow`` the same column as a ``pyarrow`` dictionary array (delimited text),
    so a text column passed through is built without Python strings per row.
    """

    codes: np.ndarray
    uniques: np.ndarray
    original: pd.Series | None = None
    arrow: Any = None

    @classmethod
    def from_values(cls, values: pd.Series | np.ndarray) -> _Column:
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return cls(
            codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object), original=series
        )

    def take(self, per_unique: np.ndarray, missing: Any) -> np.ndarray:
        """Spread one value per distinct value to every row (``missing`` where ``-1``)."""
        extended = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
        extended[:-1] = per_unique
        extended[-1] = missing
        return extended[self.codes]

    @property
    def all_missing(self) -> bool:
        blank = _blank_uniques(self.uniques)
        return bool(np.all(self.codes == -1) or np.all(blank[self.codes[self.codes >= 0]]))


@dataclass(frozen=True, eq=False)
class _Table:
    names: list[str]
    columns: list[_Column]
    row_numbers: np.ndarray
    header: list[list[str]]
    encoding: str | None = None
    delimiter: str | None = None
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    #: file-level problems found while reading (row, column, value, rule, message)
    notes: list[dict[str, Any]] = field(default_factory=list)
    #: Excel: the sheet read and the workbook's sheets; SPSS: user-missing ranges per column
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    user_missing: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)


def _all_strings(uniques: np.ndarray) -> bool:
    return len(uniques) > 0 and pd.api.types.infer_dtype(uniques, skipna=False) == "string"


def _blank_uniques(uniques: np.ndarray) -> np.ndarray:
    """Which distinct values are strings holding only whitespace."""
    if _all_strings(uniques):
        stripped = pd.Series(uniques, dtype="str").str.strip()
        return stripped.eq("").to_numpy(dtype=bool, na_value=False)
    return np.fromiter(
        (isinstance(u, str) and not u.strip() for u in uniques), dtype=bool, count=len(uniques)
    )
