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
    include: list[str] = Field(default_factory=list, description="When to apply the code")
    exclude: list[str] = Field(default_factory=list, description="When not to apply it")
    example: str = ""
    parent: Identifier | None = None
    colour: str | None = Field(
        default=None,
        alias="color",
        pattern=r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$",
        description="Display colour as #RRGGBB (REFI-QDA ``color``)",
    )
    keywords: list[str] = Field(
        default_factory=list, description="Words that suggest the code (for suggestions)"
    )
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
        cycle = find_cycle({c.id: c.parent for c in self.codes})
        if cycle:
            raise ValueError(f"codes form a parent cycle: {' -> '.join(cycle)}")
        return self

    def code(self, code_id: str) -> Code:
        """The code with id ``code_id`` (KeyError when absent)."""
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def themes(self) -> list[Code]:
        """Top-level codes (no parent), in file order."""
        return [c for c in self.codes if c.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        """Codes whose parent is ``code_id`` (``None``: the themes)."""
        return [c for c in self.codes if c.parent == code_id]

    def theme_of(self, code_id: str) -> str:
        """The top-level ancestor of a code (the code itself for a theme)."""
        parents = {c.id: c.parent for c in self.codes}
        while parents.get(code_id) is not None:
            code_id = parents[code_id]
        return code_id

    def to_frame(self) -> pd.DataFrame:
        """One row per code: id, name, parent, definition, include, exclude, example."""
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "parent": c.parent,
                "theme": self.theme_of(c.id),
                "colour": c.colour,
                "construct": c.construct_id,
                "definition": c.definition,
                "include": "; ".join(c.include),
                "exclude": "; ".join(c.exclude),
                "example": c.example,
            }
            for c in self.codes
        ]
        return pd.DataFrame(rows)


def find_cycle(parents: dict[str, str | None]) -> list[str]:
    """The first parent cycle in a code → parent mapping, as a closed path (empty when none).

    >>> find_cycle({"a": "b", "b": "a", "c": None})
    ['a', 'b', 'a']
    """
    for start in parents:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in parents:
            if node in seen:
                return [*seen[seen.index(node) :], node]
            seen.append(node)
            node = parents[node]
    return []


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook YAML file."""
    return validate_yaml(path, Codebook, InstrumentError)
