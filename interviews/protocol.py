"""Interview protocols: consent script, areas, main questions and probes.

A protocol is a YAML file with ``kind: protocol`` (see
``instruments/s1_interview_protocol.yaml``), validated by :class:`Protocol`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smekit.core.errors import InstrumentError
from smekit.core.identifiers import Identifier
from smekit.core.yamlio import validate_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    """A main question with its follow-up probes."""

    id: Identifier
    text: str
    probes: list[str] = Field(default_factory=list)
    codes: list[Identifier] = Field(
        default_factory=list, description="Codebook codes this question is expected to elicit"
    )


class Area(_Strict):
    """A topic area of the interview."""

    id: Identifier
    title: str
    purpose: str | None = None
    questions: list[Question] = Field(min_length=1)


class Protocol(_Strict):
    """A semi-structured interview protocol."""

    kind: Literal["protocol"]
    id: Identifier
    title: str
    version: str = "1.0"
    language: str = "en"
    duration_minutes: int | None = Field(default=None, gt=0)
    mode: str | None = None
    source: str | None = None
    codebook: str | None = Field(default=None, description="File stem of the matching codebook")
    consent: str
    opening: str | None = None
    areas: list[Area] = Field(min_length=1)
    closing: str | None = None

    @model_validator(mode="after")
    def _unique(self) -> Protocol:
        ids = [q.id for a in self.areas for q in a.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question ids used twice: {dupes}")
        return self


def load_protocol(path: str | Path) -> Protocol:
    """Load and validate an interview protocol YAML file."""
    return validate_yaml(path, Protocol, InstrumentError)
