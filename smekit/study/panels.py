"""``panels:`` section of study.yaml: the panel, index and policy-evaluation analyses.

``panels.s2`` is a provincial panel analysed as in S2 (indices, two-way fixed
effects, IV, GMM, mediation, heterogeneity; :mod:`smekit.study.panel`);
``panels.s3`` is a policy-evaluation panel analysed as in S3
(difference-in-differences, event study, placebo, PSM-DiD; :mod:`smekit.study.did`).
A plain path is short for ``{data: PATH}`` with every other key at its default.
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from smekit.study.base import Strict as _Strict
from smekit.study.did import DidStudyConfig
from smekit.study.panel import PanelStudyConfig


def _path_shorthand(v: Any) -> Any:
    return {"data": v} if isinstance(v, str) else v


class PanelsConfig(_Strict):
    """``panels:`` — panel data analyses."""

    s2: PanelStudyConfig | None = None
    s3: DidStudyConfig | None = None

    @field_validator("s2", "s3", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return _path_shorthand(v)
