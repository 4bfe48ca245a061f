"""Helpers shared by the panel stages (:mod:`smekit.stages.panel`, :mod:`smekit.stages.did`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from smekit.context import RunContext
from smekit.study import StudyConfig


def has_panel(config: StudyConfig, name: str) -> bool:
    """True when study.yaml has a ``panels.<name>`` section (``"s2"`` or ``"s3"``)."""
    panels = getattr(config, "panels", None)
    return panels is not None and getattr(panels, name) is not None


def read_panel(ctx: RunContext, name: str, needed: Sequence[str]) -> tuple[pd.DataFrame, Path]:
    """Read the CSV of ``panels.<name>.data`` and record it as an input.

    A DataError names the file when it cannot be read or lacks a ``needed`` column.
    """
    from smekit.core.errors import DataError

    key = f"panels.{name}.data"
    path = ctx.study.input_file(getattr(ctx.study.config.panels, name).data, key)
    ctx.inputs[key] = path
    try:
        raw = pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the panel: {exc}", where=path) from None
    missing = [c for c in dict.fromkeys(needed) if c not in raw.columns]
    if missing:
        raise DataError(f"panels.{name}: columns {missing} not in the panel", where=path)
    return raw, path


def prepare(cfg: Any, raw: pd.DataFrame, path: Path, numeric: list[str], **options: Any) -> Any:
    """:func:`~smekit.analysis.panel_prep.prepare_panel` with the section's preparation settings.

    ``cfg`` is a ``panels.s2`` or ``panels.s3`` section: ``numeric`` columns are
    interpolated when ``cfg.interpolate`` and winsorised at ``cfg.winsorize``
    when it is above 0; ``options`` go to ``prepare_panel`` as they are.
    """
    from smekit.analysis.panel_prep import prepare_panel

    return prepare_panel(
        raw,
        cfg.unit,
        cfg.time,
        interpolate=numeric if cfg.interpolate else (),
        max_gap=cfg.max_gap,
        winsorize=numeric if cfg.winsorize > 0 else (),
        p=cfg.winsorize,
        source=str(path.name),
        **options,
    )
