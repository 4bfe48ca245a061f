"""Panel data preparation: checks, interpolation, long-gap units, winsorising, logs, lags.

Every function takes a tidy long panel (one row per unit and period) and
returns a new frame together with a :class:`PrepReport` listing every cell it
changed and every row it dropped, with the reason. The input frame is never
modified.

Conventions
-----------
* ``unit`` and ``time`` name the panel identifiers. Integer periods (years,
  quarters numbered 1, 2, ...) are used as they are: the period before 2015
  is 2014, whether or not a row for 2014 exists. Any other period type
  (dates, strings) is placed on the grid of the distinct periods observed in
  the whole panel (``period_index``).
* *Gap-aware* lags and leads: the lag of ``x`` at ``(i, t)`` is ``x`` at
  ``(i, t - k)`` when that row exists and missing otherwise; it is never the
  previous *row*, so an unbalanced panel gets no spurious lag.
* Linear interpolation fills a missing cell only between two observed values
  of the same unit (no extrapolation beyond a unit's first or last observed
  value), linearly in the period.
* Winsorising is done within each period at the ``p`` and ``1 - p`` quantiles
  of that period's non-missing values.

References
----------
Cox, N. J. (2006). WINSOR: Stata module to Winsorize a variable. Statistical
Software Components S361402, Boston College (and ``winsor2``, Lian Yujun,
2014, S457765: ``winsor2 x, cuts(1 99) by(year)``).
Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in statistical packages.
*The American Statistician*, 50(4), 361-365 (quantile definitions: numpy's
``"linear"`` is R's type 7; ``"averaged_inverted_cdf"`` is type 2, Stata's
``_pctile`` used by ``winsor2``).
Baltagi, B. H. (2021). *Econometric analysis of panel data* (6th ed.),
ch. 9 (unbalanced panels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

__all__ = [
    "PanelShape",
    "PrepReport",
    "PreparedPanel",
    "add_lags",
    "check_panel",
    "drop_long_gaps",
    "interpolate_within_unit",
    "lag",
    "lead",
    "log_columns",
    "panel_shape",
    "period_index",
    "prepare_panel",
    "winsorize_by_period",
]

REPORT_COLUMNS = ["step", "unit", "time", "column", "action", "old", "new", "reason"]


# -- report --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrepReport:
    """Every cell changed and every row dropped by a preparation step.

    Attributes
    ----------
    changes
        One row per change: ``step`` (function), ``unit``, ``time``, ``column``
        (None for a dropped row), ``action`` (``"interpolated"``,
        ``"winsorized_low"``, ``"winsorized_high"``, ``"dropped_unit"``,
        ``"set_missing"``), ``old`` and ``new`` values, and ``reason`` in words.
    """

    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS))

    def __add__(self, other: PrepReport) -> PrepReport:
        parts = [f for f in (self.changes, other.changes) if len(f)]
        if not parts:
            return PrepReport()
        return PrepReport(pd.concat(parts, ignore_index=True))

    @property
    def dropped_units(self) -> list[Any]:
        """Units removed from the panel (in order of first mention)."""
        c = self.changes
        return list(dict.fromkeys(c.loc[c["action"] == "dropped_unit", "unit"]))

    def counts(self) -> pd.DataFrame:
        """Number of changes per step, action and column."""
        c = self.changes.assign(column=self.changes["column"].fillna("<row>"))
        return c.groupby(["step", "action", "column"], sort=False).size().reset_index(name="n")

    def to_frame(self) -> pd.DataFrame:
        """The change log as a tidy frame (a copy)."""
        return self.changes.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts per action and the dropped units."""
        return {
            "n_changes": len(self.changes),
            "dropped_units": [_plain(u) for u in self.dropped_units],
            "counts": [
                {k: _plain(v) for k, v in r.items()} for r in self.counts().to_dict("records")
            ],
        }


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _report(rows: list[dict[str, Any]]) -> PrepReport:
    if not rows:
        return PrepReport()
    return PrepReport(pd.DataFrame(rows, columns=REPORT_COLUMNS))


# -- checks --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PanelShape:
    """Size and balance of a panel.

    Attributes
    ----------
    n_rows, n_units, n_periods
        Rows, distinct units and distinct periods.
    balanced
        True when every unit has a row for every period.
    missing_rows
        Unit-period pairs with no row (unit, time), empty when balanced.
    """

    n_rows: int
    n_units: int
    n_periods: int
    balanced: bool
    missing_rows: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "balanced": self.balanced,
            "n_missing_rows": len(self.missing_rows),
        }


