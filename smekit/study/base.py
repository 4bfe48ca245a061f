"""The strict pydantic base of every ``study.yaml`` section: unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A frozen model that rejects unknown keys (reported with their line by ``validate_yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
