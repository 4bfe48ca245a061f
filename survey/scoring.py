"""Construct scores: reverse coding, the minimum-valid-items rule, z-scores.

A construct's score is the mean (or prorated sum) of its items after reverse
coding, computed only for respondents who answered at least ``min_valid`` of
them; others get a missing score, counted in ``n_valid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smekit.survey.instrument import Instrument, ItemType


@dataclass(frozen=True)
class ScoreResult:
    """Scored constructs.

    Attributes
    ----------
    scores
        One row per respondent: the id column (when given) and one column per construct.
    z
        The same scores standardised (sample mean 0, SD 1, ``ddof=1``).
    items
        Item responses after reverse coding and removal of invalid codes,
        one column per construct item.
    summary
        One row per construct: items, scoring rule, min_valid, n scored,
        n missing, mean, sd, min, max.
    """

    scores: pd.DataFrame
    z: pd.DataFrame
    items: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    id_column: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Scores next to their z-scores (``<construct>_z``)."""
        z = self.z.drop(columns=[self.id_column], errors="ignore").add_suffix("_z")
        return pd.concat([self.scores, z], axis=1)

    def construct_items(self, instrument: Instrument) -> dict[str, pd.DataFrame]:
        """Reverse-coded items grouped by construct, for reliability analysis."""
        return {
            c.id: self.items[[i.id for i in instrument.construct_items(c.id)]]
            for c in instrument.constructs
            if c.id in self.scores.columns
        }


def default_min_valid(n_items: int) -> int:
    """Default minimum of answered items: half the items, rounded up."""
    return max(1, math.ceil(n_items / 2))


def recode_items(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Construct items as float, invalid codes set to missing, reverse items recoded.

    A Likert answer outside the scale's points is treated as missing (the
    quality step reports it); reverse-coded items become ``min + max - x``.
    """
    out = {}
    for c in instrument.constructs:
        for item in instrument.construct_items(c.id):
            if item.id not in data.columns:
                out[item.id] = pd.Series(np.nan, index=data.index)
                continue
            x = pd.to_numeric(data[item.id], errors="coerce").astype("float64")
            if item.type == ItemType.likert:
                scale = instrument.scale_of(item)
                x = x.where(x.isin(scale.points))
                if item.reverse:
                    x = scale.min + scale.max - x
            else:
                if item.min is not None:
                    x = x.where(x >= item.min)
                if item.max is not None:
                    x = x.where(x <= item.max)
            out[item.id] = x
    return pd.DataFrame(out, index=data.index)


def score_constructs(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    id_column: str | None = None,
    constructs: list[str] | None = None,
) -> ScoreResult:
    """Score every construct of an instrument.

    Parameters
    ----------
    data
        Tidy responses keyed by item ids (as returned by the importer).
    instrument
        The questionnaire; its constructs define items, scoring and ``min_valid``.
    id_column
        Respondent id column copied into the score tables.
    constructs
        Subset of construct ids to score (default: all).

    Returns
    -------
    ScoreResult
    """
    items = recode_items(data, instrument)
    wanted = [c for c in instrument.constructs if constructs is None or c.id in constructs]
    cols: dict[str, pd.Series] = {}
    rows = []
    for c in wanted:
        ids = [i.id for i in instrument.construct_items(c.id)]
        block = items[ids].to_numpy()
        n_answered = (~np.isnan(block)).sum(axis=1)
        min_valid = c.min_valid or default_min_valid(len(ids))
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(np.where(n_answered[:, None] > 0, block, 0.0), axis=1)
        mean = np.where(n_answered >= min_valid, mean, np.nan)
        value = mean * len(ids) if c.scoring == "sum" else mean
        cols[c.id] = pd.Series(value, index=data.index)
        s = cols[c.id]
        rows.append(
            {
                "construct": c.id,
                "label": c.label,
                "items": len(ids),
                "scoring": c.scoring,
                "min_valid": min_valid,
                "n_scored": int(s.notna().sum()),
                "n_missing": int(s.isna().sum()),
                "mean": s.mean(),
                "sd": s.std(ddof=1),
                "min": s.min(),
                "max": s.max(),
            }
        )
    scores = pd.DataFrame(cols, index=data.index)
    z = (scores - scores.mean()) / scores.std(ddof=1)
    if id_column is not None and id_column in data.columns:
        scores.insert(0, id_column, data[id_column].to_numpy())
        z.insert(0, id_column, data[id_column].to_numpy())
    return ScoreResult(
        scores=scores,
        z=z,
        items=items,
        summary=pd.DataFrame(rows),
        id_column=id_column if id_column in data.columns else None,
    )