def check_panel(frame: pd.DataFrame, unit: str, time: str, *, source: str | None = None) -> None:
    """Raise a :class:`~smekit.core.errors.DataError` unless ``frame`` is a long panel.

    Checks that ``unit`` and ``time`` exist, have no missing values, and that no
    unit-period pair occurs twice (the error names the first duplicated pairs
    and their row numbers, counting the header as row 1 as a spreadsheet does).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 2], "year": [2020, 2020, 2020]})
    >>> try:
    ...     check_panel(d, "id", "year")
    ... except DataError as e:
    ...     print(e.what)
    duplicated unit-period rows: id=1, year=2020 (rows 2, 3)
    """
    where = source or "<data>"
    for col in (unit, time):
        if col not in frame.columns:
            raise DataError(
                f"panel column {col!r} not found", where=where, fix=f"columns: {list(frame)[:20]}"
            )
        bad = frame[col].isna().to_numpy()
        if bad.any():
            rows = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad)[:5])
            raise DataError(f"missing {col!r} in rows {rows}", where=where)
    dup = _duplicated(frame, unit, time)
    if dup.any():
        d = frame.loc[dup, [unit, time]].reset_index(drop=True)
        d["_row"] = np.flatnonzero(dup) + 2
        parts = []
        for (u, t), g in list(d.groupby([unit, time], sort=False))[:5]:
            rows = ", ".join(str(r) for r in g["_row"])
            parts.append(f"{unit}={u}, {time}={t} (rows {rows})")
        more = d.groupby([unit, time]).ngroups - len(parts)
        tail = f" and {more} more" if more > 0 else ""
        raise DataError(
            f"duplicated unit-period rows: {'; '.join(parts)}{tail}",
            where=source,
            fix="keep one row per unit and period" if source else None,
        )


def _duplicated(frame: pd.DataFrame, unit: str, time: str) -> np.ndarray:
    """Boolean mask of rows whose unit-period pair occurs more than once (all copies)."""
    cu, units = pd.factorize(frame[unit])
    ct, periods = pd.factorize(frame[time])
    key = cu.astype(np.int64) * len(periods) + ct
    n_cells = len(units) * len(periods)
    if n_cells <= 8 * max(len(key), 1):
        return np.bincount(key, minlength=n_cells)[key] > 1
    order = np.argsort(key, kind="stable")
    sk = key[order]
    same = np.r_[False, sk[1:] == sk[:-1]]
    dup_sorted = same | np.r_[same[1:], False]
    out = np.empty(len(key), dtype=bool)
    out[order] = dup_sorted
    return out


def panel_shape(frame: pd.DataFrame, unit: str, time: str) -> PanelShape:
    """Size and balance of a panel (see :class:`PanelShape`).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 2], "t": [1, 2, 1]})
    >>> s = panel_shape(d, "id", "t")
    >>> s.balanced, s.missing_rows.values.tolist()
    (False, [[2, 2]])
    """
    cu, units = pd.factorize(frame[unit])
    ct, periods = pd.factorize(frame[time], sort=True)
    n_cells = len(units) * len(periods)
    key = cu.astype(np.int64) * len(periods) + ct
    if n_cells <= 8 * max(len(key), 1):
        n_distinct = int(np.count_nonzero(np.bincount(key, minlength=n_cells)))
    else:
        sk = np.sort(key)
        n_distinct = int(len(sk) > 0) + int(np.count_nonzero(np.diff(sk)))
    if n_distinct == n_cells:
        missing = pd.DataFrame({unit: [], time: []})
    else:
        full = pd.MultiIndex.from_product([units, periods], names=[unit, time])
        have = pd.MultiIndex.from_frame(frame[[unit, time]])
        missing = full.difference(have).to_frame(index=False)
    return PanelShape(
        n_rows=len(frame),
        n_units=len(units),
        n_periods=len(periods),
        balanced=n_distinct == n_cells,
        missing_rows=missing,
    )


