"""The problems table: one row per problem cell, sorted by file row and column.

A million responses can have hundreds of thousands of problem cells (every
unanswered required item is one), and most of their text is the same in every
row of a part ("required item not answered"). Parts are therefore kept light,
a text column being one value for the whole part where it can be, and the
table is sorted on integer keys before any text is spread to the rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]
_TEXT = [c for c in PROBLEM_COLUMNS if c != "row"]


def problem_rows(
    *, file: Any, row: Any, column: Any, value: Any, rule: Any, message: Any
) -> dict[str, Any]:
    """One part of the table: ``row`` an array (or one number), the text columns
    each one string for the whole part or an array of strings."""
    rows = np.atleast_1d(np.asarray(row))
    return {
        "file": file,
        "row": rows,
        "column": column,
        "value": value,
        "rule": rule,
        "message": message,
    }


def _as_part(part: pd.DataFrame | dict[str, Any]) -> dict[str, Any]:
    if isinstance(part, dict):
        return part
    frame = part.reindex(columns=PROBLEM_COLUMNS)
    out: dict[str, Any] = {"row": frame["row"].to_numpy()}
    for name in _TEXT:
        out[name] = frame[name].to_numpy(dtype=object, na_value=None)
    return out


def problem_table(parts: list[pd.DataFrame | dict[str, Any]]) -> pd.DataFrame:
    """All parts as one table, sorted by ``row`` then ``column`` (stable, missing rows first).

    Examples
    --------
    >>> a = problem_rows(file="r.csv", row=[5, 3], column="q2", value="",
    ...                  rule="missing_required", message="not answered")
    >>> b = problem_rows(file="r.csv", row=[3], column="q1", value="9",
    ...                  rule="out_of_range", message="allowed 1-5")
    >>> t = problem_table([a, b])
    >>> t[["row", "column", "rule"]].values.tolist()
    [[3, 'q1', 'out_of_range'], [3, 'q2', 'missing_required'], [5, 'q2', 'missing_required']]
    """
    parts = [_as_part(p) for p in parts]
    parts = [p for p in parts if len(p["row"])]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    sizes = np.array([len(p["row"]) for p in parts])
    rows = np.concatenate([np.asarray(p["row"]) for p in parts])
    text: dict[str, tuple[np.ndarray, list[str | None]]] = {}
    for name in _TEXT:
        text[name] = _codes(name, parts, sizes)
    # sort keys: the row (missing first), then the column name in code-point order
    codes, dictionary = text["column"]
    rank = np.argsort(np.argsort(np.asarray([("" if d is None else d) for d in dictionary])))
    row_key = rows.astype("float64") if rows.dtype.kind not in "iu" else rows
    if row_key.dtype.kind == "f":
        row_key = np.where(np.isnan(row_key), -np.inf, row_key)
    order = np.lexsort((rank[codes] if len(rank) else codes, row_key))
    out: dict[str, Any] = {}
    for name in PROBLEM_COLUMNS:
        if name == "row":
            sorted_rows = rows[order]
            out[name] = sorted_rows.astype("int64") if rows.dtype.kind in "iub" else sorted_rows
            continue
        codes, dictionary = text[name]
        out[name] = text_column(codes[order], dictionary)
    return pd.DataFrame(out)


def _codes(
    name: str, parts: list[dict[str, Any]], sizes: np.ndarray
) -> tuple[np.ndarray, list[str | None]]:
    """A text column as codes into its distinct values, without a string per row
    where a part has one value for all its rows."""
    dictionary: list[str | None] = []
    index: dict[str | None, int] = {}
    pieces = []
    for part, size in zip(parts, sizes, strict=True):
        value = part[name]
        if value is None or isinstance(value, str):
            code = index.setdefault(value, len(dictionary))
            if code == len(dictionary):
                dictionary.append(value)
            pieces.append(np.full(size, code, dtype=np.int32))
            continue
        values = pd.Series(np.asarray(value, dtype=object))
        local, uniques = pd.factorize(values, use_na_sentinel=False)
        mapping = np.empty(len(uniques), dtype=np.int32)
        for k, u in enumerate(uniques):
            u = None if (u is None or (isinstance(u, float) and np.isnan(u))) else str(u)
            mapping[k] = index.setdefault(u, len(dictionary))
            if mapping[k] == len(dictionary):
                dictionary.append(u)
        pieces.append(mapping[local])
    return np.concatenate(pieces), dictionary


def text_column(codes: np.ndarray, dictionary: list[str | None]) -> pd.Series:
    """Distinct strings spread to the rows by Arrow (no Python string per row).

    Examples
    --------
    >>> text_column(np.array([0, 1, 0]), ["", "speeder"]).tolist()
    ['', 'speeder', '']
    """
    import pyarrow as pa

    array = pa.DictionaryArray.from_arrays(
        pa.array(codes, type=pa.int32()), pa.array(dictionary, type=pa.string())
    ).cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(array), dtype="str")
