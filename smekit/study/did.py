"""``panels.s3``: a unit x period panel with a staggered or common policy adoption (S3)."""

from __future__ import annotations

from smekit.study.base import Strict as _Strict


class DidStudyConfig(_Strict):
    """Settings of the S3-type policy evaluation."""

    data: str
    unit: str = "city_id"
    time: str = "year"
