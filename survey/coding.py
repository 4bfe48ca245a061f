"""Answers to codes: labels, choice names, numbers and missing tokens, per distinct value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.survey.instrument import Instrument, Item, ItemType
from smekit.survey.rawtable import _all_strings, _blank_uniques, _Column, _Table

_MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "#n/a"})


def _normalise(text: str) -> str:
    """Case- and spacing-insensitive form of a label."""
    return " ".join(text.split()).casefold()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    return isinstance(value, str) and _normalise(value) in _MISSING_TOKENS


_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){2,}(,\d+)?$|^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_THOUSANDS_SPACE = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")


def _number(value: Any, decimal_comma: bool) -> float | None:
    """The number a cell holds, or ``None``.

    Thousands separators are read where they cannot be a decimal mark: commas
    between groups of three digits (``1,234``, ``12,500.75``) unless the file uses
    decimal commas; with decimal commas, dots between groups of three
    (``1.234,5``, ``1.234.567``; a lone ``1.234`` stays one point two three four);
    and spaces (``12 500``, also no-break and narrow no-break spaces).

    Examples
    --------
    >>> _number("12,500.75", decimal_comma=False), _number("1.234,5", decimal_comma=True)
    (12500.75, 1234.5)
    >>> _number("3,5", decimal_comma=False) is None, _number("3,5", decimal_comma=True)
    (True, 3.5)
    """
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if _is_number(value):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _THOUSANDS_SPACE.match(text):
        text = re.sub(r"[ \u00a0\u202f]", "", text)
    if decimal_comma:
        if _THOUSANDS_DOT.match(text):
            text = text.replace(".", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
    elif _THOUSANDS_COMMA.match(text):
        text = text.replace(",", "")
    if "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Codebook:
    """How one coded item's answers can be written."""

    item_id: str
    lookup: dict[str, int]
    valid: str
    separated_labels: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, item: Item, instrument: Instrument) -> _Codebook:
        lookup: dict[str, int] = {}
        labels = instrument.labels(item)
        for code, label in labels.items():
            lookup.setdefault(_normalise(label), code)
        if item.type != ItemType.likert:
            for choice in instrument.choices_of(item):
                lookup[_normalise(choice.xls_name)] = choice.value
        valid = _shorten(", ".join(f"{c}={lab}" for c, lab in labels.items()), 120)
        separated = tuple(
            sorted(
                ((k, v) for k, v in lookup.items() if "," in k or ";" in k),
                key=lambda kv: -len(kv[0]),
            )
        )
        return cls(item.id, lookup, valid, separated)

    def unknown_message(self, value: Any) -> str:
        return (
            f"'{_shorten(str(value), 60)}' is not a code, choice name or label of "
            f"'{self.item_id}'; valid: {self.valid}"
        )


