"""``benchmark:`` section of study.yaml: profiles of every firm against its peers."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, field_validator, model_validator

from smekit.study.base import Strict as _Strict

DEFAULT_PEER_LEVELS: list[list[str]] = [
    ["sector", "region", "size_band"],
    ["sector", "size_band"],
    ["sector"],
    [],
]


class BenchmarkConfig(_Strict):
    """``benchmark:`` — dimensions, peer levels, privacy threshold, index and the demo report.

    ``size_band`` in a peer level is derived from ``size_column`` (employee
    count) with ``size_edges``; every other level column is a profile item of
    the instrument (``sector``, ``region``, ...).
    """

    dimensions: list[str] | None = Field(
        None, description="Constructs to benchmark; default: every construct of the instrument"
    )
    peer_levels: list[list[str]] = Field(
        default_factory=lambda: [list(lv) for lv in DEFAULT_PEER_LEVELS],
        description="Peer levels, narrowest first; [] is all firms",
    )
    size_column: str = "employees"
    size_edges: list[int] = Field(default_factory=lambda: [10, 50, 250])
    min_group_size: int = Field(5, ge=2, description="No peer statistic from fewer firms")
    index: Literal["equal", "entropy", "pca"] = "equal"
    priority_gap: Literal["top_quartile", "median"] = "top_quartile"
    max_priorities: int = Field(3, ge=1, le=10)
    firm: str | None = Field(None, description="Firm whose report `smekit analyze` writes")
    reports: Literal["firm", "all", "none"] = "firm"

    @field_validator("peer_levels")
    @classmethod
    def _broader(cls, v: list[list[str]]) -> list[list[str]]:
        if not v:
            raise ValueError("give at least one peer level, e.g. [[sector], []]")
        for narrow, broad in itertools.pairwise(v):
            if not set(broad) < set(narrow):
                raise ValueError(
                    f"each peer level must be broader than the one before: {broad} "
                    f"does not drop columns from {narrow}"
                )
        return v

    @field_validator("size_edges")
    @classmethod
    def _edges(cls, v: list[int]) -> list[int]:
        if not v or sorted(set(v)) != v or v[0] < 1:
            raise ValueError("size_edges must be increasing positive integers, e.g. [10, 50, 250]")
        return v

    @model_validator(mode="after")
    def _dimensions(self) -> BenchmarkConfig:
        if self.dimensions is not None and len(self.dimensions) == 0:
            raise ValueError("dimensions: give at least one construct (or leave it out)")
        return self
