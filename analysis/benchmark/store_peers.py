"""Peers in the benchmark store: a firm's peer group and its profile against it.

Peers are taken from the latest stored wave of every firm (a firm followed
over several waves counts once); the narrowest level whose group has at
least ``min_size`` firms is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.peers import DEFAULT_MIN_SIZE, level_name
from smekit.analysis.benchmark.store_schema import PEER_COLUMNS, open_store
from smekit.core.errors import DataError

__all__ = ["STORE_LEVELS", "StorePeers", "firm_scores", "peer_group", "store_benchmark"]

STORE_LEVELS = (("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ())


@dataclass(frozen=True)
class StorePeers:
    """A firm's peer group in the store (anonymous: no peer ids).

    Attributes
    ----------
    scores
        One row per peer (the firm itself excluded), one column per dimension.
    level
        The level used (None when no level has ``min_size`` firms).
    sizes
        Level name -> group size, the firm itself included.
    attributes
        The firm's sector, region and size band.
    """

    scores: pd.DataFrame
    level: tuple[str, ...] | None
    sizes: dict[str, int]
    attributes: dict[str, Any]
    min_size: int


def _firm_attributes(con, study: str, firm_id: str, path: Path) -> dict[str, Any]:
    row = con.execute(
        "SELECT sector, region, size_band, fw_id FROM firm_waves "
        "WHERE study = ? AND firm_id = ? AND latest",
        [study, str(firm_id)],
    ).fetchone()
    if row is None:
        raise DataError(f"no firm '{firm_id}' of study '{study}' in the store", where=path)
    return {"sector": row[0], "region": row[1], "size_band": row[2], "_fw_id": row[3]}


def peer_group(
    path: str | Path,
    *,
    dimensions: Sequence[str],
    attributes: Mapping[str, Any] | None = None,
    study: str | None = None,
    firm_id: str | None = None,
    levels: Sequence[Sequence[str]] = STORE_LEVELS,
    min_size: int = DEFAULT_MIN_SIZE,
    exclude: tuple[str, str] | None = None,
) -> StorePeers:
    """A firm's peers in the store: the latest wave of every firm with all ``dimensions``.

    Give either a stored firm (``study`` and ``firm_id``; it is left out of
    its own peers) or the ``attributes`` (sector, region, size band) of a new
    client; ``exclude`` (study, firm id) leaves a stored copy of the client out.
    The narrowest level whose group, the firm included, has at least
    ``min_size`` firms is used.
    """
    path = Path(path)
    dims = list(dimensions)
    con = open_store(path)
    try:
        own_fw = -1
        if firm_id is not None:
            if study is None:
                raise DataError("a stored firm needs its study name", where=path)
            attrs = _firm_attributes(con, study, firm_id, path)
            own_fw = int(attrs.pop("_fw_id"))
            extra = 0
        elif attributes is not None:
            attrs = {c: attributes.get(c) for c in PEER_COLUMNS}
            extra = 1
        else:
            raise DataError("give a stored firm or the attributes of a new one", where=path)
        waves = con.execute("SELECT seq, dimensions FROM waves").fetchall()
        seqs = [int(s) for s, d in waves if set(dims) <= set(json.loads(d))]
        if not seqs:
            raise DataError(f"no stored wave has every dimension of {dims}", where=path)
        seq_list = ", ".join(str(s) for s in seqs)
        base = f"latest AND seq IN ({seq_list})"
        base_params: list[Any] = []
        if exclude is not None:
            base += " AND NOT (study = ? AND firm_id = ?)"
            base_params = [str(exclude[0]), str(exclude[1])]

        def cond(level: Sequence[str]) -> tuple[str, list[Any]]:
            parts, params = [], []
            for c in level:
                if attrs.get(c) is None:
                    parts.append(f"{c} IS NULL")
                else:
                    parts.append(f"{c} = ?")
                    params.append(str(attrs[c]))
            return (" AND ".join(parts) or "true"), params

        selects, params = [], []
        for lv in levels:
            c, p = cond(lv)
            selects.append(f"count(*) FILTER (WHERE {c})")
            params += p
        counts = con.execute(
            f"SELECT {', '.join(selects)} FROM firm_waves WHERE {base}", [*params, *base_params]
        ).fetchone()
        sizes = {level_name(lv): int(n) + extra for lv, n in zip(levels, counts, strict=True)}
        chosen = next((tuple(lv) for lv in levels if sizes[level_name(lv)] >= min_size), None)
        if chosen is None:
            scores = pd.DataFrame(columns=dims, dtype=float)
        else:
            c, p = cond(chosen)
            dim_list = ", ".join("?" for _ in dims)
            long = con.execute(
                f"SELECT s.fw_id, s.dimension, s.score FROM scores s JOIN "
                f"(SELECT fw_id FROM firm_waves WHERE {base} AND {c} AND fw_id <> ?) f "
                f"USING (fw_id) WHERE s.dimension IN ({dim_list})",
                [*base_params, *p, own_fw, *dims],
            ).df()
            scores = (
                long.pivot(index="fw_id", columns="dimension", values="score")
                .reindex(columns=dims)
                .reset_index(drop=True)
            )
            scores.columns.name = None
        return StorePeers(
            scores=scores,
            level=chosen,
            sizes=sizes,
            attributes=attrs,
            min_size=int(min_size),
        )
    finally:
        con.close()


def firm_scores(path: str | Path, study: str, firm_id: str) -> dict[str, Any]:
    """A stored firm's latest wave: its attributes and dimension scores."""
    path = Path(path)
    con = open_store(path)
    try:
        attrs = _firm_attributes(con, study, firm_id, path)
        rows = con.execute(
            "SELECT dimension, score FROM scores WHERE fw_id = ?", [attrs.pop("_fw_id")]
        ).fetchall()
    finally:
        con.close()
    return {**attrs, **{d: float(v) for d, v in rows}}


