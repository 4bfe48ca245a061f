"""``panels.s3``: a unit x period panel with a staggered or common policy adoption (S3).

Every key has a default matching the demo's ``data/panel_s3.csv`` (285 cities,
2012-2022, ``treat`` marks the pilot cities and ``post`` the years from 2018);
a user's own panel overrides the column names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from smekit.study.base import Strict as _Strict
from smekit.study.panel_common import NBoot, Winsorize

_CONTROLS = ["gdp_pc", "fdi", "urbanisation", "industry_share", "internet", "finance"]


class PlaceboConfig(_Strict):
    """``panels.s3.placebo``: random reassignment draws (0 switches a kind off)."""

    units: int = 500
    times: int = 500
    times_sample: Literal["pre", "all"] = "pre"
    scheduler: str | None = None


class PsmConfig(_Strict):
    """``panels.s3.psm``: kernel propensity-score matching weights (Stata ``diff, kernel``)."""

    covariates: list[str] = Field(default_factory=lambda: [*_CONTROLS, "ip_protection"])
    model: Literal["probit", "logit"] = "probit"
    kernel: Literal["epanechnikov", "uniform", "triangular"] = "epanechnikov"
    bandwidth: float = 0.06
    support: bool = False

    @field_validator("bandwidth")
    @classmethod
    def _bw(cls, v: float) -> float:
        if not v > 0:
            raise ValueError("bandwidth must be positive")
        return v


class AlternativesConfig(_Strict):
    """``panels.s3.alternatives``: robustness specifications (null switches one off)."""

    drop_periods: list[int] | None = Field(default_factory=lambda: [2020, 2021, 2022])
    region_time: str | None = "region"
    alternative_outcome: str | None = "own_mean_ratio"


class SplitConfig(_Strict):
    """One heterogeneity split: a 0/1 column, or a numeric column split at its median."""

    column: str
    split: Literal["binary", "median"] = "binary"


class DidStudyConfig(_Strict):
    """Settings of the S3-type policy evaluation."""

    data: str
    unit: str = "city_id"
    time: str = "year"
    outcome: str = "trade_resilience"
    treat: str = "treat"
    post: str | None = "post"
    cohort: str | None = None
    controls: list[str] = Field(default_factory=lambda: list(_CONTROLS))
    cluster: str | None = None
    # data preparation
    interpolate: bool = True
    max_gap: int = 3
    winsorize: Winsorize = 0.01
    # analyses
    event_study: bool = True
    cs: bool = True
    cs_control: Literal["never", "notyet"] = "never"
    placebo: PlaceboConfig | None = Field(default_factory=PlaceboConfig)
    psm: PsmConfig | None = Field(default_factory=PsmConfig)
    alternatives: AlternativesConfig | None = Field(default_factory=AlternativesConfig)
    heterogeneity: list[SplitConfig] = Field(
        default_factory=lambda: [
            SplitConfig(column="digital_policy"),
            SplitConfig(column="ip_protection", split="median"),
            SplitConfig(column="resource_based"),
        ]
    )
    mediators: list[str] = Field(
        default_factory=lambda: ["logistics_efficiency", "supplier_diversity", "digital_trade"]
    )
    n_boot: NBoot = 1000
