"""Construct scores: reverse coding, the minimum-valid-items rule, z-scores.

A construct's score is the mean (or prorated sum) of its items after reverse
coding, computed only for respondents who answered at least ``min_valid`` of
them; others get a missing score, counted in ``n_valid``.

Coded items may arrive as float, numpy integer (``int8``) or nullable integer
(``Int8``) columns. The recoded items keep their dtype and share memory with
the input wherever nothing changes (no invalid code, not reverse-coded), so
scoring a million respondents does not hold a second float copy of the items.

References
----------
Schafer, J. L., & Graham, J. W. (2002). Missing data: Our view of the state of
the art. *Psychological Methods*, 7(2), 147-177 (person-mean imputation, i.e.
prorating, over a minimum of answered items).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.core.threads import map_in_threads
from smekit.survey.descriptives import json_ready
from smekit.survey.instrument import Instrument, ItemType
from smekit.survey.item_matrix import stored
from smekit.survey.quality import is_number_column, with_missing


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
        one column per construct item, in the input's dtype where possible.
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``n`` respondents and one summary record per construct (NaN → ``None``)."""
        return json_ready({"n": len(self.scores), "constructs": self.summary})

    def construct_items(self, instrument: Instrument) -> dict[str, pd.DataFrame]:
        """Reverse-coded items grouped by construct, for reliability analysis."""
        return {
            c.id: self.items[[i.id for i in instrument.construct_items(c.id)]]
            for c in instrument.constructs
            if c.id in self.scores.columns
        }


def default_min_valid(n_items: int) -> int:
    """Default minimum of answered items: half the items, rounded up.

    Examples
    --------
    >>> [default_min_valid(k) for k in (1, 2, 3, 4, 5, 6)]
    [1, 1, 2, 2, 3, 3]
    """
    return max(1, math.ceil(n_items / 2))


def _values(col: pd.Series) -> tuple[np.ndarray, np.ndarray, bool]:
    """(values, present, whole): a view for numpy integers, float64 otherwise."""
    if pd.api.types.is_integer_dtype(col.dtype) and isinstance(col.dtype, np.dtype):
        return col.to_numpy(), np.ones(len(col), dtype=bool), True
    v = col.to_numpy(dtype="float64", na_value=np.nan)
    return v, ~np.isnan(v), pd.api.types.is_integer_dtype(col.dtype)


def reverse_code(x: pd.Series | np.ndarray | float, lo: float, hi: float):
    """Reverse-code answers on a scale from ``lo`` to ``hi``: ``r(x) = lo + hi - x``.

    The rule maps ``lo`` to ``hi`` and keeps every answer on the scale whatever
    its first point: on a 0-10 scale 3 becomes 7, on a 0-4 scale 0 becomes 4
    (``hi + 1 - x`` would give 8 and 5, off the scale). Integer dtypes are kept.

    Examples
    --------
    >>> reverse_code(np.array([1, 2, 5]), 1, 5).tolist()
    [5, 4, 1]
    >>> reverse_code(np.array([0, 3, 10]), 0, 10).tolist()
    [10, 7, 0]
    """
    return lo + hi - x


