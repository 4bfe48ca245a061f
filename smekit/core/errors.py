"""Errors smekit raises for bad input.

Every error carries what went wrong, where (file, line or row, column) and,
where one exists, how to fix it. The command line prints ``str(error)`` as a
single line and exits non-zero; library users catch :class:`SmekitError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class SmekitError(Exception):
    """Base class for every error smekit reports to a user.

    Parameters
    ----------
    what
        What is wrong, in plain words.
    where
        The place: ``file``, ``file:line``, ``file row 12, column 'q3'``.
    fix
        How to fix it, when that can be said.
    """

    def __init__(self, what: str, where: str | Path | None = None, fix: str | None = None):
        self.what = what
        self.where = str(where) if where is not None else None
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.what)
        if self.fix:
            parts.append(f" ({self.fix})")
        return "".join(parts).replace("\n", " ")


class InstrumentError(SmekitError):
    """An instrument, protocol or codebook file is malformed."""


class StudyError(SmekitError):
    """A ``study.yaml`` file is malformed or names something that does not exist."""


class DataError(SmekitError):
    """An input data file cannot be read or does not fit the instrument."""


class ModelError(SmekitError):
    """A statistical model cannot be estimated on the data it was given."""


@dataclass(frozen=True)
class Location:
    """A place in an input file, used to build messages and problem tables."""

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        bits = [self.file or "<data>"]
        if self.row is not None:
            bits.append(f"row {self.row}")
        if self.column is not None:
            bits.append(f"column '{self.column}'")
        return ", ".join(bits)
