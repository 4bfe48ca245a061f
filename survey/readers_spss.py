"""SPSS .sav files into a raw table, read with ``pyreadstat.read_sav``.

The file is read with ``user_missing=True``: user-missing codes (don't know = 8,
refused = 9, or a range) stay in the raw table with their ranges, so the importer
can turn them into missing answers *with a reason* instead of losing the code.
Value labels of string variables (``'M'`` = Male) are kept alongside numeric ones.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError
from smekit.survey.coding import _is_number
from smekit.survey.rawtable import _Column, _Table


def _read_sav(path: Path) -> _Table:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat raises ReadstatError/PyreadstatError and OSError
        raise DataError(
            f"cannot read as an SPSS .sav file ({type(exc).__name__}: {exc})",
            where=path,
            fix="save it again from SPSS, or export CSV",
        ) from None
    names = [str(c) for c in frame.columns]
    columns = [_Column.from_values(frame[c].reset_index(drop=True)) for c in frame.columns]
    value_labels = {
        str(name): {(float(k) if _is_number(k) else str(k)): str(v) for k, v in labels.items()}
        for name, labels in (meta.variable_value_labels or {}).items()
    }
    user_missing: dict[str, list[tuple[Any, Any]]] = {}
    for name, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        spans = [(r["lo"], r["hi"]) for r in ranges if "lo" in r and "hi" in r]
        if spans:
            user_missing[str(name)] = spans
    variable_labels = {
        str(name): str(label)
        for name, label in (meta.column_names_to_labels or {}).items()
        if label not in (None, "")
    }
    return _Table(
        names=names,
        columns=columns,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        header=[names],
        value_labels=value_labels,
        variable_labels=variable_labels,
        user_missing=user_missing,
    )


MISSING_REASON_COLUMNS: tuple[str, ...] = ("file", "row", "column", "code", "reason")
"""Columns of :attr:`smekit.survey.responses.ImportResult.missing_reasons`."""


def _empty_reasons() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype="str"),
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "code": pd.Series([], dtype="float64"),
            "reason": pd.Series([], dtype="str"),
        }
    )


def _in_spans(value: Any, spans: list[tuple[Any, Any]]) -> bool:
    if not _is_number(value) or value != value:
        return False
    return any(_is_number(lo) and _is_number(hi) and lo <= value <= hi for lo, hi in spans)


def split_user_missing(table: _Table, file: str) -> tuple[_Table, pd.DataFrame]:
    """Turn a table's user-missing codes into missing cells and a reasons frame.

    Each distinct value of a column that falls in one of the column's user-missing
    ranges becomes missing; every cell that held one is a row of the returned
    frame (:data:`MISSING_REASON_COLUMNS`), its reason the code's value label
    (``"Don't know"``) or ``user-missing code`` when it has none.

    Examples
    --------
    >>> import numpy as np
    >>> from smekit.survey.rawtable import _Column, _Table
    >>> col = _Column.from_values(np.array([4.0, 8.0, 9.0, 8.0]))
    >>> table = _Table(names=["dt1"], columns=[col], row_numbers=np.arange(1, 5),
    ...     header=[["dt1"]], value_labels={"dt1": {8.0: "Don't know"}},
    ...     user_missing={"dt1": [(8.0, 9.0)]})
    >>> clean, reasons = split_user_missing(table, "s.sav")
    >>> reasons[["row", "code", "reason"]].values.tolist()
    [[2, 8.0, "Don't know"], [3, 9.0, 'user-missing code'], [4, 8.0, "Don't know"]]
    >>> clean.columns[0].codes.tolist()
    [0, -1, -1, -1]
    """
    if not table.user_missing:
        return table, _empty_reasons()
    columns = list(table.columns)
    found = []
    for j, name in enumerate(table.names):
        spans = table.user_missing.get(name)
        if not spans:
            continue
        column = columns[j]
        hit = np.fromiter(
            (_in_spans(u, spans) for u in column.uniques), dtype=bool, count=len(column.uniques)
        )
        if not hit.any():
            continue
        rows = np.flatnonzero(np.append(hit, False)[column.codes])
        labels = table.value_labels.get(name, {})
        codes = column.uniques[column.codes[rows]].astype(float)
        found.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": table.row_numbers[rows].astype(np.int64),
                    "column": name,
                    "code": codes,
                    "reason": [labels.get(c, "user-missing code") for c in codes],
                }
            )
        )
        new_codes = np.where(np.append(hit, False)[column.codes], -1, column.codes)
        original = None
        if column.original is not None:
            original = column.original.reset_index(drop=True).where(new_codes >= 0)
        columns[j] = _Column(new_codes.astype(np.intp), column.uniques, original=original)
    if not found:
        return table, _empty_reasons()
    reasons = pd.concat(found, ignore_index=True).sort_values(["row"], kind="stable")
    return replace(table, columns=columns), reasons.reset_index(drop=True)
