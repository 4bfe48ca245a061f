"""Per-item and per-respondent measures behind the quality rules.

Relevance of each item to each respondent, cell-level checks (wrong types,
out-of-range codes), numeric conversion of columns, and the long-string index
used by the straight-lining rule. :func:`smekit.survey.quality.check_quality`
combines them into flags and an exclusion log.

References
----------
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey
data. *Psychological Methods*, 17(3), 437-455 (long-string index).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smekit.core.threads import map_in_threads, shares
from smekit.survey import conditions
from smekit.survey.instrument import Instrument, ItemType
from smekit.survey.item_matrix import ItemColumns, stored
from smekit.survey.problem_table import problem_rows


def _relevance(data: pd.DataFrame, instrument: Instrument) -> dict[str, np.ndarray | None]:
    """Item id -> boolean array of respondents the item applies to (None: everyone)."""
    mc = instrument.multiple_choice_ids
    items = instrument.items
    out: dict[str, np.ndarray | None] = {}
    for item in instrument.iter_items():
        if not item.relevant:
            out[item.id] = None
            continue
        names = conditions.names(item.relevant)
        if not names <= set(items):
            out[item.id] = None
            continue
        # An item the file lacks is unanswered, so a condition on it is false (as in ODK).
        blank = pd.Series(np.nan, index=data.index)
        frame = pd.DataFrame({n: data[n] if n in data.columns else blank for n in names})
        out[item.id] = conditions.evaluate(item.relevant, frame, mc).to_numpy(dtype=bool)
    return out


def relevance_mask(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Boolean frame: whether each item applies to each respondent (relevance conditions).

    An item without a ``relevant`` condition applies to everyone; a condition on
    an item the data lack is false, so the dependent item does not apply.

    Examples
    --------
    >>> from smekit.survey.instrument import Instrument
    >>> inst = Instrument.model_validate({
    ...     "kind": "questionnaire", "id": "x", "title": "x",
    ...     "sections": [{"id": "s", "title": "s", "items": [
    ...         {"id": "size", "text": "Employees", "type": "integer"},
    ...         {"id": "hr", "text": "HR unit?", "type": "integer", "relevant": "size >= 50"},
    ...     ]}]})
    >>> relevance_mask(pd.DataFrame({"size": [10, 50, None]}), inst)["hr"].tolist()
    [False, True, False]
    """
    n = len(data)
    return pd.DataFrame(
        {
            k: (np.ones(n, dtype=bool) if v is None else v)
            for k, v in _relevance(data, instrument).items()
        },
        index=data.index,
    )


def _bad_tokens(col: pd.Series, allowed: set[str]) -> np.ndarray:
    """Rows of a multiple-choice column holding a code outside ``allowed``."""
    tokens = col.astype("string").str.split()
    return tokens.map(
        lambda xs: isinstance(xs, list) and any(t not in allowed for t in xs)
    ).to_numpy(dtype=bool)


def is_number_column(col: pd.Series) -> bool:
    """Numeric (numpy or nullable) and not boolean: usable without conversion."""
    return pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)


def with_missing(col: pd.Series, bad: np.ndarray) -> pd.Series:
    """``col`` with the ``bad`` cells set to missing, keeping a small integer dtype nullable."""
    if pd.api.types.is_integer_dtype(col.dtype) and isinstance(col.dtype, np.dtype):
        col = col.astype(col.dtype.name.replace("int", "Int").replace("uInt", "UInt"))
    return col.mask(bad)


