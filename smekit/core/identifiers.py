"""Identifiers used in every YAML model (items, constructs, codes, themes, questions)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
