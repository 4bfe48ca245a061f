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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from smekit.survey import conditions
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
        return self.flags


def _problems(rows: list[pd.DataFrame]) -> pd.DataFrame:
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    out = pd.concat(rows, ignore_index=True)[PROBLEM_COLUMNS]
    return out.sort_values(["row", "column"], kind="stable", na_position="first").reset_index(
        drop=True
    )


def relevance_mask(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Boolean frame: whether each item applies to each respondent (relevance conditions)."""
    mc = instrument.multiple_choice_ids
    out = {}
    for item in instrument.iter_items():
        if item.relevant and all(n in data.columns for n in conditions.names(item.relevant)):
            out[item.id] = conditions.evaluate(item.relevant, data, mc).to_numpy()
        else:
            out[item.id] = np.ones(len(data), dtype=bool)
    return pd.DataFrame(out, index=data.index)


def _bad_tokens(col: pd.Series, allowed: set[str]) -> np.ndarray:
    """Rows of a multiple-choice column holding a code outside ``allowed``."""
    tokens = col.astype("string").str.split()
    return tokens.map(
        lambda xs: isinstance(xs, list) and any(t not in allowed for t in xs)
    ).to_numpy(dtype=bool)


def _cell_problems(
    data: pd.DataFrame,
    instrument: Instrument,
    row_numbers: np.ndarray,
    source: str,
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """Find wrong types and out-of-range values; return problems and a cleaned copy."""
    clean = data.copy()
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
        if item.id not in data.columns:
            continue
        col = data[item.id]
        if item.type == ItemType.text:
            continue
        if item.type == ItemType.multiple_choice:
            allowed = {str(c) for c in instrument.codes(item)}
            bad = _bad_tokens(col, allowed)
            add(bad, item.id, col, "out_of_range", f"codes must be among {sorted(allowed)}")
            continue
        num = pd.to_numeric(col, errors="coerce")
        wrong = (num.isna() & col.notna()).to_numpy()
        add(wrong, item.id, col, "wrong_type", "expected a number")
        num_np = num.to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(num_np)
        if item.type in (ItemType.likert, ItemType.single_choice):
            codes = np.asarray(instrument.codes(item), dtype=float)
            out = present & ~np.isin(num_np, codes)
            add(out, item.id, col, "out_of_range", f"allowed codes {codes.astype(int).tolist()}")
        else:
            out = np.zeros(len(col), dtype=bool)
            if item.type == ItemType.integer:
                frac = present & (np.floor(num_np) != num_np)
                add(frac, item.id, col, "wrong_type", "expected a whole number")
                out |= frac
            if item.min is not None:
                low = present & (num_np < item.min)
                add(low, item.id, col, "out_of_range", f"below the minimum {item.min:g}")
                out |= low
            if item.max is not None:
                high = present & (num_np > item.max)
                add(high, item.id, col, "out_of_range", f"above the maximum {item.max:g}")
                out |= high
        clean[item.id] = pd.Series(np.where(out | wrong, np.nan, num_np), index=data.index)
    return found, clean


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
) -> QualityReport:
    """Check responses against the instrument and apply the cleaning rules.

    Parameters
    ----------
    data
        Tidy responses keyed by item ids (from :func:`smekit.survey.responses.read_responses`).
    instrument
        The questionnaire the responses answer.
    rules
        Cleaning rules; defaults as documented on :class:`QualityRules`.
    id_column
        Respondent id column (duplicates are problems; later copies excluded).
    duration_column
        Completion time in seconds; without it the speeder rule is not applied.
    row_numbers
        File row number of each response (defaults to ``index + 2``: one header line).
    source
        File name used in the problems table.
    import_problems
        Problems reported by the importer, merged into the table.
    unknown_columns
        Columns that match no item (reported once each, as row 1).

    Returns
    -------
    QualityReport
        ``len(kept) + len(excluded) == len(data)`` always.
    """
    rules = rules or QualityRules()
    n = len(data)
    data = data.reset_index(drop=True)
    rownum = np.arange(n) + 2 if row_numbers is None else np.asarray(row_numbers, dtype=np.int64)
    problems: list[pd.DataFrame] = []
    if import_problems is not None and len(import_problems):
        problems.append(import_problems.reindex(columns=PROBLEM_COLUMNS))
    for col in unknown_columns or []:
        problems.append(
            pd.DataFrame(
                [
                    {
                        "file": source,
                        "row": 1,
                        "column": col,
                        "value": "",
                        "rule": "unknown_column",
                        "message": "column matches no item of the instrument (kept, not used)",
                    }
                ]
            )
        )
    missing_cols = [i.id for i in instrument.iter_items() if i.required and i.id not in data]
    for col in missing_cols:
        problems.append(
            pd.DataFrame(
                [
                    {
                        "file": source,
                        "row": 1,
                        "column": col,
                        "value": "",
                        "rule": "missing_column",
                        "message": "required item has no column in the file",
                    }
                ]
            )
        )
    relevant = relevance_mask(data.reindex(columns=list(instrument.items)), instrument)
    found, clean = _cell_problems(data, instrument, rownum, source)
    problems.extend(found)

    # -- missing required items (relevant only) -----------------------------
    required = [i.id for i in instrument.iter_items() if i.required]
    req_frame = clean.reindex(columns=required)
    is_missing = req_frame.isna().to_numpy() & relevant[required].to_numpy()
    applicable = relevant[required].to_numpy().sum(axis=1)
    n_missing = is_missing.sum(axis=1)
    r_idx, c_idx = np.nonzero(is_missing)
    if len(r_idx):
        problems.append(
            pd.DataFrame(
                {
                    "file": source,
                    "row": rownum[r_idx],
                    "column": np.asarray(required, dtype=object)[c_idx],
                    "value": "",
                    "rule": "missing_required",
                    "message": "required item not answered",
                }
            )
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        missing_share = np.where(applicable > 0, n_missing / np.maximum(applicable, 1), 0.0)

    # -- duplicate ids ---------------------------------------------------------
    duplicate = np.zeros(n, dtype=bool)
    ids = data[id_column] if id_column is not None and id_column in data else pd.Series(rownum)
    if id_column is not None and id_column in data:
        dup_all = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
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
            duplicate = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()

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
    longest, answered = longest_run(clean[likert].to_numpy(dtype=float))
    straight = np.zeros(n, dtype=bool)
    if rules.straightlining.enabled and likert:
        sl = rules.straightlining
        straight = (answered >= sl.min_items) & (longest >= sl.max_run_share * answered - 1e-9)

    # -- speeders ----------------------------------------------------------------
    duration = np.full(n, np.nan)
    speeder = np.zeros(n, dtype=bool)
    if duration_column is not None and duration_column in data:
        duration = pd.to_numeric(data[duration_column], errors="coerce").to_numpy(dtype=float)
        if rules.speeders.enabled and np.isfinite(duration).any():
            cutoff = rules.speeders.min_share_of_median * np.nanmedian(duration)
            speeder = np.isfinite(duration) & (duration < cutoff)

    # -- attention checks ----------------------------------------------------------
    attention = np.zeros(n, dtype=bool)
    failed_items = np.full(n, "", dtype=object)
    if rules.attention_checks:
        for item in instrument.attention_items:
            if item.id not in clean:
                continue
            v = clean[item.id].to_numpy(dtype=float)
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
        d2, pval = mahalanobis(clean[items].to_numpy(dtype=float), base)
        outlier = np.isfinite(pval) & (pval < rules.mahalanobis.alpha)

    flags = pd.DataFrame(
        {
            "row": rownum,
            "id": ids.to_numpy(),
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
            "id": ids.to_numpy()[excluded_mask],
            "reasons": reasons[excluded_mask],
            "first_reason": first[excluded_mask],
        }
    )
    kept = clean.loc[~excluded_mask].reset_index(drop=True)
    excluded = data.loc[excluded_mask].reset_index(drop=True)
    assert len(kept) + len(excluded) == n
    return QualityReport(
        kept=kept,
        excluded=excluded,
        flags=flags,
        exclusions=exclusions,
        problems=_problems(problems),
        rules=rules,
    )


def longest_run(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longest run of identical consecutive answers per row, ignoring missing answers.

    Parameters
    ----------
    values
        ``(n, k)`` float array of Likert answers (NaN = missing).

    Returns
    -------
    (longest, answered)
        Integer arrays of length n: the longest run and the number of answers.
    """
    n, k = values.shape
    longest = np.zeros(n, dtype=np.int64)
    answered = np.zeros(n, dtype=np.int64)
    run = np.zeros(n, dtype=np.int64)
    prev = np.full(n, np.nan)
    for j in range(k):  # one pass over the items; missing answers neither extend nor break a run
        v = values[:, j]
        present = ~np.isnan(v)
        same = present & (v == prev)
        run = np.where(same, run + 1, np.where(present, 1, run))
        prev = np.where(present, v, prev)
        answered += present
        np.maximum(longest, run, out=longest)
    return longest, answered


def mahalanobis(values: np.ndarray, use: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Squared Mahalanobis distances and chi-square p-values.

    Mean and covariance are estimated on complete rows where ``use`` is true;
    distances are returned for every complete row (NaN elsewhere).
    """
    n, k = values.shape
    d2 = np.full(n, np.nan)
    p = np.full(n, np.nan)
    complete = ~np.isnan(values).any(axis=1)
    base = complete & (use if use is not None else True)
    if k == 0 or base.sum() <= k + 1:
        return d2, p
    block = 65_536
    m = int(base.sum())
    total = np.zeros(k)
    for start in range(0, n, block):
        rows = base[start : start + block]
        total += values[start : start + block][rows].sum(axis=0)
    mu = total / m
    cross = np.zeros((k, k))
    for start in range(0, n, block):
        rows = base[start : start + block]
        c = values[start : start + block][rows] - mu
        cross += c.T @ c
    inv = np.linalg.pinv(cross / (m - 1))
    for start in range(0, n, block):
        rows = complete[start : start + block]
        diff = values[start : start + block][rows] - mu
        idx = start + np.flatnonzero(rows)
        d2[idx] = ((diff @ inv) * diff).sum(axis=1)
    p[complete] = stats.chi2.sf(d2[complete], df=k)
    return d2, p
