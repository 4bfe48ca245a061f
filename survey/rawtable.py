"""Raw response tables: every column as integer codes into its distinct values.

Readers of every format return a :class:`_Table`; coding maps each column's
distinct values once and spreads the result to all rows (with Arrow for delimited
text, with ``numpy`` take otherwise). Delimited-text columns of coded items that hold
only whole numbers arrive as numbers and need no mapping at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@functools.cache
def arrow_pool() -> Any:
    """The Arrow memory pool for reading delimited text: jemalloc, purging freed pages.

    Parsing a large file makes thousands of block-sized buffers per column. Once
    an item's text is encoded it is freed, while the buffers of the columns passed
    through stay, interleaved with the freed ones. An allocator that keeps freed
    memory for reuse (Arrow's default mimalloc, or glibc malloc with an arena per
    thread) then holds hundreds of megabytes it cannot give back, and the rest of
    the pipeline cannot use them. Arrow's jemalloc purges freed pages on a timer;
    it is set, on first use, to a decay of one second (freed memory is reused at
    once and handed back to the system within about a second). Where pyarrow is
    built without jemalloc, the system allocator is used. Arrow's default pool is
    not jemalloc, so no other Arrow use in the process is affected.
    """
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # pragma: no cover - pyarrow built without jemalloc
        return pa.system_memory_pool()
    pa.jemalloc_set_decay_ms(1000)  # only arenas created afterwards take it
    return pool


class _Column:
    """A column as ``codes`` (``-1`` = missing) into ``uniques`` (object array).

    ``original`` keeps typed values (Excel, SPSS) for columns passed through.
    ``arrow`` holds a delimited-text column as a ``pyarrow`` string (chunked)
    array. Its distinct values are found on first use (Arrow's dictionary
    encoding, which then replaces the text), and the codes stay Arrow indices
    until a caller needs them as numpy: :meth:`take` spreads values to the rows
    with Arrow, so coding an item never builds a row-sized index array. A column
    that is only passed through, such as a respondent id with a million distinct
    values, is never encoded and never becomes Python strings row by row.
    """

    def __init__(
        self,
        codes: np.ndarray | None = None,
        uniques: np.ndarray | None = None,
        *,
        original: pd.Series | None = None,
        arrow: Any = None,
    ) -> None:
        if (codes is None or uniques is None) and arrow is None:
            raise ValueError("a column needs codes and uniques, or an Arrow array")
        self._codes = codes
        self._uniques = uniques
        self._indices: Any = None  # Arrow dictionary indices once encoded
        self._length = len(codes) if codes is not None else len(arrow)
        self.original = original
        self._whole: Any = None  # an Arrow integer column, parsed as whole numbers
        if arrow is not None and _is_integer(arrow.type):
            # every cell was a whole number or empty: kept as numbers for coding, and
            # seen as their plain text (empty cells as "") by everything else
            self._whole, arrow = arrow, None
        self._text = arrow

    @property
    def arrow(self) -> Any:
        """The column as Arrow text (``None`` once encoded)."""
        if self._text is None and self._whole is not None and self._uniques is None:
            import pyarrow as pa
            import pyarrow.compute as pc

            self._text = pc.fill_null(pc.cast(self._whole, pa.string()), "")
        return self._text

    @arrow.setter
    def arrow(self, value: Any) -> None:
        self._text = value
        if value is None:
            self._whole = None

    def integers(self) -> tuple[np.ndarray, np.ndarray] | None:
        """For a column parsed as whole numbers: writable ``(values, missing)`` arrays
        (``0`` under ``missing``); ``None`` for any other column."""
        if self._whole is None:
            return None
        import pyarrow.compute as pc

        whole = self._whole
        missing = pc.is_null(whole).to_numpy(zero_copy_only=False)
        values = pc.fill_null(whole, 0).to_numpy(zero_copy_only=False)
        return np.array(values, copy=True), np.array(missing, copy=True)

    @classmethod
    def from_values(cls, values: pd.Series | np.ndarray) -> _Column:
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return cls(
            codes.astype(np.intp, copy=False), np.asarray(uniques, dtype=object), original=series
        )

    def __len__(self) -> int:
        return self._length

    def _encode(self) -> None:
        if self._uniques is not None:
            return
        import pyarrow as pa
        import pyarrow.compute as pc

        # One hash table over all blocks: the blocks share the final dictionary, the
        # distinct values in order of first appearance.
        encoded = pc.dictionary_encode(self.arrow, memory_pool=arrow_pool())
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        dictionary = chunks[-1].dictionary.to_pylist() if chunks else []
        self._uniques = np.asarray(dictionary, dtype=object)
        # the indices as one array: row-sized results are then one buffer each, read
        # by numpy in place
        indices = [c.indices for c in chunks]
        self._indices = pa.concat_arrays(indices) if indices else pa.array([], pa.int32())
        self.arrow = None  # the text is no longer needed

    @property
    def codes(self) -> np.ndarray:
        if self._codes is None:
            self._encode()
            self._codes = self._indices.to_numpy(zero_copy_only=False)
        return self._codes

    @property
    def uniques(self) -> np.ndarray:
        self._encode()
        return self._uniques  # type: ignore[return-value]

    def take(self, per_unique: np.ndarray, missing: Any) -> np.ndarray:
        """Spread one value per distinct value to every row (``missing`` where ``-1``)."""
        extended = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
        extended[:-1] = per_unique
        extended[-1] = missing
        if self._codes is None and extended.dtype.kind in "biuf":
            self._encode()
            import pyarrow as pa
            import pyarrow.compute as pc

            # Arrow text has no missing cells, so the indices hold no -1 and no nulls
            values = pc.take(pa.array(extended), self._indices, memory_pool=arrow_pool())
            out = values.to_numpy(zero_copy_only=False)
            return out if out.flags.writeable else out.copy()  # results are the caller's
        return extended[self.codes]

    def blank_text(self) -> Any:
        """For an Arrow column: a boolean Arrow array, true where the cell is only whitespace."""
        import pyarrow.compute as pc

        # empty, or non-empty and all whitespace: the cells that trim to "", found
        # without building the trimmed text
        return pc.or_(pc.equal(self.arrow, ""), pc.utf8_is_space(self.arrow))

    @property
    def all_missing(self) -> bool:
        if self.arrow is not None:
            import pyarrow.compute as pc

            return len(self.arrow) == 0 or bool(pc.all(self.blank_text()).as_py())
        blank = _blank_uniques(self.uniques)
        return bool(np.all(self.codes == -1) or np.all(blank[self.codes[self.codes >= 0]]))


def _is_integer(kind: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(kind)


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
