"""Firm profiles: dimension scores, composite index, percentile ranks within peers, gaps.

:func:`benchmark_firms` takes one row per firm (an id, the dimension scores
and the peer columns) and returns a :class:`Benchmark`: for every firm and
dimension the score, the peer level used, the percentile rank within that
peer group (and the band shown under the privacy rule of
:mod:`smekit.analysis.benchmark.peers`), the peer quartiles, and the gaps to the
peer median and to the peer top quartile; per firm the composite index and its
strongest and weakest dimension.

Definitions
-----------
* Percentile rank (mid-rank definition): for a firm with score ``x`` in a
  group of ``N`` firms (itself included), ``PR = 100 (B + E / 2) / N`` where
  ``B`` firms score below ``x`` and ``E`` firms (itself included) score
  exactly ``x``. Equivalent to ``100 (r - 1/2) / N`` with ``r`` the average
  rank; scipy's ``percentileofscore(kind="mean")`` (Crocker & Algina 1986,
  p. 439; Roscoe 1975).
* Gap to the peer median: ``median - x``; gap to the top quartile:
  ``q75 - x`` (positive: the firm is behind). Quantiles are Harrell-Davis
  estimates over the peer group (:func:`~smekit.analysis.benchmark.peers.hd_quantiles`).
* Strongest / weakest dimension: the highest / lowest percentile rank (the
  first in dimension order on ties); by raw score when no peer group qualifies.
* Composite index: dimension scores min-max normalised over all firms
  (``x' = (x - min) / (max - min)``), weighted (equal weights, entropy or PCA
  weights; the method is recorded) and scaled to 0-100.

References
----------
Crocker, L., & Algina, J. (1986). *Introduction to classical and modern test
theory*. Holt, Rinehart and Winston. (Percentile ranks, chapter 19.)
OECD & JRC (2008). *Handbook on constructing composite indicators:
methodology and user guide*. OECD Publishing. (Min-max normalisation, weighting.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.composite import (
    COMPOSITE,
    INDEX_METHODS,
    CompositeIndex,
    composite_index,
)
from smekit.analysis.benchmark.peers import (
    DEFAULT_LEVELS,
    DEFAULT_MIN_SIZE,
    PeerAssignment,
    assign_levels,
    level_name,
    percentile_band_width,
)
from smekit.analysis.benchmark.percentiles import group_percentile_rank, level_statistics
from smekit.core.errors import DataError

__all__ = [
    "INDEX_METHODS",
    "Benchmark",
    "CompositeIndex",
    "FirmProfile",
    "benchmark_firms",
    "composite_index",
    "group_percentile_rank",
]


@dataclass(frozen=True)
class FirmProfile:
    """One firm's benchmark: its own scores and aggregate peer statistics only.

    Attributes
    ----------
    firm_id
        The firm.
    attributes
        Its peer columns (sector, region, size band, ...).
    dimensions
        One row per dimension: ``dimension``, ``label``, ``score``,
        ``percentile_band``, ``peer_q25``, ``peer_median``, ``peer_q75``,
        ``gap_median``, ``gap_top``.
    composite
        Composite index, its band and the peer median and top quartile of it.
    level, n
        The peer level used (None when no level has enough firms) and its size.
    strongest, weakest
        Dimension ids.
    notes
        Plain-language notes (fallbacks, suppressed statistics).
    """

    firm_id: str
    attributes: dict[str, Any]
    dimensions: pd.DataFrame
    composite: dict[str, Any]
    level: str | None
    n: int
    strongest: str
    weakest: str
    index_method: str
    min_size: int
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.dimensions.copy()

    def to_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, (np.floating, float)):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, np.integer):
                return int(v)
            return v

        return {
            "firm_id": self.firm_id,
            "attributes": {k: plain(v) for k, v in self.attributes.items()},
            "level": self.level,
            "n": self.n,
            "min_size": self.min_size,
            "index_method": self.index_method,
            "composite": {k: plain(v) for k, v in self.composite.items()},
            "strongest": self.strongest,
            "weakest": self.weakest,
            "dimensions": [
                {k: plain(v) for k, v in row.items()}
                for row in self.dimensions.to_dict(orient="records")
            ],
            "notes": list(self.notes),
        }


PUBLIC_COLUMNS = [
    "dimension",
    "label",
    "score",
    "percentile_band",
    "peer_q25",
    "peer_median",
    "peer_q75",
    "gap_median",
    "gap_top",
]


@dataclass(frozen=True)
class Benchmark:
    """Profiles of every firm against its peers.

    Attributes
    ----------
    profiles
        Long table, one row per firm and dimension (the composite included as
        dimension ``'composite'``): ``firm_id``, ``dimension``, ``label``,
        ``score``, ``level``, ``n``, ``percentile``, ``percentile_band``,
        ``peer_q25``, ``peer_median``, ``peer_q75``, ``gap_median``, ``gap_top``.
        ``percentile`` is exact and for the analyst; reports show the band.
    firms
        One row per firm: ``firm_id``, the peer columns, ``level``, ``n``,
        ``strongest``, ``weakest``.
    composite
        The composite index (method, weights, normalisation).
    assignment
        The peer assignment (group sizes at every level).
    excluded
        Firms left out, with the reason.
    dimensions, labels, peer_columns, min_size
        Settings used.
    """

    profiles: pd.DataFrame = field(repr=False)
    firms: pd.DataFrame = field(repr=False)
    composite: CompositeIndex = field(repr=False)
    assignment: PeerAssignment = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    dimensions: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    peer_columns: tuple[str, ...] = ()
    min_size: int = DEFAULT_MIN_SIZE

    def to_frame(self) -> pd.DataFrame:
        return self.profiles.copy()

    def level_usage(self) -> pd.DataFrame:
        return self.assignment.usage()

    def to_dict(self) -> dict[str, Any]:
        return {
            "firms": len(self.firms),
            "excluded": self.excluded.to_dict(orient="records"),
            "dimensions": list(self.dimensions),
            "labels": dict(self.labels),
            "levels": [level_name(lv) for lv in self.assignment.levels],
            "min_size": self.min_size,
            "index": {
                "method": self.composite.method,
                "weights": {k: float(v) for k, v in self.composite.weights.items()},
            },
            "level_usage": dict(zip(*self.level_usage().to_dict("list").values(), strict=True)),
        }

    def firm(self, firm_id: str) -> FirmProfile:
        """One firm's profile: its own values and aggregate peer statistics only."""
        firm_id = str(firm_id)
        row = self.firms.loc[self.firms["firm_id"] == firm_id]
        if row.empty:
            why = self.excluded.loc[self.excluded["firm_id"] == firm_id, "reason"]
            if not why.empty:
                raise DataError(f"firm '{firm_id}' cannot be benchmarked: {why.iloc[0]}")
            raise DataError(
                f"no firm '{firm_id}' in the data",
                fix=f"firm ids look like {', '.join(self.firms['firm_id'].head(3))}",
            )
        row = row.iloc[0]
        rows = self.profiles.loc[self.profiles["firm_id"] == firm_id]
        dims = rows.loc[rows["dimension"] != COMPOSITE, PUBLIC_COLUMNS].reset_index(drop=True)
        comp = rows.loc[rows["dimension"] == COMPOSITE].iloc[0]
        composite = {
            "value": comp["score"],
            "percentile_band": comp["percentile_band"],
            "peer_median": comp["peer_median"],
            "peer_q75": comp["peer_q75"],
            "method": self.composite.method,
        }
        return FirmProfile(
            firm_id=firm_id,
            attributes={c: row[c] for c in self.peer_columns},
            dimensions=dims,
            composite=composite,
            level=row["level"] if isinstance(row["level"], str) else None,
            n=int(row["n"]),
            strongest=row["strongest"],
            weakest=row["weakest"],
            index_method=self.composite.method,
            min_size=self.min_size,
            notes=tuple(self._notes(row)),
        )

    def _notes(self, row: pd.Series) -> list[str]:
        notes = []
        for lv in self.assignment.levels:
            name = level_name(lv)
            if name == row["level"]:
                break
            where = ", ".join(f"{c.replace('_', ' ')} {row[c]}" for c in lv) or "all firms"
            notes.append(
                f"The {name} group ({where}) has fewer than {self.min_size} firms: "
                "no statistics are shown for it."
            )
        if isinstance(row["level"], str):
            if notes:
                notes.append(f"Peers are the {row['level']} group ({int(row['n'])} firms).")
        else:
            notes.append(
                f"No peer group has {self.min_size} firms or more: no peer statistics, "
                "gaps or priorities are shown."
            )
        return notes


