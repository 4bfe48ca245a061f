"""Data quality: a problems table, cleaning rules, flags and an exclusion log.

Two kinds of output:

* **problems** — cell-level findings with file row, column, value and rule:
  unknown columns, missing required items, out-of-range values, wrong types
  and duplicate respondent ids (plus anything the importer reported);
* **flags and exclusions** — respondent-level cleaning rules, each
  configurable: incomplete responses, straight-lining, speeders, failed
  attention checks and multivariate outliers. Every excluded respondent is
  logged with all the reasons that applied, and ``kept + excluded`` always
  equals the input.

References
----------
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey
data. *Psychological Methods*, 17(3), 437-455 (long-string index, instructed
items, response time).
Mahalanobis, P. C. (1936). On the generalised distance in statistics.
*Proceedings of the National Institute of Sciences of India*, 2, 49-55.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from smekit.core.errors import DataError
from smekit.survey import conditions
from smekit.survey.descriptives import json_ready
from smekit.survey.instrument import Instrument, ItemType

PROBLEM_COLUMNS = ["file", "row", "column", "value", "rule", "message"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True


class IncompleteRule(_Rule):
    """Exclude respondents missing more than this share of the required, relevant items."""

    max_missing_share: float = Field(0.2, ge=0, le=1)


class StraightliningRule(_Rule):
    """Exclude respondents whose longest run of identical Likert answers is too long.

    The run is counted over Likert items in questionnaire order (attention
    checks left out). A respondent is flagged when ``longest_run >=
    max_run_share * answered`` and at least ``min_items`` Likert items were answered.
    """

    max_run_share: float = Field(1.0, gt=0, le=1)
    min_items: int = Field(10, ge=2)


class SpeederRule(_Rule):
    """Exclude respondents faster than a share of the median duration."""

    min_share_of_median: float = Field(0.3, gt=0, lt=1)


class MahalanobisRule(_Rule):
    """Exclude multivariate outliers on the construct items.

    Squared Mahalanobis distance against the chi-square quantile with as many
    degrees of freedom as items, at significance ``alpha``; computed on the
    respondents not excluded by the other rules, complete cases only.
    """

    alpha: float = Field(0.001, gt=0, lt=1)


class QualityRules(BaseModel):
    """Cleaning rules (the ``quality:`` block of ``study.yaml``).

    Each rule may be given as ``false`` to switch it off, or as a mapping of
    its settings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    incomplete: IncompleteRule = IncompleteRule()
    straightlining: StraightliningRule = StraightliningRule()
    speeders: SpeederRule = SpeederRule()
    attention_checks: bool = True
    attention_missing_fails: bool = False
    mahalanobis: MahalanobisRule = MahalanobisRule()
    drop_duplicate_ids: bool = True

    @classmethod
    def from_config(cls, config: dict | None) -> QualityRules:
        """Build from study.yaml, accepting ``rule: false`` to disable a rule."""
        config = dict(config or {})
        for key in ("incomplete", "straightlining", "speeders", "mahalanobis"):
            if config.get(key) is False:
                config[key] = {"enabled": False}
            elif config.get(key) is True:
                config[key] = {}
        return cls.model_validate(config)


