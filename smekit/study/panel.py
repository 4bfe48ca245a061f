"""``panels.s2``: a unit x period panel analysed with indices and panel models (S2)."""

from __future__ import annotations

from smekit.study.base import Strict as _Strict


class PanelStudyConfig(_Strict):
    """Settings of the S2-type panel analysis."""

    data: str
    unit: str = "province_id"
    time: str = "year"