def _excluded_rows(frame: pd.DataFrame, id_column: str, dims: Sequence[str]) -> pd.DataFrame:
    missing = frame[list(dims)].isna()
    rows = []
    for i in np.flatnonzero(missing.any(axis=1).to_numpy()):
        gone = [d for d, m in zip(dims, missing.iloc[i], strict=True) if m]
        rows.append(
            {
                "firm_id": str(frame[id_column].iloc[i]),
                "reason": "no score on construct(s) " + ", ".join(gone),
            }
        )
    return pd.DataFrame(rows, columns=["firm_id", "reason"])


def _check_input(frame: pd.DataFrame, id_column: str, dims: Sequence[str], where: str) -> None:
    if id_column not in frame.columns:
        raise DataError(f"no firm id column '{id_column}'", where=where)
    absent = [d for d in dims if d not in frame.columns]
    if absent:
        raise DataError(
            f"dimension(s) {absent} are not scored in the data",
            where=where,
            fix="name constructs of the instrument under benchmark.dimensions",
        )
    ids = frame[id_column].astype(str)
    dup = ids[ids.duplicated(keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        rows = [int(i) + 1 for i in np.flatnonzero((ids == first).to_numpy())]
        raise DataError(
            f"firm id '{first}' appears {len(rows)} times (rows {rows})",
            where=f"{where}, column '{id_column}'",
            fix="give every firm one row, or drop repeated responses first",
        )
    empty = [d for d in dims if frame[d].isna().all()]
    if empty:
        raise DataError(f"no firm has a score on {empty}", where=where)


def benchmark_firms(
    frame: pd.DataFrame,
    dimensions: Sequence[str],
    *,
    id_column: str = "firm_id",
    levels: Sequence[Sequence[str]] = DEFAULT_LEVELS,
    min_size: int = DEFAULT_MIN_SIZE,
    index_method: str = "equal",
    labels: Mapping[str, str] | None = None,
    where: str = "<firms>",
) -> Benchmark:
    """Profile every firm against its peers.

    Parameters
    ----------
    frame
        One row per firm: ``id_column``, the dimension scores and every column
        named in ``levels``.
    dimensions
        Dimension (construct) columns, in display order.
    levels
        Peer levels, narrowest first (``()`` = all firms).
    min_size
        Threshold rule: no peer statistic from fewer firms (default 5).
    index_method
        ``"equal"``, ``"entropy"`` or ``"pca"`` weights for the composite.
    labels
        Dimension -> label for reports.
    where
        Name of the data source in error messages.

    Returns
    -------
    Benchmark

    Raises
    ------
    DataError
        A firm id that appears twice, a dimension not in the data or scored by
        no firm. Firms missing a whole construct are excluded and listed in
        :attr:`Benchmark.excluded`.

    Examples
    --------
    >>> f = pd.DataFrame({"firm_id": [f"F{i}" for i in range(6)],
    ...                   "a": [1.0, 2, 3, 4, 5, 6], "b": [6.0, 5, 4, 3, 2, 1],
    ...                   "sector": ["x"] * 6})
    >>> b = benchmark_firms(f, ["a", "b"], levels=[("sector",)])
    >>> p = b.firm("F5")
    >>> p.strongest, p.weakest, p.dimensions["percentile_band"].tolist()
    ('a', 'b', ['50-100', '0-50'])
    """
    dims = list(dimensions)
    if not dims:
        raise DataError("no benchmark dimensions given", where=where)
    if index_method not in INDEX_METHODS:
        raise DataError(f"unknown index method {index_method!r}", fix=f"use one of {INDEX_METHODS}")
    _check_input(frame, id_column, dims, where)
    labels = {d: (labels or {}).get(d, d.replace("_", " ").capitalize()) for d in dims}
    peer_cols = tuple(dict.fromkeys(c for lv in levels for c in lv))
    excluded = _excluded_rows(frame, id_column, dims)
    keep = frame[dims].notna().all(axis=1).to_numpy()
    data = frame.loc[keep, [id_column, *dims, *peer_cols]].reset_index(drop=True)
    data[id_column] = data[id_column].astype(str)
    if data.empty:
        raise DataError("no firm has a score on every dimension", where=where)
    assignment = assign_levels(data, levels, min_size)
    comp = composite_index(data[dims].astype(float), index_method)
    values = data[dims].astype(float).assign(**{COMPOSITE: comp.values})
    all_dims = [*dims, COMPOSITE]

    level = assignment.level.to_numpy()
    has_peers = level >= 0
    n_firms = len(data)
    band_width = percentile_band_width(assignment.n.to_numpy())
    level_names = assignment.level_names()
    ranks, group_stats = level_statistics(values, assignment)

    n_dims = len(all_dims)

    def firm_major(columns: list[np.ndarray]) -> np.ndarray:
        """Stack per-dimension arrays and order them firm by firm, dimensions in order."""
        return np.stack(columns, axis=1).ravel()

    pr = firm_major([ranks[d] for d in all_dims])
    q = [firm_major([group_stats[d][:, k] for d in all_dims]) for k in range(3)]
    x = firm_major([values[d].to_numpy(dtype=float) for d in all_dims])
    width = np.repeat(band_width, n_dims)
    low = np.minimum((pr // width) * width, 100 - width)
    ok = np.repeat(has_peers, n_dims)
    low_i = np.where(ok, low, 0).astype(np.int64)
    band = np.full(len(pr), None, dtype=object)
    band[ok] = np.char.add(
        np.char.add(low_i[ok].astype(str), "-"), (low_i + width)[ok].astype(str)
    ).astype(object)
    label_list = [labels.get(d, "Composite index") for d in all_dims]
    profiles = pd.DataFrame(
        {
            "firm_id": np.repeat(data[id_column].to_numpy(dtype=object), n_dims),
            "dimension": np.tile(np.asarray(all_dims, dtype=object), n_firms),
            "label": np.tile(np.asarray(label_list, dtype=object), n_firms),
            "score": x,
            "level": np.repeat(level_names.to_numpy(dtype=object), n_dims),
            "n": np.repeat(assignment.n.to_numpy(), n_dims),
            "percentile": pr,
            "percentile_band": band,
            "peer_q25": q[0],
            "peer_median": q[1],
            "peer_q75": q[2],
            "gap_median": q[1] - x,
            "gap_top": q[2] - x,
        }
    )
    rank_basis = np.column_stack([np.where(has_peers, ranks[d], values[d]) for d in dims])
    filled = np.nan_to_num(rank_basis, nan=-np.inf)
    strongest = np.asarray(dims, dtype=object)[np.argmax(filled, axis=1)]
    weakest = np.asarray(dims, dtype=object)[np.argmin(np.nan_to_num(rank_basis, nan=np.inf), 1)]
    firms = data[[id_column, *peer_cols]].rename(columns={id_column: "firm_id"})
    firms = firms.assign(
        level=level_names.to_numpy(),
        n=assignment.n.to_numpy(),
        strongest=strongest,
        weakest=weakest,
    )
    return Benchmark(
        profiles=profiles,
        firms=firms,
        composite=comp,
        assignment=assignment,
        excluded=excluded,
        dimensions=tuple(dims),
        labels=labels,
        peer_columns=peer_cols,
        min_size=int(min_size),
    )