@dataclass(frozen=True)
class QualityReport:
    """Result of :func:`check_quality`.

    Attributes
    ----------
    kept
        Responses that pass every rule (invalid cells set to missing).
    excluded
        Excluded responses, unchanged.
    flags
        One row per input response: file row, id, the measures behind each rule
        (missing share, longest run, duration, attention, Mahalanobis D² and p),
        a boolean column per rule and ``excluded``.
    exclusions
        One row per excluded response: file row, id, ``reasons`` (every rule that
        applied, "; "-separated) and ``first_reason``.
    problems
        Cell-level problems: file, row, column, value, rule, message.
    rules
        The rules applied.
    """

    kept: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    flags: pd.DataFrame = field(repr=False)
    exclusions: pd.DataFrame = field(repr=False)
    problems: pd.DataFrame = field(repr=False)
    rules: QualityRules = field(default_factory=QualityRules)

    @property
    def n_input(self) -> int:
        return len(self.flags)

    def summary(self) -> pd.DataFrame:
        """Counts per rule: flagged (alone or with others) and the total excluded."""
        rule_cols = ["duplicate", "incomplete", "straightliner", "speeder", "attention", "outlier"]
        rows = [{"rule": r, "flagged": int(self.flags[r].sum())} for r in rule_cols]
        rows.append({"rule": "excluded (any rule)", "flagged": len(self.exclusions)})
        rows.append({"rule": "kept", "flagged": len(self.kept)})
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """The per-respondent flags (:attr:`flags`)."""
        return self.flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts, rules, the exclusion log and problem counts by rule.

        NaN becomes ``None``. The per-respondent flags and the cell-level problems
        are tables (:meth:`to_frame`, :attr:`problems`), not part of the mapping.
        """
        summary = self.summary()
        return json_ready(
            {
                "n_input": self.n_input,
                "n_kept": len(self.kept),
                "n_excluded": len(self.exclusions),
                "flagged": dict(zip(summary["rule"], summary["flagged"], strict=True)),
                "rules": self.rules.model_dump(),
                "exclusions": self.exclusions,
                "problems_by_rule": self.problems["rule"].value_counts().sort_index(),
            }
        )


def _problems(rows: list[pd.DataFrame]) -> pd.DataFrame:
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    out = pd.concat(rows, ignore_index=True)[PROBLEM_COLUMNS]
    return out.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(
        drop=True
    )


def _header_problem(source: str, column: str, rule: str, message: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "file": source,
                "row": 1,
                "column": column,
                "value": "",
                "rule": rule,
                "message": message,
            }
        ]
    )


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
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Find wrong types and out-of-range values; return problems and the cleaned table.

    The cleaned table shares every column that needs no change with ``data``
    (no copy); a column with invalid cells is replaced by one with those cells
    missing, in the same dtype where it can hold missing values (``int8``
    becomes ``Int8``). Non-numeric columns of numeric items are converted.
    """
    clean = data.copy(deep=False)
    found: list[pd.DataFrame] = []

    def add(mask: np.ndarray, item_id: str, values: pd.Series, rule: str, message: str) -> None:
        idx = np.flatnonzero(mask)
        if len(idx):
            found.append(
                pd.DataFrame(
                    {
                        "file": source,
                        "row": row_numbers[idx],
                        "column": item_id,
                        "value": values.iloc[idx].astype(str).to_numpy(),
                        "rule": rule,
                        "message": message,
                    }
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


def _require_column(data: pd.DataFrame, column: str, option: str, source: str) -> None:
    """A column the caller named must exist: say which file lacks it and what is close."""
    if column in data.columns:
        return
    names = [str(c) for c in data.columns]
    close = difflib.get_close_matches(column, names, n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in names}
        close = [lowered[c] for c in difflib.get_close_matches(column.lower(), lowered, n=3)]
    hint = (
        f"closest columns: {', '.join(repr(c) for c in close)}"
        if close
        else f"columns are {', '.join(repr(c) for c in names[:8])}"
        + (" ..." if len(names) > 8 else "")
    )
    raise DataError(
        f"{option} column '{column}' is not in the file, so the rule that needs it cannot run",
        where=f"{source}, column '{column}'",
        fix=hint,
    )


def check_quality(
    data: pd.DataFrame,
    instrument: Instrument,
    rules: QualityRules | None = None,
    *,
    id_column: str | None = None,
    duration_column: str | None = None,
    row_numbers: pd.Series | np.ndarray | None = None,
    source: str = "responses",
    import_problems: pd.DataFrame | None = None,
    unknown_columns: list[str] | None = None,
    missing_reasons: pd.DataFrame | None = None,
) -> QualityReport:
    """Check responses against the instrument and apply the cleaning rules.

    The rules, each switched on by default and configurable in ``quality:``:

    * **duplicate**: a respondent id seen on an earlier row;
    * **incomplete**: ``missing_share > max_missing_share``, where
      ``missing_share`` = unanswered / applicable required items (an item whose
      relevance condition is false is not applicable);
    * **straight-lining**: ``answered >= min_items`` and
      ``longest_run >= max_run_share * answered`` over the Likert items in
      questionnaire order (Meade & Craig, 2012, long-string index);
    * **speeder**: ``duration / median(duration) < min_share_of_median``;
    * **attention**: an instructed-response item answered otherwise than expected;
    * **outlier**: ``P(chi2_k > D^2) < alpha`` with ``D^2`` the squared
      Mahalanobis distance on the ``k`` construct items (see :func:`mahalanobis`),
      estimated on the respondents no other rule excluded.

    Parameters
    ----------
    data
        Tidy responses keyed by item ids (from :func:`smekit.survey.responses.read_responses`).
        Coded items may be float, numpy integer (``int8``) or nullable integer (``Int8``);
        they are checked in place, without a float copy of the whole table.
    instrument
        The questionnaire the responses answer.
    rules
        Cleaning rules; defaults as documented on :class:`QualityRules`.
    id_column
        Respondent id column (duplicates are problems; later copies excluded).
        A name that is not a column of ``data`` is an error.
    duration_column
        Completion time in seconds; without it the speeder rule is not applied.
        A name that is not a column of ``data`` is an error.
    row_numbers
        File row number of each response (defaults to ``index + 2``: one header line).
    source
        File name used in the problems table and in errors.
    import_problems
        Problems reported by the importer, merged into the table.
    unknown_columns
        Columns that match no item (reported once each, as row 1).
    missing_reasons
        Why answers are missing, from the importer (``row``, ``column``, ``code``,
        ``reason``; SPSS user-missing codes such as don't know = 8): such a cell
        is still missing for the incomplete rule, but its problem row says
        ``missing_reason`` with the code and its label instead of
        ``missing_required``.

    Returns
    -------
    QualityReport
        ``len(kept) + len(excluded) == len(data)`` always.

    Raises
    ------
    DataError
        When ``id_column`` or ``duration_column`` names a column ``data`` lacks.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey
    data. *Psychological Methods*, 17(3), 437-455.

    Examples
    --------
    Ten respondents; ``r9`` answered in 100 s against a median of 600 s, which
    is below 30% of the median, so it is a speeder:

    >>> from smekit.survey.instrument import Instrument
    >>> inst = Instrument.model_validate({
    ...     "kind": "questionnaire", "id": "x", "title": "x",
    ...     "scales": {"a5": {"min": 1, "max": 5, "anchors": {1: "no", 5: "yes"}}},
    ...     "sections": [{"id": "s", "title": "s", "items": [
    ...         {"id": f"q{j}", "text": "q", "type": "likert", "scale": "a5"}
    ...         for j in range(3)]}]})
    >>> df = pd.DataFrame({"rid": [f"r{i}" for i in range(10)],
    ...                    "secs": [600] * 9 + [100],
    ...                    "q0": [1, 2, 3, 4, 5] * 2, "q1": [2, 3, 4, 5, 1] * 2,
    ...                    "q2": [3, 4, 5, 1, 2] * 2})
    >>> rep = check_quality(df, inst, id_column="rid", duration_column="secs")
    >>> rep.exclusions[["id", "first_reason"]].to_dict("records")
    [{'id': 'r9', 'first_reason': 'speeder (< 30% of median duration)'}]
    """
    rules = rules or QualityRules()
    n = len(data)
    data = data.reset_index(drop=True)
    if id_column is not None:
        _require_column(data, id_column, "respondent id", source)
    if duration_column is not None:
        _require_column(data, duration_column, "duration", source)
    rownum = np.arange(n) + 2 if row_numbers is None else np.asarray(row_numbers, dtype=np.int64)
    problems: list[pd.DataFrame] = []
    if import_problems is not None and len(import_problems):
        problems.append(import_problems.reindex(columns=PROBLEM_COLUMNS))
    for col in unknown_columns or []:
        problems.append(
            _header_problem(
                source,
                col,
                "unknown_column",
                "column matches no item of the instrument (kept, not used)",
            )
        )
    required = [i.id for i in instrument.iter_items() if i.required]
    for col in required:
        if col not in data.columns:
            problems.append(
                _header_problem(
                    source, col, "missing_column", "required item has no column in the file"
                )
            )
    relevant = _relevance(data, instrument)
    found, clean = _cell_problems(data, instrument, rownum, source)
    problems.extend(found)

    # -- missing required items (relevant only), one column at a time ------------
    applicable = np.zeros(n, dtype=np.int64)
    n_missing = np.zeros(n, dtype=np.int64)
    # user-missing codes kept by the importer (SPSS: don't know, refused): item -> row -> reason
    why_missing: dict[str, dict[int, tuple[object, str]]] = {}
    if missing_reasons is not None:
        for r in missing_reasons.itertuples(index=False):
            why_missing.setdefault(str(r.column), {})[int(r.row)] = (r.code, str(r.reason))
    for item_id in required:
        applies = relevant[item_id]
        if item_id in clean.columns:
            miss = clean[item_id].isna().to_numpy(dtype=bool)
        else:
            miss = np.ones(n, dtype=bool)
        if applies is not None:
            miss = miss & applies
            applicable += applies
        else:
            applicable += 1
        n_missing += miss
        idx = np.flatnonzero(miss)
        if len(idx):
            frame = pd.DataFrame(
                {
                    "file": source,
                    "row": rownum[idx],
                    "column": item_id,
                    "value": "",
                    "rule": "missing_required",
                    "message": "required item not answered",
                }
            )
            reasons = why_missing.get(item_id)
            if reasons:
                known = frame["row"].map(reasons)
                has = known.notna().to_numpy()
                frame.loc[has, "rule"] = "missing_reason"
                frame.loc[has, "value"] = [str(code) for code, _ in known[has]]
                frame.loc[has, "message"] = [
                    f"answered '{reason}' (code {code}); counted as missing"
                    for code, reason in known[has]
                ]
            problems.append(frame)
    missing_share = np.where(applicable > 0, n_missing / np.maximum(applicable, 1), 0.0)

    # -- duplicate ids ---------------------------------------------------------
    duplicate = np.zeros(n, dtype=bool)
    ids = data[id_column] if id_column is not None else pd.Series(rownum)
    if id_column is not None:
        present_id = ids.notna().to_numpy()
        codes, _ = pd.factorize(ids)  # once, for both "any copy" and "a later copy"
        seen = codes >= 0
        dup_all = np.zeros(n, dtype=bool)
        later = np.zeros(n, dtype=bool)
        if seen.any():
            dup_all[seen] = np.bincount(codes[seen])[codes[seen]] > 1
            later[seen] = True
            _, first_rows = np.unique(codes[seen], return_index=True)
            later[np.flatnonzero(seen)[first_rows]] = False
        dup_all &= present_id
        if dup_all.any():
            idx = np.flatnonzero(dup_all)
            problems.append(
                pd.DataFrame(
                    {
                        "file": source,
                        "row": rownum[idx],
                        "column": id_column,
                        "value": ids.iloc[idx].astype(str).to_numpy(),
                        "rule": "duplicate_id",
                        "message": "respondent id appears more than once (first copy kept)",
                    }
                )
            )
        if rules.drop_duplicate_ids:
            duplicate = later & present_id

    # -- incomplete ------------------------------------------------------------
    incomplete = np.zeros(n, dtype=bool)
    if rules.incomplete.enabled:
        incomplete = missing_share > rules.incomplete.max_missing_share

    # -- straight-lining ---------------------------------------------------------
    likert = [
        i.id
        for i in instrument.iter_items()
        if i.type == ItemType.likert and i.attention_check is None and i.id in clean
    ]
    longest, answered = longest_run(clean[likert])
    straight = np.zeros(n, dtype=bool)
    if rules.straightlining.enabled and likert:
        sl = rules.straightlining
        straight = (answered >= sl.min_items) & (longest >= sl.max_run_share * answered - 1e-9)

    # -- speeders ----------------------------------------------------------------
    duration = np.full(n, np.nan)
    speeder = np.zeros(n, dtype=bool)
    if duration_column is not None:
        duration = to_float(data[duration_column])
        finite = np.isfinite(duration)
        if rules.speeders.enabled and finite.any():
            median = float(np.median(duration[finite]))
            if median > 0:
                # the ratio, not duration < share * median: 30 s of a 100 s median is
                # exactly 30% (0.3 * 100 rounds to 30.000000000000004)
                with np.errstate(invalid="ignore", over="ignore"):  # huge or tiny durations
                    speeder = finite & (duration / median < rules.speeders.min_share_of_median)

    # -- attention checks ----------------------------------------------------------
    attention = np.zeros(n, dtype=bool)
    failed_items = np.full(n, "", dtype=object)
    if rules.attention_checks:
        for item in instrument.attention_items:
            if item.id not in clean:
                continue
            v = clean[item.id].to_numpy(dtype=float, na_value=np.nan)
            fail = np.isfinite(v) & ~np.isin(v, item.attention_check.expected)
            if rules.attention_missing_fails:
                fail |= ~np.isfinite(v)
            attention |= fail
            failed_items = np.where(
                fail,
                np.where(failed_items == "", item.id, failed_items + "," + item.id),
                failed_items,
            )

    # -- multivariate outliers ----------------------------------------------------
    outlier = np.zeros(n, dtype=bool)
    d2 = np.full(n, np.nan)
    pval = np.full(n, np.nan)
    if rules.mahalanobis.enabled:
        items = [
            i.id
            for c in instrument.constructs
            for i in instrument.construct_items(c.id)
            if i.id in clean
        ]
        base = ~(duplicate | incomplete | straight | speeder | attention)
        d2, pval = mahalanobis(clean[items], base)
        outlier = np.isfinite(pval) & (pval < rules.mahalanobis.alpha)

    flags = pd.DataFrame(
        {
            "row": rownum,
            "id": ids.reset_index(drop=True),  # the column's own dtype: no object copy
            "missing_required": n_missing,
            "missing_share": missing_share,
            "longest_run": longest,
            "likert_answered": answered,
            "duration": duration,
            "attention_failed_items": failed_items,
            "mahalanobis_d2": d2,
            "mahalanobis_p": pval,
            "duplicate": duplicate,
            "incomplete": incomplete,
            "straightliner": straight,
            "speeder": speeder,
            "attention": attention,
            "outlier": outlier,
        }
    )
    reason_text = {
        "duplicate": "duplicate respondent id",
        "incomplete": (
            f"incomplete (> {rules.incomplete.max_missing_share:.0%} of required items missing)"
        ),
        "straightliner": "straight-lining (identical answers across Likert items)",
        "speeder": f"speeder (< {rules.speeders.min_share_of_median:.0%} of median duration)",
        "attention": "failed attention check",
        "outlier": f"multivariate outlier (Mahalanobis p < {rules.mahalanobis.alpha:g})",
    }
    hits = flags[list(reason_text)].to_numpy()
    excluded_mask = hits.any(axis=1)
    labels = list(reason_text.values())
    reasons = np.full(n, "", dtype=object)
    first = np.full(n, "", dtype=object)
    for i in np.flatnonzero(excluded_mask):  # only excluded rows get text
        applied = [labels[j] for j in np.flatnonzero(hits[i])]
        reasons[i] = "; ".join(applied)
        first[i] = applied[0]
    flags["excluded"] = excluded_mask
    flags["reasons"] = reasons
    exclusions = pd.DataFrame(
        {
            "row": rownum[excluded_mask],
            "id": ids[excluded_mask].reset_index(drop=True),
            "reasons": reasons[excluded_mask],
            "first_reason": first[excluded_mask],
        }
    )
    if excluded_mask.any():
        kept = clean.loc[~excluded_mask].reset_index(drop=True)
    else:
        kept = clean  # nobody excluded: the cleaned table itself, no row copy
    excluded = data.loc[excluded_mask].reset_index(drop=True)
    if len(kept) + len(excluded) != n:  # pragma: no cover - an invariant, not a user error
        raise AssertionError("kept + excluded must equal the input")
    return QualityReport(
        kept=kept,
        excluded=excluded,
        flags=flags,
        exclusions=exclusions,
        problems=_problems(problems),
        rules=rules,
    )


def _columns(values: np.ndarray | pd.DataFrame) -> list[np.ndarray]:
    """The columns of an array or a frame as float64 arrays (NaN = missing), one at a time."""
    if isinstance(values, pd.DataFrame):
        return [values.iloc[:, j] for j in range(values.shape[1])]  # converted lazily
    return [values[:, j] for j in range(values.shape[1])]


def _as_float(col: np.ndarray | pd.Series) -> np.ndarray:
    if isinstance(col, pd.Series):
        return col.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(col, dtype="float64")


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
    small = np.int16 if k < np.iinfo(np.int16).max else np.int64
    longest = np.zeros(n, dtype=small)
    answered = np.zeros(n, dtype=small)
    run = np.zeros(n, dtype=small)
    prev: np.ndarray | None = None
    seen = np.zeros(n, dtype=bool)  # an answer came before in this row
    same = np.empty(n, dtype=bool)
    keep = np.empty(n, dtype=bool)
    for col in _columns(values):  # one pass over the items
        v, present = _answers(col)
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
    return longest.astype(np.int64), answered.astype(np.int64)


def _answers(col: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's values and where it is answered, without a float copy where possible.

    A nullable-integer column gives its own integer values (placeholders where
    missing); other columns are read as float64 with NaN = missing.
    """
    if isinstance(col, pd.Series) and isinstance(col.array, pd.arrays.IntegerArray):
        return col.array._data, ~col.array._mask
    v = _as_float(col)
    return v, ~np.isnan(v)


_BLOCK = 65_536


def _row_block(values: np.ndarray | pd.DataFrame, start: int) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        return values.iloc[start : start + _BLOCK].to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values[start : start + _BLOCK], dtype="float64")


def mahalanobis(
    values: np.ndarray | pd.DataFrame, use: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Squared Mahalanobis distances and their chi-square p-values.

    .. math::

        D_i^2 = (x_i - \bar x)^\top S^{-1} (x_i - \bar x), \qquad
        p_i = P(\chi^2_k > D_i^2)

    with ``k`` the number of columns, ``x̄`` and ``S`` (``n - 1`` denominator)
    estimated on the complete rows where ``use`` is true. Distances are returned
    for every complete row (NaN elsewhere). For complete data ``D^2`` equals R's
    ``psych::outlier(x, plot = FALSE)`` and ``p`` equals
    ``pchisq(D2, df = ncol(x), lower.tail = FALSE)``. The data are read in row
    blocks, so a frame of small integer columns is never converted whole.

    Parameters
    ----------
    values
        ``(n, k)`` array or frame (NaN or ``<NA>`` = missing).
    use
        Boolean mask of the rows that estimate the mean and covariance (default: all).

    Returns
    -------
    (d2, p)
        Float arrays of length n.

    References
    ----------
    Mahalanobis, P. C. (1936). On the generalised distance in statistics.
    *Proceedings of the National Institute of Sciences of India*, 2, 49-55.
    Revelle, W. (2024). *psych: Procedures for Psychological, Psychometric, and
    Personality Research*, function ``outlier``. R package.

    Examples
    --------
    Four corners of a square and its centre: the covariance is the identity, so
    each corner is at ``D^2 = 1 + 1 = 2`` and the centre at 0:

    >>> x = np.array([[0, 0], [0, 2], [2, 0], [2, 2], [1, 1]], dtype=float)
    >>> d2, p = mahalanobis(x)
    >>> d2.round(6).tolist()
    [2.0, 2.0, 2.0, 2.0, 0.0]
    >>> round(float(p[0]), 6)  # P(chi2 with 2 df > 2) = exp(-1)
    0.367879
    """
    n, k = values.shape
    d2 = np.full(n, np.nan)
    p = np.full(n, np.nan)
    if k == 0 or n == 0:
        return d2, p
    use = np.ones(n, dtype=bool) if use is None else np.asarray(use, dtype=bool)
    complete = np.zeros(n, dtype=bool)
    # one pass: sums and cross-products about a shift (the first block's mean) for accuracy
    shift: np.ndarray | None = None
    total = np.zeros(k)
    cross = np.zeros((k, k))
    m = 0
    for start in range(0, n, _BLOCK):
        block = _row_block(values, start)
        ok = ~np.isnan(block).any(axis=1)
        complete[start : start + len(block)] = ok
        rows = block[ok & use[start : start + len(block)]]
        if not len(rows):
            continue
        if shift is None:
            shift = rows.mean(axis=0)
        c = rows - shift
        total += c.sum(axis=0)
        cross += c.T @ c
        m += len(rows)
    if shift is None or m <= k + 1:
        return d2, p
    centre = total / m
    cov = (cross - m * np.outer(centre, centre)) / (m - 1)
    mu = shift + centre
    inv = np.linalg.pinv(cov)
    for start in range(0, n, _BLOCK):
        rows = complete[start : start + _BLOCK]
        if not rows.any():
            continue
        diff = _row_block(values, start)[rows] - mu
        d2[start + np.flatnonzero(rows)] = ((diff @ inv) * diff).sum(axis=1)
    p[complete] = stats.chi2.sf(d2[complete], df=k)
    return d2, p