def store_benchmark(
    path: str | Path,
    *,
    dimensions: Sequence[str],
    firm: Mapping[str, Any] | None = None,
    study: str | None = None,
    firm_id: str | None = None,
    labels: Mapping[str, str] | None = None,
    levels: Sequence[Sequence[str]] = STORE_LEVELS,
    min_size: int = DEFAULT_MIN_SIZE,
    index_method: str = "equal",
    exclude: tuple[str, str] | None = None,
):
    """Profile one firm against its peers in the store.

    Give a new client as ``firm`` (a mapping with ``firm_id``, ``sector``,
    ``region``, ``size_band`` and the dimension scores) or a stored firm by
    ``study`` and ``firm_id`` (its latest wave). The composite index is
    normalised over the firm and its peer group.

    Returns
    -------
    FirmProfile
    """
    from dataclasses import replace

    from smekit.analysis.benchmark.profile import benchmark_firms

    dims = list(dimensions)
    if firm is None:
        if study is None or firm_id is None:
            raise DataError("give a new firm's scores or a stored firm's study and id")
        own = firm_scores(path, study, firm_id)
        own["firm_id"] = str(firm_id)
        peers = peer_group(
            path, dimensions=dims, study=study, firm_id=firm_id, levels=levels, min_size=min_size
        )
    else:
        own = dict(firm)
        missing = [d for d in dims if own.get(d) is None or not np.isfinite(float(own[d]))]
        if missing:
            raise DataError(
                f"firm '{own.get('firm_id')}' has no score on construct(s) {missing}",
                fix="score every benchmark dimension first",
            )
        peers = peer_group(
            path,
            dimensions=dims,
            attributes=own,
            levels=levels,
            min_size=min_size,
            exclude=exclude,
        )
    row = {"firm_id": str(own["firm_id"]), **{d: float(own[d]) for d in dims}}
    row.update({c: own.get(c) for c in PEER_COLUMNS})
    group = peers.scores.assign(firm_id=[f"peer-{i}" for i in range(len(peers.scores))])
    for c in PEER_COLUMNS:
        group[c] = own.get(c)
    table = pd.concat([pd.DataFrame([row]), group], ignore_index=True)
    chosen = [peers.level] if peers.level is not None else [tuple(PEER_COLUMNS)]
    size_floor = min_size if peers.level is not None else len(table) + 1
    result = benchmark_firms(
        table,
        dims,
        levels=chosen,
        min_size=size_floor,
        index_method=index_method,
        labels=labels,
        where=str(path),
    )
    profile = result.firm(row["firm_id"])
    notes = []
    for lv in levels:
        name = level_name(lv)
        if peers.level is not None and tuple(lv) == peers.level:
            if notes:
                notes.append(f"Peers are the {name} group ({peers.sizes[name]} firms).")
            break
        notes.append(
            f"The {name} group has fewer than {min_size} firms: no statistics are shown for it."
        )
    if peers.level is None:
        notes.append(
            f"No peer group has {min_size} firms or more: no peer statistics, gaps or "
            "priorities are shown."
        )
    return replace(profile, notes=tuple(notes), min_size=int(min_size))
