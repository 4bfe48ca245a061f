"""Helpers shared by the panel stages (:mod:`smekit.stages.panel`, :mod:`smekit.stages.did`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smekit.context import RunContext
from smekit.study import StudyConfig


def has_panel(config: StudyConfig, name: str) -> bool:
    """True when study.yaml has a ``panels.<name>`` section (``"s2"`` or ``"s3"``)."""
    panels = getattr(config, "panels", None)
    return panels is not None and getattr(panels, name) is not None


def read_panel(ctx: RunContext, name: str) -> tuple[pd.DataFrame, Path]:
    """Read the CSV of ``panels.<name>.data``, record it as an input; a clear error if unreadable."""
    from smekit.core.errors import DataError

    key = f"panels.{name}.data"
    path = ctx.study.input_file(getattr(ctx.study.config.panels, name).data, key)
    ctx.inputs[key] = path
    try:
        raw = pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"cannot read the panel: {exc}", where=path) from None
    return raw, path
