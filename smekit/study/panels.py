"""``panels:`` section of study.yaml (panel, index and policy-evaluation analyses)."""

from __future__ import annotations

from smekit.study.base import Strict as _Strict


class PanelsConfig(_Strict):
    """``panels:`` — panel data files for the panel and policy-evaluation analyses."""

    s2: str | None = None
    s3: str | None = None
