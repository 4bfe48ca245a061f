"""Checks run before a wave is appended to the benchmark store.

Every check runs before the file is touched: a wave with a duplicate firm id
or a firm missing whole constructs, a wave already stored, another instrument,
or another instrument version without an explicit :class:`VersionMapping`
is refused and the store is left unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.store_schema import PEER_COLUMNS
from smekit.core.errors import DataError

__all__ = ["VersionMapping", "plan_wave", "stored_study", "validate_wave"]


@dataclass(frozen=True)
class VersionMapping:
    """An explicit mapping of a wave measured with another instrument version.

    Attributes
    ----------
    from_version
        The version the new wave was measured with.
    to_version
        The version stored for the study (the mapping target).
    dimensions
        New dimension id -> stored dimension id (identical ids map to themselves).
    """

    from_version: str
    to_version: str
    dimensions: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "from_version": self.from_version,
                "to_version": self.to_version,
                "dimensions": dict(sorted(self.dimensions.items())),
            },
            sort_keys=True,
        )


def validate_wave(
    firms: pd.DataFrame, id_column: str, dimensions: Sequence[str], where: str
) -> pd.DataFrame:
    if id_column not in firms.columns:
        raise DataError(f"no firm id column '{id_column}'", where=where)
    absent = [d for d in [*dimensions, *PEER_COLUMNS] if d not in firms.columns]
    if absent:
        raise DataError(f"column(s) {absent} missing from the wave", where=where)
    ids = firms[id_column].astype(str)
    dup = ids[ids.duplicated(keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        rows = [int(i) + 1 for i in np.flatnonzero((ids == first).to_numpy())]
        raise DataError(
            f"firm id '{first}' appears {len(rows)} times (rows {rows}); nothing was added",
            where=f"{where}, column '{id_column}'",
            fix="give every firm one row per wave",
        )
    missing = firms[list(dimensions)].isna()
    if missing.any().any():
        i = int(np.flatnonzero(missing.any(axis=1).to_numpy())[0])
        gone = [d for d in dimensions if missing.iloc[i][d]]
        n_bad = int(missing.any(axis=1).sum())
        raise DataError(
            f"firm '{ids.iloc[i]}' (row {i + 1}) has no score on construct(s) "
            f"{', '.join(gone)}; {n_bad} firm(s) miss whole constructs; nothing was added",
            where=where,
            fix="drop those firms from the wave or score the missing constructs",
        )
    return firms


def stored_study(con, study: str) -> tuple[str, str, list[str]] | None:
    row = con.execute(
        "SELECT instrument, stored_version, dimensions FROM waves WHERE study = ? "
        "ORDER BY seq LIMIT 1",
        [study],
    ).fetchone()
    return None if row is None else (row[0], row[1], json.loads(row[2]))


def plan_wave(con, path, study, wave, instrument, version, dims, mapping):
    """Checks against what is stored; returns (stored_version, renamed dims, mapping json)."""
    if con is not None:
        hit = con.execute(
            "SELECT seq FROM waves WHERE study = ? AND wave = ?", [study, wave]
        ).fetchone()
        if hit is not None:
            raise DataError(
                f"wave '{wave}' of study '{study}' is already in the store; nothing was added",
                where=path,
                fix="remove it first (`smekit benchmark store remove`) or name the new wave",
            )
        stored = stored_study(con, study)
    else:
        stored = None
    if stored is None:
        if mapping is not None:
            raise DataError(
                f"a version mapping was given but study '{study}' has no stored wave to map onto",
                where=path,
            )
        return version, list(dims), None
    s_instrument, s_version, s_dims = stored
    if s_instrument != instrument:
        raise DataError(
            f"study '{study}' is stored with instrument '{s_instrument}', this wave uses "
            f"'{instrument}'; nothing was added",
            where=path,
            fix="add it under another study name",
        )
    if version == s_version:
        if mapping is not None:
            raise DataError(
                f"a version mapping was given but the wave uses the stored version {version}",
                where=path,
            )
        renamed = list(dims)
        mapping_json = None
    else:
        if mapping is None:
            raise DataError(
                f"study '{study}' is stored with {instrument} version {s_version}; this wave "
                f"was measured with version {version}; nothing was added",
                where=path,
                fix="map the versions explicitly (--map-version, --map NEW=OLD) or add it "
                "under another study name",
            )
        if mapping.from_version != version or mapping.to_version != s_version:
            raise DataError(
                f"the version mapping is {mapping.from_version} -> {mapping.to_version}, but the "
                f"wave is version {version} and the store holds {s_version}",
                where=path,
            )
        renamed = [mapping.dimensions.get(d, d) for d in dims]
        mapping_json = mapping.to_json()
    unknown = sorted(set(renamed) - set(s_dims))
    if unknown:
        raise DataError(
            f"dimension(s) {unknown} are not stored for study '{study}' "
            f"(stored: {s_dims}); nothing was added",
            where=path,
            fix="map them onto stored dimensions with --map NEW=OLD",
        )
    if len(set(renamed)) != len(renamed):
        raise DataError("the version mapping maps two dimensions onto one", where=path)
    return s_version, renamed, mapping_json