def period_index(times: pd.Series, reference: pd.Series | None = None) -> np.ndarray:
    """Integer position of each period on the panel's time axis.

    Integer periods are returned as they are; any other type is mapped to its
    rank among the distinct values of ``reference`` (default ``times``).

    Examples
    --------
    >>> import pandas as pd
    >>> period_index(pd.Series([2013, 2015])).tolist()
    [2013, 2015]
    >>> period_index(pd.Series(["2020Q2", "2020Q1"])).tolist()
    [1, 0]
    """
    if pd.api.types.is_integer_dtype(times) or (
        pd.api.types.is_float_dtype(times) and np.all(np.mod(times.dropna().to_numpy(), 1) == 0)
    ):
        return times.to_numpy().astype(np.int64)
    ref = times if reference is None else reference
    grid = np.sort(pd.unique(ref.dropna()))
    pos = np.searchsorted(grid, times.to_numpy())
    return pos.astype(np.int64)


def _numeric(frame: pd.DataFrame, columns: Sequence[str], step: str) -> list[str]:
    cols = list(columns)
    for c in cols:
        if c not in frame.columns:
            raise DataError(f"{step}: column {c!r} not found", fix=f"columns: {list(frame)[:20]}")
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise DataError(f"{step}: column {c!r} is not numeric ({frame[c].dtype})")
    return cols


def _sorted(frame: pd.DataFrame, unit: str, time: str) -> pd.DataFrame:
    out = frame.copy()
    out["_period"] = period_index(out[time])
    return out.sort_values([unit, "_period"], kind="stable")


# -- interpolation -------------------------------------------------------------------------
def interpolate_within_unit(
    frame: pd.DataFrame, unit: str, time: str, columns: Sequence[str]
) -> tuple[pd.DataFrame, PrepReport]:
    """Fill interior missing values by linear interpolation in the period, unit by unit.

    For a missing ``x_{it}`` with observed neighbours ``x_{i a}`` (a < t) and
    ``x_{i b}`` (b > t) of the same unit,

    .. math:: x_{it} = x_{ia} + (x_{ib} - x_{ia}) (t - a) / (b - a).

    Cells before a unit's first or after its last observed value stay missing.
    Integer columns that receive fractional values become floats.

    Returns
    -------
    (frame, report)
        The filled frame in the input's row order, and one report row per
        filled cell (``action="interpolated"``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1, 1], "t": [1, 2, 4, 5], "x": [1.0, None, None, 5.0]})
    >>> out, rep = interpolate_within_unit(d, "id", "t", ["x"])
    >>> out["x"].tolist()
    [1.0, 2.0, 4.0, 5.0]
    >>> len(rep.changes)
    2
    """
    cols = _numeric(frame, columns, "interpolate")
    s = _sorted(frame, unit, time)
    out = frame.copy()
    rows: list[dict[str, Any]] = []
    codes = pd.factorize(s[unit])[0]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(s)]
    x_all = s["_period"].to_numpy(dtype=float)
    for c in cols:
        v = s[c].to_numpy(dtype=float, na_value=np.nan)
        filled = v.copy()
        for a, b in zip(starts, ends, strict=True):
            seg = v[a:b]
            miss = np.isnan(seg)
            if not miss.any() or miss.all():
                continue
            obs = np.flatnonzero(~miss)
            inner = np.flatnonzero(miss)
            inner = inner[(inner > obs[0]) & (inner < obs[-1])]
            if len(inner) == 0:
                continue
            xs = x_all[a:b]
            filled[a + inner] = np.interp(xs[inner], xs[obs], seg[obs])
        changed = np.flatnonzero(np.isnan(v) & ~np.isnan(filled))
        if len(changed) == 0:
            continue
        idx = s.index[changed]
        if pd.api.types.is_integer_dtype(out[c]) and not np.all(np.mod(filled[changed], 1) == 0):
            out[c] = out[c].astype("float64")
        out.loc[idx, c] = filled[changed]
        for i, val in zip(idx, filled[changed], strict=True):
            rows.append(
                {
                    "step": "interpolate",
                    "unit": frame.at[i, unit],
                    "time": frame.at[i, time],
                    "column": c,
                    "action": "interpolated",
                    "old": np.nan,
                    "new": float(val),
                    "reason": "linear interpolation between the unit's neighbouring periods",
                }
            )
    return out, _report(rows)