def recode_items(data: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Construct items with invalid codes set to missing and reverse items recoded.

    A Likert answer outside the scale's points is treated as missing (the
    quality step reports it); reverse-coded items become ``min + max - x``
    (:func:`reverse_code`). Numeric construct items outside ``min``/``max`` are
    missing. A column that needs no change is the input column itself (no copy);
    a numpy integer column with invalid codes becomes the nullable integer type of
    the same width (``int8`` -> ``Int8``); text columns are converted to float.

    Examples
    --------
    >>> from smekit.survey.instrument import Instrument
    >>> inst = Instrument.model_validate({
    ...     "kind": "questionnaire", "id": "x", "title": "x",
    ...     "scales": {"z10": {"min": 0, "max": 10, "anchors": {0: "never", 10: "always"}}},
    ...     "constructs": [{"id": "c", "label": "C"}],
    ...     "sections": [{"id": "s", "title": "s", "items": [
    ...         {"id": "q1", "text": "q", "type": "likert", "scale": "z10", "construct": "c"},
    ...         {"id": "q2", "text": "q", "type": "likert", "scale": "z10", "construct": "c",
    ...          "reverse": True}]}]})
    >>> df = pd.DataFrame({"q1": np.array([0, 10, 11], dtype="int8"),
    ...                    "q2": np.array([3, 0, 10], dtype="int8")})
    >>> out = recode_items(df, inst)
    >>> out["q1"].tolist(), out["q2"].tolist(), str(out["q1"].dtype), str(out["q2"].dtype)
    ([0, 10, <NA>], [7, 10, 0], 'Int8', 'int8')
    """
    out: list[pd.Series] = []
    for c in instrument.constructs:
        for item in instrument.construct_items(c.id):
            if item.id not in data.columns:
                out.append(pd.Series(np.nan, index=data.index, name=item.id))
                continue
            x = data[item.id]
            if not is_number_column(x):
                x = pd.to_numeric(x, errors="coerce").astype("float64")
            values, present, whole = _values(x)
            if item.type == ItemType.likert:
                scale = instrument.scale_of(item)
                bad = present & ((values < scale.min) | (values > scale.max))
                if not whole:
                    bad |= present & (np.floor(values) != values)
            else:
                bad = np.zeros(len(x), dtype=bool)
                if item.min is not None:
                    bad |= present & (values < item.min)
                if item.max is not None:
                    bad |= present & (values > item.max)
            if bad.any():
                x = with_missing(x, bad)
            if item.type == ItemType.likert and item.reverse:
                x = reverse_code(x, scale.min, scale.max)
            out.append(x.rename(item.id))
    if not out:
        return pd.DataFrame(index=data.index)
    return pd.concat(out, axis=1)


def score_constructs(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    id_column: str | None = None,
    constructs: list[str] | None = None,
) -> ScoreResult:
    r"""Score every construct of an instrument.

    For respondent ``i`` and a construct with ``k`` items, ``a_i`` of them
    answered (after :func:`recode_items`):

    .. math::

        \text{mean}_i = \frac{1}{a_i} \sum_{j \text{ answered}} x_{ij}
        \quad \text{if } a_i \ge \text{min\_valid}, \qquad
        \text{sum}_i = k \cdot \text{mean}_i

    (a sum is prorated to the full item count); below ``min_valid`` the score is
    missing. ``min_valid`` defaults to half the items, rounded up. The z-scores
    use the sample mean and SD (``ddof = 1``) of the scored respondents.

    Parameters
    ----------
    data
        Tidy responses keyed by item ids (as returned by the importer); coded items
        may be float, ``int8``/``int16`` or nullable ``Int8``/``Int16``.
    instrument
        The questionnaire; its constructs define items, scoring and ``min_valid``.
    id_column
        Respondent id column copied into the score tables.
    constructs
        Subset of construct ids to score (default: all).

    Returns
    -------
    ScoreResult

    References
    ----------
    Schafer, J. L., & Graham, J. W. (2002). Missing data: Our view of the state
    of the art. *Psychological Methods*, 7(2), 147-177.

    Examples
    --------
    Three items, ``min_valid`` 2 by default; the third item is reverse-coded on
    1-5 (``6 - x``). Respondent 2 answered one item only:

    >>> from smekit.survey.instrument import Instrument
    >>> inst = Instrument.model_validate({
    ...     "kind": "questionnaire", "id": "x", "title": "x",
    ...     "scales": {"a5": {"min": 1, "max": 5, "anchors": {1: "no", 5: "yes"}}},
    ...     "constructs": [{"id": "c", "label": "C"}],
    ...     "sections": [{"id": "s", "title": "s", "items": [
    ...         {"id": f"q{j}", "text": "q", "type": "likert", "scale": "a5",
    ...          "construct": "c", "reverse": j == 3} for j in (1, 2, 3)]}]})
    >>> df = pd.DataFrame({"q1": [5, 4, None], "q2": [3, None, None], "q3": [1, 2, 4]})
    >>> score_constructs(df, inst).scores["c"].round(4).tolist()
    [4.3333, 4.0, nan]
    """
    items = recode_items(data, instrument)
    wanted = [c for c in instrument.constructs if constructs is None or c.id in constructs]
    n = len(data)
    # one float64 column per construct, filled in place (Fortran order: no copy into the frame)
    values = np.empty((n, len(wanted)), dtype="float64", order="F")
    z_values = np.empty_like(values, order="F")

    def score(k: int) -> dict[str, Any]:
        """Construct ``k``: its scores and z-scores into column ``k``, its summary back."""
        c = wanted[k]
        ids = [i.id for i in instrument.construct_items(c.id)]
        total = values[:, k]
        total[:] = 0.0
        n_answered = np.zeros(n, dtype=np.int64)
        for item_id in ids:  # one item at a time: no (n, k) float copy of the block
            x, missing = stored(items[item_id].array)
            if x.dtype.kind in "iu" and x.dtype.itemsize <= 4:
                # small whole numbers: add every stored value, then take back the placeholders
                # under the missing mask (exact in float64, no float copy of the column)
                total += x
                if missing is not None:
                    total[missing] -= x[missing]
            else:
                np.add(total, x, out=total, where=True if missing is None else ~missing)
            n_answered += 1 if missing is None else ~missing
        min_valid = c.min_valid or default_min_valid(len(ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(total, n_answered, out=total)
        total[n_answered < min_valid] = np.nan
        if c.scoring == "sum":
            total *= len(ids)
        s = pd.Series(total, copy=False)
        row = {
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
        with np.errstate(invalid="ignore", divide="ignore"):  # a constant or empty score: NaN z
            np.subtract(total, row["mean"], out=z_values[:, k])
            z_values[:, k] /= row["sd"]
        return row

    # each construct reads its own items and writes its own columns: side by side
    rows = map_in_threads(score, list(range(len(wanted))))
    names = [c.id for c in wanted]
    scores = pd.DataFrame(values, index=data.index, columns=names, copy=False)
    z = pd.DataFrame(z_values, index=data.index, columns=names, copy=False)
    if id_column is not None and id_column in data.columns:
        scores.insert(0, id_column, data[id_column])
        z.insert(0, id_column, data[id_column])
    return ScoreResult(
        scores=scores,
        z=z,
        items=items,
        summary=pd.DataFrame(rows),
        id_column=id_column if id_column in data.columns else None,
    )