def _code_uniques(
    uniques: np.ndarray, book: _Codebook, decimal_comma: bool, labels: dict[Any, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``NaN`` if missing or unknown) and an unknown-label mask per distinct value.

    ``labels`` are a file's own value labels (SPSS): a value whose label is a label
    of the item takes that label's code, for numeric and string values alike.
    """
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        if labels and isinstance(value, str) and value in labels:
            code = book.lookup.get(_normalise(labels[value]))
            if code is not None:
                values[k] = code
                continue
        number = _number(value, decimal_comma)
        if number is not None:
            if labels and number in labels:
                values[k] = book.lookup.get(_normalise(labels[number]), number)
            else:
                values[k] = number
            continue
        code = book.lookup.get(_normalise(str(value)))
        if code is None:
            bad[k] = True
        else:
            values[k] = code
    return values, bad


_SEPARATORS = re.compile(r"[;,]")


def _multi_token(token: str, book: _Codebook) -> int | None:
    code = book.lookup.get(token)
    if code is not None:
        return code
    number = _number(token, decimal_comma=False)
    if number is not None and number.is_integer():
        return int(number)
    return None


def _multi_value(value: Any, book: _Codebook, labels: dict[Any, str] | None) -> str | None:
    """Space-separated sorted codes of one multiple-choice cell; ``None`` if unknown."""
    if labels and isinstance(value, str) and value in labels:
        code = book.lookup.get(_normalise(labels[value]))
        if code is not None:
            return str(code)
    if _is_number(value) or isinstance(value, (bool, np.bool_)):
        number = float(value)
        if labels and number in labels and _normalise(labels[number]) in book.lookup:
            return str(book.lookup[_normalise(labels[number])])
        return str(int(number)) if number.is_integer() else None
    text = _normalise(str(value))
    whole = book.lookup.get(text)
    if whole is not None:
        return str(whole)
    for label, code in book.separated_labels:
        text = text.replace(label, f";{code};")
    codes: set[int] = set()
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        code = _multi_token(part, book)
        if code is not None:
            codes.add(code)
            continue
        for token in part.split():
            code = _multi_token(token, book)
            if code is None:
                return None
            codes.add(code)
    if not codes:
        return None
    return " ".join(str(c) for c in sorted(codes))


def _multi_uniques(
    uniques: np.ndarray, book: _Codebook, labels: dict[float, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    values = np.empty(len(uniques), dtype=object)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            values[k] = None
            continue
        coded = _multi_value(value, book, labels)
        values[k] = coded
        bad[k] = coded is None
    return values, bad


def _number_uniques(uniques: np.ndarray, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        number = _number(value, decimal_comma)
        if number is None:
            bad[k] = True
        else:
            values[k] = number
    return values, bad


def _text_uniques(uniques: np.ndarray) -> np.ndarray:
    """Distinct values as text, ``None`` for blank or missing ones."""
    if _all_strings(uniques):
        values = uniques.copy()
        values[_blank_uniques(uniques)] = None
        return values
    values = np.empty(len(uniques), dtype=object)
    for k, value in enumerate(uniques):
        if value is None or (isinstance(value, str) and not value.strip()):
            values[k] = None
        elif isinstance(value, str):
            values[k] = value
        elif _is_missing(value):
            values[k] = None
        elif isinstance(value, (float, np.floating)) and float(value).is_integer():
            values[k] = str(int(value))
        elif hasattr(value, "isoformat"):
            values[k] = value.isoformat()
        else:
            values[k] = str(value)
    return values


#: Words option columns use for chosen / not chosen (KoboToolbox True/False, LimeSurvey Y/N).
_FLAG_WORDS = {"true": 1.0, "false": 0.0, "y": 1.0, "n": 0.0}


def _flag_uniques(
    uniques: np.ndarray, chosen: frozenset[str] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """1.0/0.0 for an option column's distinct values, with a bad mask.

    ``chosen`` holds the option's own label and name (normalised): Qualtrics split
    columns write the label of a chosen option instead of ``1``.
    """
    values = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        if _is_missing(value):
            continue
        if isinstance(value, str) and _normalise(value) in chosen:
            values[k] = 1.0
            continue
        if isinstance(value, str) and _normalise(value) in _FLAG_WORDS:
            values[k] = _FLAG_WORDS[_normalise(value)]
            continue
        number = _number(value, decimal_comma=False)
        if number in (0.0, 1.0):
            values[k] = number
        else:
            bad[k] = True
    return values, bad


# ---------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------
def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype="str"),
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="str"),
            "rule": pd.Series([], dtype="str"),
            "message": pd.Series([], dtype="str"),
        }
    )


def _problems(
    column: _Column,
    bad: np.ndarray,
    rows: np.ndarray,
    *,
    file: str,
    name: str,
    rule: str,
    message: Any,
) -> pd.DataFrame | None:
    """Problem rows for the cells whose distinct value is flagged in ``bad``."""
    if not bad.any():
        return None
    hit = np.append(bad, False)[column.codes]
    positions = np.flatnonzero(hit)
    index = column.codes[positions]
    texts = np.asarray([_text_of(u) for u in column.uniques], dtype=object)
    messages = np.asarray(
        [message(t) if b else "" for t, b in zip(texts, bad, strict=True)], dtype=object
    )
    return pd.DataFrame(
        {
            "file": file,
            "row": rows[positions].astype(np.int64),
            "column": name,
            "value": texts[index],
            "rule": rule,
            "message": messages[index],
        }
    )


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_options(
    columns: dict[int, int],
    table: _Table,
    where: str,
    names: list[str],
    chosen: dict[int, frozenset[str]] | None = None,
) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Space-separated codes from option columns (KoboToolbox 0/1, Qualtrics split).

    A row with every option column blank is unanswered; a row with some option
    answered and the others blank has chosen the answered ones.
    """
    n = table.n_rows
    codes = sorted(columns)
    selected = np.zeros((n, len(codes)), dtype=bool)
    answered = np.zeros(n, dtype=bool)
    problems = []
    for k, code in enumerate(codes):
        j = columns[code]
        column = table.columns[j]
        flags, bad = _flag_uniques(column.uniques, (chosen or {}).get(code, frozenset()))
        values = column.take(flags, np.nan)
        selected[:, k] = values == 1.0
        answered |= ~np.isnan(values)
        found = _problems(
            column,
            bad,
            table.row_numbers,
            file=Path(where).name,
            name=names[j],
            rule="unknown_label",
            message=lambda v: f"'{_shorten(v, 60)}' is not 0 or 1 (a KoboToolbox option column)",
        )
        if found is not None:
            problems.append(found)
    patterns, inverse = np.unique(selected, axis=0, return_inverse=True)
    strings = np.asarray(
        [
            " ".join(str(c) for c, chosen in zip(codes, p, strict=True) if chosen) or None
            for p in patterns
        ],
        dtype=object,
    )
    out = strings[inverse.reshape(-1)]
    out[~answered] = None
    return out, problems


def _code_item(
    item: Item,
    column: _Column,
    *,
    instrument: Instrument,
    decimal_comma: bool,
    labels: dict[float, str] | None,
) -> tuple[pd.Series, np.ndarray, str, Any]:
    """The coded column, a bad-value mask, the problem rule and its message maker."""
    whole = column.integers()
    if whole is not None and labels is None and item.type in _WHOLE_ITEMS:
        # parsed as whole numbers: a number is its own code (as _number reads text)
        return _whole_numbers(*whole), np.zeros(0, dtype=bool), "", None
    if item.type in (ItemType.likert, ItemType.single_choice):
        book = _Codebook.of(item, instrument)
        values, bad = _code_uniques(column.uniques, book, decimal_comma, labels)
        return _small_integers(column, values), bad, "unknown_label", book.unknown_message
    if item.type == ItemType.multiple_choice:
        book = _Codebook.of(item, instrument)
        values, bad = _multi_uniques(column.uniques, book, labels)
        series = pd.Series(column.take(values, None), dtype="str")
        return series, bad, "unknown_label", book.unknown_message
    if item.type in (ItemType.integer, ItemType.decimal):
        values, bad = _number_uniques(column.uniques, decimal_comma)
        kind = item.type.value

        def message(v: str) -> str:
            return f"'{_shorten(v, 60)}' is not a number ('{item.id}' is a {kind} item)"

        if item.type == ItemType.integer:
            return _small_integers(column, values), bad, "not_a_number", message
        return pd.Series(column.take(values, np.nan)), bad, "not_a_number", message
    values = _text_uniques(column.uniques)
    return (
        pd.Series(column.take(values, None), dtype="str"),
        np.zeros(len(values), dtype=bool),
        "",
        None,
    )


_INTEGER_TYPES = (np.int8, np.int16, np.int32, np.int64)
_WHOLE_ITEMS = (ItemType.likert, ItemType.single_choice, ItemType.integer)


def _whole_numbers(values: np.ndarray, missing: np.ndarray) -> pd.Series:
    """Whole numbers and their missing mask in the smallest nullable integer dtype.

    The same column :func:`_small_integers` builds from the numbers' text.
    """
    present = values[~missing]
    low, high = (int(present.min()), int(present.max())) if present.size else (0, 0)
    dtype = next(t for t in _INTEGER_TYPES if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
    return pd.Series(pd.arrays.IntegerArray(values.astype(dtype), missing), copy=False)


def _small_integers(column: _Column, values: np.ndarray) -> pd.Series:
    """Codes per distinct value spread to all rows in the smallest nullable integer dtype.

    ``values`` are one float per distinct value (``NaN`` = missing). When every
    code is a whole number the column becomes pandas' nullable ``Int8`` (or
    ``Int16``, ``Int32``, ``Int64`` for wider ranges): one byte per answer and one
    for its missing mask instead of eight for ``float64``, built straight from the
    codes without an intermediate float column. Otherwise it stays ``float64``.
    """
    missing = np.isnan(values)
    present = values[~missing]
    if present.size and not np.all(np.isfinite(present) & (present == np.floor(present))):
        return pd.Series(column.take(values, np.nan))
    low, high = (present.min(), present.max()) if present.size else (0.0, 0.0)
    for dtype in _INTEGER_TYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            break
    else:
        return pd.Series(column.take(values, np.nan))
    codes = np.where(missing, 0, values).astype(dtype)
    array = pd.arrays.IntegerArray(column.take(codes, 0), column.take(missing, True))
    return pd.Series(array, copy=False)


def _keep(column: _Column) -> pd.Series:
    """A column not in the instrument, unchanged except that blank cells are missing."""
    if column.original is None:
        if column.arrow is not None:
            return _arrow_text(column)
        return pd.Series(column.take(_text_uniques(column.uniques), None), dtype="str")
    series = column.original.reset_index(drop=True)
    if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
        blank = _blank_uniques(column.uniques)
        if blank.any():
            series = series.where(~np.append(blank, False)[column.codes], None)
        if pd.api.types.is_object_dtype(series.dtype):
            series = series.infer_objects()
    return series


def _arrow_text(column: _Column) -> pd.Series:
    """A text column straight from its ``pyarrow`` string array, blank cells missing.

    The same values as ``_text_uniques`` spread to the rows, without encoding the
    column or building a Python string per row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = column.blank_text()
    text = column.arrow
    if pc.any(blank).as_py():
        text = pc.if_else(blank, pa.scalar(None, pa.string()), text)
    return pd.Series(pd.arrays.ArrowStringArray(text), dtype="str")