# -- long gaps -----------------------------------------------------------------------------
def _longest_run(missing: np.ndarray) -> int:
    best = run = 0
    for m in missing:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def drop_long_gaps(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    columns: Sequence[str],
    max_gap: int = 3,
) -> tuple[pd.DataFrame, PrepReport]:
    """Drop every unit with more than ``max_gap`` consecutive missing periods in any column.

    A period counts as missing for a column when the unit's row for it has a
    missing value or when the row is absent, on the grid of all periods the
    panel observes between the unit's first and last row.

    Returns
    -------
    (frame, report)
        The kept rows, and one report row per dropped row
        (``action="dropped_unit"``, the column and run length in ``reason``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1] * 6 + [2] * 6, "t": list(range(6)) * 2,
    ...                   "y": [1, None, None, None, None, 6] + [1, None, 3, 4, 5, 6]})
    >>> out, rep = drop_long_gaps(d, "id", "t", ["y"], max_gap=3)
    >>> sorted(out["id"].unique().tolist()), rep.dropped_units
    ([2], [1])
    """
    cols = _numeric(frame, columns, "drop_long_gaps")
    if max_gap < 0:
        raise DataError(f"max_gap must be >= 0, got {max_gap}")
    periods = period_index(frame[time])
    grid = np.sort(np.unique(periods))
    integer = pd.api.types.is_integer_dtype(frame[time]) or pd.api.types.is_float_dtype(frame[time])
    drop: dict[Any, str] = {}
    for u, g in frame.assign(_p=periods).groupby(unit, sort=False):
        span = (
            np.arange(g["_p"].min(), g["_p"].max() + 1)
            if integer
            else grid[(grid >= g["_p"].min()) & (grid <= g["_p"].max())]
        )
        if integer:
            span = span[np.isin(span, grid)]
        ordered = g.set_index("_p").reindex(span)
        for c in cols:
            run = _longest_run(ordered[c].isna().to_numpy())
            if run > max_gap:
                drop[u] = f"{run} consecutive missing periods in {c!r} (more than {max_gap})"
                break
    mask = frame[unit].isin(list(drop)).to_numpy()
    rows = [
        {
            "step": "drop_long_gaps",
            "unit": frame.at[i, unit],
            "time": frame.at[i, time],
            "column": None,
            "action": "dropped_unit",
            "old": np.nan,
            "new": np.nan,
            "reason": drop[frame.at[i, unit]],
        }
        for i in frame.index[mask]
    ]
    return frame.loc[~mask].copy(), _report(rows)


# -- winsorising ---------------------------------------------------------------------------
def winsorize_by_period(
    frame: pd.DataFrame,
    time: str | None,
    columns: Sequence[str],
    p: float = 0.01,
    *,
    unit: str | None = None,
    method: str = "linear",
) -> tuple[pd.DataFrame, PrepReport]:
    """Winsorise columns at the ``p`` and ``1 - p`` quantiles within each period.

    .. math:: x^w_{it} = \\min(\\max(x_{it}, q_t(p)), q_t(1 - p))

    where ``q_t`` is the quantile function of the period-``t`` values
    (missing values ignored). ``time=None`` winsorises over the pooled sample.

    Parameters
    ----------
    frame
        Long panel.
    time
        Period column (quantiles within period), or None for pooled quantiles.
    columns
        Numeric columns to winsorise.
    p
        Tail share, ``0 <= p < 0.5`` (default 0.01: the 1st and 99th percentiles).
    unit
        Unit column, only to name units in the report.
    method
        Quantile definition passed to :func:`numpy.quantile` (``"linear"``,
        R type 7; ``"averaged_inverted_cdf"``, Stata ``_pctile`` as in ``winsor2``).

    Returns
    -------
    (frame, report)
        Winsorised frame, and one report row per clipped cell.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1] * 5, "x": [0.0, 1.0, 2.0, 3.0, 100.0]})
    >>> out, rep = winsorize_by_period(d, "t", ["x"], p=0.25)
    >>> out["x"].tolist(), rep.changes["action"].tolist()
    ([1.0, 1.0, 2.0, 3.0, 3.0], ['winsorized_low', 'winsorized_high'])
    """
    if not 0.0 <= p < 0.5:
        raise DataError(f"winsorise: p must be in [0, 0.5), got {p}")
    cols = _numeric(frame, columns, "winsorize")
    out = frame.copy()
    rows: list[dict[str, Any]] = []
    if p == 0.0:
        return out, PrepReport()
    groups = (
        [(None, frame.index)] if time is None else frame.groupby(time, sort=True).groups.items()
    )
    for c in cols:
        if pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype("float64")
        for t, idx in groups:
            v = frame.loc[idx, c].to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(v)
            if ok.sum() < 2:
                continue
            lo, hi = np.quantile(v[ok], [p, 1.0 - p], method=method)
            w = np.clip(v, lo, hi)
            changed = ok & (w != v)
            if not changed.any():
                continue
            cidx = np.asarray(idx)[changed]
            out.loc[cidx, c] = w[changed]
            where = "pooled" if time is None else f"{time}={t}"
            for i, old, new in zip(cidx, v[changed], w[changed], strict=True):
                low = old < lo
                rows.append(
                    {
                        "step": "winsorize",
                        "unit": frame.at[i, unit] if unit else None,
                        "time": frame.at[i, time] if time else None,
                        "column": c,
                        "action": "winsorized_low" if low else "winsorized_high",
                        "old": float(old),
                        "new": float(new),
                        "reason": (
                            f"{'below' if low else 'above'} the "
                            f"{100 * (p if low else 1 - p):g}th percentile ({where})"
                        ),
                    }
                )
    return out, _report(rows)


