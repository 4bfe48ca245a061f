"""Pieces shared by the panel estimators.

Used by :mod:`smekit.analysis.did` and :mod:`smekit.analysis.gmm`.
"""

from __future__ import annotations

import pandas as pd


class EstimatesView:
    """``params``, ``bse`` and ``to_frame()`` of a result that holds an ``estimates`` field."""

    @property
    def params(self) -> pd.Series:
        return self.estimates.params  # type: ignore[attr-defined]

    @property
    def bse(self) -> pd.Series:
        return self.estimates.bse  # type: ignore[attr-defined]

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.to_frame()  # type: ignore[attr-defined]
