"""Panel checks and the change log of panel preparation.

:func:`check_panel` refuses anything but a tidy long panel (one row per unit
and period); :func:`panel_shape` reports size and balance; :func:`period_index`
places periods on the panel's time axis (integer periods as they are, any other
type on the grid of the distinct periods observed); :class:`PrepReport` is the
log of every cell a preparation step changed and every row it dropped.

References
----------
Baltagi, B. H. (2021). *Econometric analysis of panel data* (6th ed.),
ch. 9 (unbalanced panels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.errors import DataError

__all__ = ["PanelShape", "PrepReport", "check_panel", "panel_shape", "period_index"]

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