# -- logs ----------------------------------------------------------------------------------
def log_columns(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    shift: float = 0.0,
    prefix: str = "ln_",
    nonpositive: str = "error",
    unit: str | None = None,
    time: str | None = None,
) -> tuple[pd.DataFrame, PrepReport]:
    """Add ``prefix + column = log(column + shift)`` for each column.

    Parameters
    ----------
    shift
        Added before the log (e.g. 1 for counts with zeros); stated in the report.
    prefix
        Name prefix of the new columns (``""`` replaces the column in place).
    nonpositive
        ``"error"`` (default): raise, naming the rows where ``x + shift <= 0``;
        ``"missing"``: set those cells missing and report each one.
    unit, time
        Identifier columns, only to name rows in the report.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"pat": [0, 9]})
    >>> out, _ = log_columns(d, ["pat"], shift=1)
    >>> out["ln_pat"].round(4).tolist()
    [0.0, 2.3026]
    """
    cols = _numeric(frame, columns, "log")
    if nonpositive not in ("error", "missing"):
        raise DataError(f"nonpositive must be 'error' or 'missing', got {nonpositive!r}")
    out = frame.copy()
    rows: list[dict[str, Any]] = []
    for c in cols:
        v = frame[c].to_numpy(dtype=float, na_value=np.nan) + shift
        bad = ~np.isnan(v) & (v <= 0)
        if bad.any():
            if nonpositive == "error":
                first = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad)[:5])
                raise DataError(
                    f"log of {c!r}: {int(bad.sum())} values with {c} + {shift:g} <= 0 "
                    f"(rows {first})",
                    fix="pass a shift or nonpositive='missing'",
                )
            for i in frame.index[bad]:
                rows.append(
                    {
                        "step": "log",
                        "unit": frame.at[i, unit] if unit else None,
                        "time": frame.at[i, time] if time else None,
                        "column": c,
                        "action": "set_missing",
                        "old": float(frame.at[i, c]),
                        "new": np.nan,
                        "reason": f"log undefined: {c} + {shift:g} <= 0",
                    }
                )
        with np.errstate(divide="ignore", invalid="ignore"):
            out[prefix + c] = np.where(bad, np.nan, np.log(np.where(bad, 1.0, v)))
    return out, _report(rows)


# -- lags and leads ------------------------------------------------------------------------
def lag(frame: pd.DataFrame, unit: str, time: str, column: str, k: int = 1) -> pd.Series:
    """Gap-aware lag: ``x`` of the same unit ``k`` periods earlier (missing if no such row).

    Negative ``k`` gives a lead. The result is aligned with ``frame``'s index.

    Raises
    ------
    DataError
        If a unit-period pair occurs twice.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1], "t": [2001, 2002, 2004], "x": [1.0, 2.0, 4.0]})
    >>> lag(d, "id", "t", "x").tolist()
    [nan, 1.0, nan]
    >>> lead(d, "id", "t", "x").tolist()
    [2.0, nan, nan]
    """
    check_panel(frame, unit, time)
    if column not in frame.columns:
        raise DataError(f"lag: column {column!r} not found")
    p = period_index(frame[time])
    key = pd.MultiIndex.from_arrays([frame[unit].to_numpy(), p])
    values = pd.Series(frame[column].to_numpy(), index=key)
    want = pd.MultiIndex.from_arrays([frame[unit].to_numpy(), p - int(k)])
    out = values.reindex(want).to_numpy()
    return pd.Series(out, index=frame.index, name=f"L{k}.{column}" if k >= 0 else f"F{-k}.{column}")


