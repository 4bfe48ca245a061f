"""``panels.s2``: a unit x period panel analysed with indices and panel models (S2).

Every key has a default matching the demo's ``data/panel_s2.csv``; a user's
own provincial panel overrides the column names. ``outcome`` and
``regressor`` are either ``index`` (built from the indicator lists) or the
name of a column already in the data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from smekit.study.base import Strict as _Strict
from smekit.study.panel_common import NBoot, Winsorize

_CORE = {
    "dinf": [f"dinf_{j}" for j in range(1, 7)],
    "dind": [f"dind_{j}" for j in range(1, 6)],
    "idig": [f"idig_{j}" for j in range(1, 6)],
    "dinn": [f"dinn_{j}" for j in range(1, 6)],
}
_RESILIENCE = {
    "recovery": ["recovery_export_change"],
    "resistance": [
        "resistance_goods_turnover",
        "resistance_ecommerce_firms",
        "resistance_freight",
    ],
    "responsiveness": ["responsiveness_inventory_turnover", "responsiveness_trade_partners"],
    "learning_innovation": ["learning_tech_contracts", "learning_patents"],
}
_CONTROLS = [
    "human_capital",
    "transport",
    "labour",
    "industrial_structure",
    "gov_spending",
    "industrialisation",
]


class InstrumentConfig(_Strict):
    """``panels.s2.instrument``: a shift-share style historical instrument.

    The instrument is ``z(log column) x z(shift)`` (``log: false`` drops the
    log; ``shift: null`` uses the column as it is), so a time-invariant
    historical variable gets time variation from a national series.
    """

    column: str = "post_offices_1984"
    shift: str | None = "internet_users_national"
    log: bool = True


class HeterogeneityConfig(_Strict):
    """``panels.s2.heterogeneity``: two subgroup splits."""

    column: str = "region"
    groups: dict[str, list[str]] = Field(
        default_factory=lambda: {"east+central": ["east", "central"], "west": ["west"]}
    )
    policy_year: int | None = 2015


class PanelStudyConfig(_Strict):
    """Settings of the S2-type panel analysis."""

    data: str
    unit: str = "province_id"
    time: str = "year"
    cluster: str | None = None
    # data preparation
    interpolate: bool = True
    max_gap: int = 3
    winsorize: Winsorize = 0.0
    log: list[str] = Field(default_factory=lambda: ["learning_patents"])
    log_shift: float = 1.0
    # indices
    indicators: dict[str, list[str]] = Field(default_factory=lambda: dict(_CORE))
    negative: list[str] = Field(default_factory=lambda: ["dinf_6", "idig_5"])
    outcome_indicators: dict[str, list[str]] = Field(default_factory=lambda: dict(_RESILIENCE))
    outcome_negative: list[str] = Field(default_factory=list)
    index_by_period: bool = False
    regressor_method: Literal["entropy", "pca", "zscore"] = "entropy"
    alternative_method: Literal["entropy", "pca", "zscore"] = "pca"
    outcome_method: Literal["entropy", "pca", "zscore"] = "pca"
    # models
    outcome: str = "index"
    regressor: str = "index"
    controls: list[str] = Field(default_factory=lambda: list(_CONTROLS))
    extra_control: str | None = "export_concentration"
    instrument: InstrumentConfig | None = Field(default_factory=InstrumentConfig)
    mediators: list[str] = Field(
        default_factory=lambda: [
            "trade_dependence",
            "export_sophistication",
            "export_concentration",
        ]
    )
    heterogeneity: HeterogeneityConfig | None = Field(default_factory=HeterogeneityConfig)
    n_boot: NBoot = 2000
