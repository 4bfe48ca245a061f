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

from smekit.core.errors import DataError
from smekit.core.threads import map_in_threads
from smekit.survey.descriptives import json_ready
from smekit.survey.instrument import Instrument, ItemType
from smekit.survey.mahalanobis import mahalanobis
from smekit.survey.problem_table import (
    PROBLEM_COLUMNS,
    problem_rows,
    problem_table,
    text_column,
)
from smekit.survey.quality_rules import (
    _cell_problems,
    _relevance,
    id_groups,
    is_number_column,
    longest_run,
    relevance_mask,
    to_float,
    with_missing,
)

__all__ = [
    "PROBLEM_COLUMNS",
    "IncompleteRule",
    "MahalanobisRule",
    "QualityReport",
    "QualityRules",
    "SpeederRule",
    "StraightliningRule",
    "check_quality",
    "is_number_column",
    "longest_run",
    "mahalanobis",
    "relevance_mask",
    "to_float",
    "with_missing",
]


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


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true, renumbered from 0.

    Each column is filtered on its own, side by side: the same table as
    ``frame.loc[keep].reset_index(drop=True)``, without going through row positions.
    """
    if not frame.columns.is_unique:
        return frame.loc[keep].reset_index(drop=True)
    names = list(frame.columns)
    arrays = map_in_threads(lambda name: frame[name].array[keep], names)
    return pd.DataFrame(dict(zip(names, arrays, strict=True)), columns=frame.columns, copy=False)


def _texts(values: np.ndarray) -> pd.Series:
    """An object array of strings (mostly the same few) as a text column."""
    codes, uniques = pd.factorize(values)
    return text_column(codes, [str(u) for u in uniques])


def _header_problem(source: str, column: str, rule: str, message: str) -> dict[str, Any]:
    return problem_rows(file=source, row=1, column=column, value="", rule=rule, message=message)


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
    problems: list[pd.DataFrame | dict[str, Any]] = []
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
            reasons = why_missing.get(item_id)
            if not reasons:
                problems.append(
                    problem_rows(
                        file=source,
                        row=rownum[idx],
                        column=item_id,
                        value="",
                        rule="missing_required",
                        message="required item not answered",
                    )
                )
                continue
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
        dup_all, later = id_groups(ids)
        if dup_all.any():
            idx = np.flatnonzero(dup_all)
            problems.append(
                problem_rows(
                    file=source,
                    row=rownum[idx],
                    column=id_column,
                    value=ids.iloc[idx].astype(str).to_numpy(),
                    rule="duplicate_id",
                    message="respondent id appears more than once (first copy kept)",
                )
            )
        if rules.drop_duplicate_ids:
            duplicate = later

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
            "attention_failed_items": _texts(failed_items) if attention.any() else "",
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
    excluded_rows = np.flatnonzero(excluded_mask)
    reasons, first = [], []
    for i in excluded_rows:  # only excluded rows get text
        applied = [labels[j] for j in np.flatnonzero(hits[i])]
        reasons.append("; ".join(applied))
        first.append(applied[0])
    flags["excluded"] = excluded_mask
    # one code per row into the distinct reasons ("" for the rows kept)
    distinct = ["", *dict.fromkeys(reasons)]
    codes = np.zeros(n, dtype=np.int32)
    codes[excluded_rows] = pd.Index(distinct).get_indexer(reasons)
    flags["reasons"] = text_column(codes, distinct)
    exclusions = pd.DataFrame(
        {
            "row": rownum[excluded_mask],
            "id": ids[excluded_mask].reset_index(drop=True),
            "reasons": pd.Series(reasons, dtype="str"),
            "first_reason": pd.Series(first, dtype="str"),
        }
    )
    if excluded_mask.any():
        kept = _rows(clean, ~excluded_mask)
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
        problems=problem_table(problems),
        rules=rules,
    )