def _cell_problems(
    data: pd.DataFrame,
    instrument: Instrument,
    row_numbers: np.ndarray,
    source: str,
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Find wrong types and out-of-range values; return problems and the cleaned table.

    The cleaned table shares every column that needs no change with ``data``
    (no copy); a column with invalid cells is replaced by one with those cells
    missing, in the same dtype where it can hold missing values (``int8``
    becomes ``Int8``). Non-numeric columns of numeric items are converted.
    """
    clean = data.copy(deep=False)
    found: list[dict[str, Any]] = []

    def add(mask: np.ndarray, item_id: str, values: pd.Series, rule: str, message: str) -> None:
        idx = np.flatnonzero(mask)
        if len(idx):
            found.append(
                problem_rows(
                    file=source,
                    row=row_numbers[idx],
                    column=item_id,
                    value=values.iloc[idx].astype(str).to_numpy(),
                    rule=rule,
                    message=message,
                )
            )

    for item in instrument.iter_items():
        if item.id not in data.columns or item.type == ItemType.text:
            continue
        col = data[item.id]
        if item.type == ItemType.multiple_choice:
            allowed = {str(c) for c in instrument.codes(item)}
            bad = _bad_tokens(col, allowed)
            add(bad, item.id, col, "out_of_range", f"codes must be among {sorted(allowed)}")
            continue
        if is_number_column(col):
            num = col
            wrong = np.zeros(len(col), dtype=bool)
        else:
            num = pd.to_numeric(col, errors="coerce")
            wrong = (num.isna() & col.notna()).to_numpy()
            add(wrong, item.id, col, "wrong_type", "expected a number")
        if pd.api.types.is_integer_dtype(num.dtype) and isinstance(num.dtype, np.dtype):
            values = num.to_numpy()  # a view: no missing values, no conversion
            present = np.ones(len(values), dtype=bool)
            whole = True
        elif isinstance(num.array, pd.arrays.IntegerArray):
            values, missing = stored(num.array)  # its own small integers: no float copy
            present = np.ones(len(values), dtype=bool) if missing is None else ~missing
            whole = True
        else:
            values = num.to_numpy(dtype="float64", na_value=np.nan)
            present = ~np.isnan(values)
            whole = pd.api.types.is_integer_dtype(num.dtype)
        if item.type in (ItemType.likert, ItemType.single_choice):
            codes = instrument.codes(item)
            lo, hi = min(codes), max(codes)
            if codes == list(range(lo, hi + 1)):  # a scale: one range test, no set look-up
                out = present & ((values < lo) | (values > hi))
                if not whole:
                    out |= present & (np.floor(values) != values)
            else:
                out = present & ~np.isin(values, np.asarray(codes, dtype=values.dtype))
            add(out, item.id, col, "out_of_range", f"allowed codes {list(codes)}")
        else:
            out = np.zeros(len(col), dtype=bool)
            if item.type == ItemType.integer and not whole:
                frac = present & (np.floor(values) != values)
                add(frac, item.id, col, "wrong_type", "expected a whole number")
                out |= frac
            if item.min is not None:
                low = present & (values < item.min)
                add(low, item.id, col, "out_of_range", f"below the minimum {item.min:g}")
                out |= low
            if item.max is not None:
                high = present & (values > item.max)
                add(high, item.id, col, "out_of_range", f"above the maximum {item.max:g}")
                out |= high
        bad = out | wrong
        if bad.any():
            clean[item.id] = with_missing(num, bad)
        elif num is not col:
            clean[item.id] = num
    return found, clean


def to_float(col: pd.Series) -> np.ndarray:
    """A column as float64 values, NaN where a cell is missing or not a number.

    Text columns held by Arrow (pandas' ``str`` dtype) are cast by Arrow in one
    step; a column with any non-number falls back to ``pandas.to_numeric``.

    Examples
    --------
    >>> to_float(pd.Series(["600", None, "59.5"], dtype="str")).tolist()
    [600.0, nan, 59.5]
    >>> to_float(pd.Series(["600", "n/a"])).tolist()
    [600.0, nan]
    """
    if is_number_column(col):
        return col.to_numpy(dtype="float64", na_value=np.nan)
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            cast = pc.cast(pa.array(col.array), pa.float64())
            return cast.to_numpy(zero_copy_only=False).astype("float64", copy=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def longest_run(values: np.ndarray | pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longest run of identical consecutive answers per row, ignoring missing answers.

    The long-string index of Meade & Craig (2012): in questionnaire order, the
    length of the longest sequence of equal answers. A missing answer neither
    extends nor breaks a run.

    Parameters
    ----------
    values
        ``(n, k)`` array or frame of Likert answers (NaN or ``<NA>`` = missing);
        a frame may hold integer, nullable-integer or float columns and is read
        one column at a time.

    Returns
    -------
    (longest, answered)
        Integer arrays of length n: the longest run and the number of answers.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey
    data. *Psychological Methods*, 17(3), 437-455.

    Examples
    --------
    >>> longest, answered = longest_run(np.array([[1, 1, np.nan, 1, 2], [1, 2, 3, 4, 5]]))
    >>> longest.tolist(), answered.tolist()
    ([3, 1], [4, 5])
    """
    n, k = values.shape
    columns = ItemColumns.of(values)  # the stored answers, read in place where possible
    # rows are independent: each core takes a contiguous share of them
    parts = map_in_threads(
        lambda rows: _longest_run(columns, rows.start, rows.stop, k),
        shares(range(n), minimum=100_000),
    )
    return (
        np.concatenate([p[0] for p in parts]).astype(np.int64),
        np.concatenate([p[1] for p in parts]).astype(np.int64),
    )


def _longest_run(
    columns: ItemColumns, start: int, stop: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`longest_run` over rows ``start:stop``."""
    n = stop - start
    small = np.int16 if k < np.iinfo(np.int16).max else np.int64
    longest = np.zeros(n, dtype=small)
    answered = np.zeros(n, dtype=small)
    run = np.zeros(n, dtype=small)
    prev: np.ndarray | None = None
    seen = np.zeros(n, dtype=bool)  # an answer came before in this row
    same = np.empty(n, dtype=bool)
    keep = np.empty(n, dtype=bool)
    everyone = np.ones(n, dtype=bool)
    for values, missing in zip(columns.values, columns.missing, strict=True):  # one pass
        v = values[start:stop]
        present = everyone if missing is None else ~missing[start:stop]
        if prev is None:
            prev = np.zeros(n, dtype=v.dtype)
        elif prev.dtype != v.dtype:  # mixed columns: compare in a type holding both
            common = np.result_type(prev, v)
            prev, v = prev.astype(common, copy=False), v.astype(common, copy=False)
        np.equal(v, prev, out=same)
        same &= present
        same &= seen  # the previous answer, not a placeholder
        # answered but not the previous answer: the run restarts (arithmetic, not masked
        # writes, which are several times slower on scattered masks)
        np.greater_equal(same, present, out=keep)  # not a restart
        run *= keep
        run += present
        np.copyto(prev, v, where=present)
        seen |= present
        answered += present
        np.maximum(longest, run, out=longest)
    return longest, answered


def id_groups(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Which rows repeat a respondent id: ``(any_copy, later_copy)`` flags per row.

    ``any_copy`` marks every row whose id occurs more than once, ``later_copy`` the
    rows after the first with that id; a missing id is never a copy. Ids are
    compared as written: ``"007"`` and ``"7"`` are different ids. Text ids that
    are all plain integers (``str(int(x)) == x``) are grouped as integers, which
    gives the same groups faster; increasing integers, the usual numbering, have
    no copies, which one comparison of neighbours shows.

    Examples
    --------
    >>> any_copy, later = id_groups(pd.Series(["a", "b", "a", None, None, "007", "7"]))
    >>> any_copy.tolist()
    [True, False, True, False, False, False, False]
    >>> later.tolist()
    [False, False, True, False, False, False, False]
    """
    keys = _integer_ids(ids)
    if isinstance(keys, np.ndarray) and keys.dtype.kind == "i" and np.all(keys[1:] > keys[:-1]):
        none = np.zeros(len(keys), dtype=bool)  # increasing integers: all different
        return none, none.copy()
    codes, _ = pd.factorize(keys)  # in order of first appearance, -1 = missing
    # a code seen before is not above the largest earlier code; a new one is
    earlier = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    later = (codes >= 0) & (codes <= earlier)
    any_copy = np.zeros(len(codes), dtype=bool)
    if later.any():
        seen = codes >= 0
        any_copy[seen] = np.bincount(codes[seen])[codes[seen]] > 1
    return any_copy, later


def _integer_ids(ids: pd.Series) -> pd.Series | np.ndarray:
    """Arrow text ids as integers when every one is an integer written plainly."""
    to_arrow = getattr(ids.array, "__arrow_array__", None)
    if to_arrow is None:
        return ids
    import pyarrow as pa
    import pyarrow.compute as pc

    text = to_arrow()
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        return ids
    try:
        numbers = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return ids
    if pc.all(pc.equal(pc.cast(numbers, text.type), text)).as_py() not in (True, None):
        return ids
    return numbers.to_numpy(zero_copy_only=False)
