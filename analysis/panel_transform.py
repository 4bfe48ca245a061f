"""Panel data transforms: interpolation, long-gap units, winsorising, logs, lags and leads.

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
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.panel_checks import PrepReport, _report, check_panel, period_index
from smekit.core.errors import DataError

__all__ = [
    "add_lags",
    "drop_long_gaps",
    "interpolate_within_unit",
    "lag",
    "lead",
    "log_columns",
    "winsorize_by_period",
]


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
