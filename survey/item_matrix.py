"""Coded item columns as float blocks, without a float copy of the whole table.

Coded Likert items are small integers (``int8`` or nullable ``Int8``: one byte per
answer and one for its missing mask). Statistics that need floating point (the
Mahalanobis rule, covariances) read them a block of rows at a time through
:func:`float_block`, so a million answers never exist as ``float64`` all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.linalg import blas


@dataclass(frozen=True)
class ItemColumns:
    """Columns as stored ``values`` and ``missing`` masks (``None``: nothing missing).

    ``values`` are views of the frame's own arrays where it has them (numpy
    columns, the data of nullable integer columns), so nothing is copied.
    """

    names: list[str]
    values: list[np.ndarray]
    missing: list[np.ndarray | None]

    @property
    def n_rows(self) -> int:
        return len(self.values[0]) if self.values else 0

    @classmethod
    def of(cls, data: pd.DataFrame | np.ndarray) -> ItemColumns:
        """The columns of a frame or of a 2-D array (NaN or ``<NA>`` = missing).

        Examples
        --------
        >>> df = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int8"), "b": [1.0, 2.0, np.nan]})
        >>> cols = ItemColumns.of(df)
        >>> cols.complete().tolist()
        [True, False, False]
        >>> float_block(cols, 0, 3).tolist()
        [[1.0, 1.0], [nan, 2.0], [3.0, nan]]
        """
        if isinstance(data, np.ndarray):
            names = [str(j) for j in range(data.shape[1])]
            arrays = [np.asarray(data[:, j], dtype="float64") for j in range(data.shape[1])]
        else:
            names = [str(c) for c in data.columns]
            arrays = [
                s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array
                for s in (data.iloc[:, j] for j in range(data.shape[1]))
            ]
        pairs = [stored(array) for array in arrays]
        values = [v for v, _ in pairs]
        missing = [m for _, m in pairs]
        return cls(names, values, missing)

    def complete(self) -> np.ndarray:
        """Rows where no column is missing."""
        out = np.ones(self.n_rows, dtype=bool)
        for mask in self.missing:
            if mask is not None:
                out &= ~mask
        return out


def stored(array: np.ndarray | pd.api.extensions.ExtensionArray) -> tuple[np.ndarray, Any]:
    """A column's values and missing mask (``None``: nothing missing), copied only if needed.

    Nullable integer and float columns give the arrays pandas holds (placeholders
    under the mask); numpy integer and float columns are used as they are; other
    columns are converted to float64 with NaN = missing (text is an error).

    Examples
    --------
    >>> values, missing = stored(pd.array([4, None, 2], dtype="Int8"))
    >>> values.dtype.name, missing.tolist()
    ('int8', [False, True, False])
    """
    if isinstance(array, pd.arrays.IntegerArray | pd.arrays.FloatingArray):
        values, mask = array._data, array._mask  # the arrays pandas holds, no copy
        if values.dtype.kind == "f":
            mask = mask | np.isnan(values)
        return values, (mask if mask.any() else None)
    if isinstance(array, np.ndarray) and array.dtype.kind in "iu":
        return array, None
    if isinstance(array, np.ndarray) and array.dtype != object:
        x = np.asarray(array, dtype="float64")  # a view when already float64
    elif isinstance(array, np.ndarray):
        x = pd.Series(array).astype("float64").to_numpy()  # text is an error
    else:
        x = array.to_numpy(dtype="float64", na_value=np.nan)
    nan = np.isnan(x)
    return x, (nan if nan.any() else None)


def float_block(
    columns: ItemColumns,
    start: int,
    stop: int,
    out: np.ndarray | None = None,
    *,
    minus: np.ndarray | None = None,
    missing: float = np.nan,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Rows ``start:stop`` as one ``(rows, k)`` float64 array.

    ``out`` (at least that many rows, ``k`` columns, Fortran order for speed) is
    filled and a view of it returned, so a loop over blocks reuses one buffer.
    ``minus`` (one value per column) is subtracted while filling, which centres the
    block without another pass over it; missing answers become ``missing``
    (NaN unless told otherwise). ``rows`` (one flag per row of ``start:stop``)
    keeps only the flagged rows, in order.
    """
    stop = min(stop, columns.n_rows)
    picked = None if rows is None else np.flatnonzero(rows)
    size = max(stop - start, 0) if picked is None else len(picked)
    k = len(columns.values)
    block = np.empty((size, k), order="F") if out is None else out[:size, :k]
    for j, (values, mask) in enumerate(zip(columns.values, columns.missing, strict=True)):
        column = block[:, j]
        part = values[start:stop] if picked is None else np.take(values[start:stop], picked)
        if minus is None:
            column[:] = part
        else:
            np.subtract(part, minus[j], out=column)
        if mask is not None:
            hole = mask[start:stop] if picked is None else np.take(mask[start:stop], picked)
            if hole.any():
                np.copyto(column, missing, where=hole)
    return block


def present_means(columns: ItemColumns) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the number of answers and their mean (NaN when none).

    Examples
    --------
    >>> cols = ItemColumns.of(pd.DataFrame({"a": pd.array([1, None, 4], dtype="Int8")}))
    >>> count, mean = present_means(cols)
    >>> count.tolist(), mean.tolist()
    ([2.0], [2.5])
    """
    n = columns.n_rows
    count = np.empty(len(columns.values))
    total = np.empty(len(columns.values))
    for j, (values, mask) in enumerate(zip(columns.values, columns.missing, strict=True)):
        if mask is None:
            count[j] = n
            total[j] = values.sum(dtype=np.float64)
        elif values.dtype.kind in "iu":
            # whole numbers: add everything, then take back the placeholders under the mask
            count[j] = n - np.count_nonzero(mask)
            total[j] = float(values.sum(dtype=np.int64) - values[mask].sum(dtype=np.int64))
        else:
            count[j] = n - np.count_nonzero(mask)
            total[j] = values.sum(dtype=np.float64, where=~mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        return count, total / count


def crossproduct(c: np.ndarray) -> np.ndarray:
    """``c.T @ c`` by BLAS ``dsyrk``, which computes one triangle (half the work).

    ``c`` is best Fortran-ordered (as :func:`float_block` fills it): BLAS then
    reads it in place.

    Examples
    --------
    >>> c = np.asfortranarray([[1.0, 2.0], [3.0, 4.0]])
    >>> crossproduct(c).tolist()
    [[10.0, 14.0], [14.0, 20.0]]
    """
    upper = blas.dsyrk(1.0, np.asfortranarray(c), trans=1)
    return np.triu(upper) + np.triu(upper, 1).T
