"""``integration:`` section of study.yaml: the theme–construct pairs of the joint display."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from smekit.study.base import Strict as _Strict


class IntegrationPair(_Strict):
    """One row of the joint display: an interview theme and the construct it speaks to."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    theme: str = Field(description="Theme id in the codebook (a top-level code)")
    construct_id: str = Field(
        alias="construct", description="Construct id in the questionnaire (a regression term)"
    )


class IntegrationConfig(_Strict):
    """``integration:`` — which themes are set against which constructs."""

    pairs: list[IntegrationPair] = Field(min_length=1)
    quotes_per_theme: int = Field(2, ge=0, le=10)