def lead(frame: pd.DataFrame, unit: str, time: str, column: str, k: int = 1) -> pd.Series:
    """Gap-aware lead: ``x`` of the same unit ``k`` periods later (see :func:`lag`)."""
    s = lag(frame, unit, time, column, -int(k))
    return s.rename(f"F{k}.{column}")


def add_lags(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    columns: Sequence[str],
    lags: Sequence[int] = (1,),
    *,
    template: str = "L{k}_{col}",
) -> pd.DataFrame:
    """Add gap-aware lags (positive ``k``) and leads (negative ``k``) as new columns.

    Column names follow ``template`` (default ``L1_x``; leads ``F1_x``), names
    that pandas formulas and pyfixest accept.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1], "t": [1, 2], "x": [5.0, 6.0]})
    >>> add_lags(d, "id", "t", ["x"], lags=(1, -1))[["L1_x", "F1_x"]].values.tolist()
    [[nan, 6.0], [5.0, nan]]
    """
    out = frame.copy()
    for c in columns:
        for k in lags:
            name = (
                template.format(k=k, col=c)
                if k >= 0
                else template.replace("L{k}", "F{k}").format(k=-k, col=c)
            )
            out[name] = lag(frame, unit, time, c, k).to_numpy()
    return out


# -- pipeline ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedPanel:
    """A prepared panel and the log of what preparation did to it.

    Attributes
    ----------
    data
        The prepared frame (rows of dropped units removed).
    report
        Every change and drop (:class:`PrepReport`).
    shape_before, shape_after
        :class:`PanelShape` of the input and the output.
    """

    data: pd.DataFrame
    report: PrepReport
    shape_before: PanelShape
    shape_after: PanelShape

    def to_frame(self) -> pd.DataFrame:
        """The change log."""
        return self.report.to_frame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.shape_before.to_dict(),
            "after": self.shape_after.to_dict(),
            **self.report.to_dict(),
        }


def prepare_panel(
    frame: pd.DataFrame,
    unit: str,
    time: str,
    *,
    interpolate: Sequence[str] = (),
    max_gap: int | None = 3,
    winsorize: Sequence[str] = (),
    p: float = 0.01,
    log: Sequence[str] = (),
    log_shift: float = 0.0,
    source: str | None = None,
) -> PreparedPanel:
    """Check a panel, then drop long-gap units, interpolate, winsorise by period and log.

    The steps run in that order (the S3 protocol: a unit with more than
    ``max_gap`` consecutive missing periods is dropped before interpolating
    the rest; winsorising uses the interpolated values; logs come last and
    are added as ``ln_<column>``).

    Parameters
    ----------
    frame
        Long panel, one row per unit and period (checked by :func:`check_panel`).
    unit, time
        Identifier columns.
    interpolate
        Columns to interpolate within unit (and to check for long gaps).
    max_gap
        Largest run of consecutive missing periods a unit may have; None skips the check.
    winsorize, p
        Columns winsorised within period at ``p`` and ``1 - p``.
    log, log_shift
        Columns to log, and the shift added first.
    source
        File name for error messages.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"id": [1, 1, 1], "t": [1, 2, 3], "x": [1.0, None, 3.0]})
    >>> prep = prepare_panel(d, "id", "t", interpolate=["x"], log=["x"])
    >>> prep.data["x"].tolist(), prep.report.counts()["n"].tolist()
    ([1.0, 2.0, 3.0], [1])
    """
    check_panel(frame, unit, time, source=source)
    before = panel_shape(frame, unit, time)
    report = PrepReport()
    out = frame
    if max_gap is not None and interpolate:
        out, r = drop_long_gaps(out, unit, time, interpolate, max_gap=max_gap)
        report = report + r
    if interpolate:
        out, r = interpolate_within_unit(out, unit, time, interpolate)
        report = report + r
    if winsorize:
        out, r = winsorize_by_period(out, time, winsorize, p, unit=unit)
        report = report + r
    if log:
        out, r = log_columns(out, log, shift=log_shift, unit=unit, time=time)
        report = report + r
    out = out.copy()
    return PreparedPanel(out, report, before, panel_shape(out, unit, time))
