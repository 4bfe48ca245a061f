"""Codebooks: codes with definitions, inclusion and exclusion criteria and examples.

A codebook is a YAML file with ``kind: codebook``. Codes may nest under a
theme (``parent``), following the structure of a thematic analysis
(Braun & Clarke, 2006, *Qualitative Research in Psychology* 3(2), 77-101).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from smekit.core.errors import InstrumentError
from smekit.core.identifiers import Identifier
from smekit.core.yamlio import validate_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Code(_Strict):
    """One code (or theme, when other codes name it as ``parent``)."""

    id: Identifier
    name: str
    definition: str
    include: list[str] = Field(min_length=1, description="When to apply the code")
    exclude: list[str] = Field(default_factory=list, description="When not to apply it")
    example: str
    parent: Identifier | None = None
    construct_id: Identifier | None = Field(
        default=None,
        alias="construct",
        description="Survey construct this theme is set against in integration",
    )


class Codebook(_Strict):
    """A set of codes used to code interview transcripts."""

    kind: Literal["codebook"]
    id: Identifier
    title: str
    version: str = "1.0"
    source: str | None = None
    codes: list[Code] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Codebook:
        ids = [c.id for c in self.codes]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"code ids used twice: {dupes}")
        unknown = sorted({c.parent for c in self.codes if c.parent and c.parent not in ids})
        if unknown:
            raise ValueError(f"parent codes not defined: {unknown}")
        return self

    def to_frame(self) -> pd.DataFrame:
        """One row per code: id, name, parent, definition, include, exclude, example."""
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "parent": c.parent,
                "construct": c.construct_id,
                "definition": c.definition,
                "include": "; ".join(c.include),
                "exclude": "; ".join(c.exclude),
                "example": c.example,
            }
            for c in self.codes
        ]
        return pd.DataFrame(rows)


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook YAML file."""
    return validate_yaml(path, Codebook, InstrumentError)
