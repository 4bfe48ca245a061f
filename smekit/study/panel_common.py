"""Settings shared by the panel sections of study.yaml.

Used by :mod:`smekit.study.panel` and :mod:`smekit.study.did`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _check_winsorize(v: float) -> float:
    if not 0.0 <= v < 0.5:
        raise ValueError("winsorize is the tail share p, 0 <= p < 0.5 (0.01 = 1st/99th pct)")
    return v


def _check_n_boot(v: int) -> int:
    if v < 100:
        raise ValueError("n_boot must be at least 100")
    return v


Winsorize = Annotated[float, AfterValidator(_check_winsorize)]
"""Tail share p of the winsorisation, ``0 <= p < 0.5``."""

NBoot = Annotated[int, AfterValidator(_check_n_boot)]
"""Number of bootstrap draws, at least 100."""
