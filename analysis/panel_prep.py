"""Panel data preparation: check a panel, then drop long-gap units, interpolate, winsorise, log.

:func:`prepare_panel` runs the steps of the S3 protocol in order and returns a
:class:`PreparedPanel` with the change log. The checks and the change log live
in :mod:`smekit.analysis.panel_checks`, the single steps (and gap-aware lags
and leads) in :mod:`smekit.analysis.panel_transform`; both are importable from
here. Conventions and references are in those modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from smekit.analysis.panel_checks import (
    PanelShape,
    PrepReport,
    check_panel,
    panel_shape,
    period_index,
)
from smekit.analysis.panel_transform import (
    add_lags,
    drop_long_gaps,
    interpolate_within_unit,
    lag,
    lead,
    log_columns,
    winsorize_by_period,
)

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
