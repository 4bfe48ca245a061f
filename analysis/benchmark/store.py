"""The benchmark store: studies and survey waves in one embedded DuckDB file.

A consultant adds every wave measured to one file, benchmarks a new client
against everyone measured before (:func:`store_benchmark`) and follows one
firm across waves (:func:`firm_history`). The file is a DuckDB database (no
server); the schema is versioned in ``meta``.

Schema (version 1)
------------------
``meta(key, value)``
    ``schema_version`` (``'1'``) and ``created_by``.
``waves(study, wave, seq, instrument, instrument_version, stored_version, mapping,
dimensions, n_firms, source_sha256, added_utc)``
    One row per appended wave; ``(study, wave)`` is unique. ``seq`` numbers
    appends across the store. ``stored_version`` is the instrument version the
    study's scores are kept under; ``mapping`` (JSON) records an explicit
    version mapping, ``dimensions`` (JSON) the dimensions stored.
``firm_waves(fw_id, study, wave, seq, firm_id, sector, region, size_band,
employees, latest)``
    One row per firm and wave; ``latest`` marks each firm's most recent wave
    within its study (peers are taken from latest waves only, so a firm
    followed over three waves counts once).
``scores(fw_id, dimension, score)``
    Dimension scores, long format.

Appends are all-or-nothing: every check runs before the file is touched, and
the append itself runs in a transaction on a copy that replaces the store
only after it committed, so a failed append leaves the file byte-identical.
Appending a wave already stored is refused; a wave measured with another
instrument version than the study's is refused unless an explicit
:class:`VersionMapping` says how its dimensions map onto the stored ones.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.peers import DEFAULT_MIN_SIZE, level_name
from smekit.core.errors import DataError

__all__ = [
    "PEER_COLUMNS",
    "SCHEMA_VERSION",
    "StorePeers",
    "VersionMapping",
    "add_wave",
    "firm_history",
    "list_waves",
    "peer_group",
    "read_schema_version",
    "remove_wave",
]

SCHEMA_VERSION = 1
PEER_COLUMNS = ("sector", "region", "size_band")
MAGIC = b"DUCK"
STORE_LEVELS = (("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ())

SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE waves (
    study VARCHAR NOT NULL,
    wave VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    instrument VARCHAR NOT NULL,
    instrument_version VARCHAR NOT NULL,
    stored_version VARCHAR NOT NULL,
    mapping VARCHAR,
    dimensions VARCHAR NOT NULL,
    n_firms INTEGER NOT NULL,
    source_sha256 VARCHAR,
    added_utc VARCHAR NOT NULL,
    PRIMARY KEY (study, wave)
);
CREATE TABLE firm_waves (
    fw_id BIGINT NOT NULL,
    study VARCHAR NOT NULL,
    wave VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    firm_id VARCHAR NOT NULL,
    sector VARCHAR,
    region VARCHAR,
    size_band VARCHAR,
    employees DOUBLE,
    latest BOOLEAN NOT NULL
);
CREATE TABLE scores (fw_id BIGINT NOT NULL, dimension VARCHAR NOT NULL, score DOUBLE NOT NULL);
"""


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


# -- opening -------------------------------------------------------------------------------


def _check_file(path: Path) -> None:
    """A store file must be a DuckDB database: checked by its header before DuckDB opens it."""
    if not path.is_file():
        raise DataError("the benchmark store is not a file", where=path)
    with path.open("rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[8:12] != MAGIC:
        raise DataError(
            "not a DuckDB database (no DuckDB header)",
            where=path,
            fix="give the path of a store written by `smekit benchmark store add`, or a new path",
        )


def _connect(path: Path, read_only: bool):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise DataError(f"cannot open the benchmark store: {exc}", where=path) from None


def read_schema_version(con, path: Path) -> int:
    """The store's schema version; a store of a newer schema or without one is an error."""
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if "meta" not in tables:
        raise DataError(
            "a DuckDB file but not a benchmark store (no meta table)",
            where=path,
            fix="use a new file name for a new store",
        )
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        version = int(row[0]) if row else -1
    except ValueError:
        version = -1
    if version < 1:
        raise DataError("the benchmark store has no valid schema version", where=path)
    if version > SCHEMA_VERSION:
        raise DataError(
            f"the store was written with schema version {version}; this smekit reads "
            f"version {SCHEMA_VERSION} and older",
            where=path,
            fix="upgrade smekit to read it; the file was not changed",
        )
    return version


def _read_only(path: str | Path):
    path = Path(path)
    _check_file(path)
    con = _connect(path, read_only=True)
    try:
        read_schema_version(con, path)
    except Exception:
        con.close()
        raise
    return con


# -- appending -----------------------------------------------------------------------------


def _validate_wave(
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


def _stored_study(con, study: str) -> tuple[str, str, list[str]] | None:
    row = con.execute(
        "SELECT instrument, stored_version, dimensions FROM waves WHERE study = ? "
        "ORDER BY seq LIMIT 1",
        [study],
    ).fetchone()
    return None if row is None else (row[0], row[1], json.loads(row[2]))


def _plan(con, path, study, wave, instrument, version, dims, mapping):
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
        stored = _stored_study(con, study)
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


def _write_copy(path: Path, work) -> Any:
    """Run ``work(con)`` in one transaction on a copy of the store, then replace the store."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    new = not path.exists()
    try:
        if not new:
            shutil.copyfile(path, tmp)
        con = _connect(tmp, read_only=False)
        try:
            con.execute("BEGIN TRANSACTION")
            if new:
                con.execute(SCHEMA)
                con.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?), ('created_by', 'smekit')",
                    [str(SCHEMA_VERSION)],
                )
            result = work(con)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        os.replace(tmp, path)
        return result
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def add_wave(
    path: str | Path,
    firms: pd.DataFrame,
    *,
    study: str,
    wave: str,
    instrument: str,
    instrument_version: str,
    dimensions: Sequence[str],
    id_column: str = "firm_id",
    mapping: VersionMapping | None = None,
    source_sha256: str | None = None,
    added_utc: str | None = None,
    where: str = "<wave>",
) -> dict[str, Any]:
    """Append one survey wave to the store (created when ``path`` does not exist).

    Parameters
    ----------
    path
        The store file.
    firms
        One row per firm: ``id_column``, the dimension scores, ``sector``,
        ``region``, ``size_band`` (text labels) and optionally ``employees``.
    study, wave
        Names of the study and the wave; ``(study, wave)`` must be new.
    instrument, instrument_version
        The questionnaire and its version; a later wave of a study must use the
        stored version unless ``mapping`` maps it explicitly.
    dimensions
        Dimension columns to store.
    mapping
        Explicit mapping of a wave measured with another instrument version.
    added_utc
        Timestamp recorded (default: now).

    Returns
    -------
    dict
        The ``waves`` row written.

    Raises
    ------
    DataError
        A duplicate firm id, a firm missing whole constructs, a wave already
        stored, another instrument or version without a mapping, a file that is
        not a DuckDB store or has a newer schema. The store is left unchanged.
    """
    path = Path(path)
    dims = list(dimensions)
    _validate_wave(firms, id_column, dims, where)
    if path.exists():
        con = _read_only(path)
        try:
            stored_version, renamed, mapping_json = _plan(
                con, path, study, wave, instrument, instrument_version, dims, mapping
            )
        finally:
            con.close()
    else:
        stored_version, renamed, mapping_json = _plan(
            None, path, study, wave, instrument, instrument_version, dims, mapping
        )
    frame = pd.DataFrame(
        {
            "firm_id": firms[id_column].astype(str).to_numpy(),
            **{c: firms[c].astype("string").to_numpy() for c in PEER_COLUMNS},
            "employees": pd.to_numeric(firms.get("employees", np.nan), errors="coerce"),
        }
    )
    scores = firms[dims].astype(float).set_axis(renamed, axis=1).reset_index(drop=True)
    record = {
        "study": study,
        "wave": wave,
        "instrument": instrument,
        "instrument_version": instrument_version,
        "stored_version": stored_version,
        "mapping": mapping_json,
        "dimensions": json.dumps(renamed),
        "n_firms": len(frame),
        "source_sha256": source_sha256,
        "added_utc": added_utc or datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def work(con) -> dict[str, Any]:
        seq, base = con.execute(
            "SELECT (SELECT coalesce(max(seq), 0) + 1 FROM waves), "
            "(SELECT coalesce(max(fw_id), 0) FROM firm_waves)"
        ).fetchone()
        record["seq"] = int(seq)
        con.execute(
            "INSERT INTO waves (study, wave, seq, instrument, instrument_version, stored_version,"
            " mapping, dimensions, n_firms, source_sha256, added_utc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                study,
                wave,
                int(seq),
                instrument,
                instrument_version,
                stored_version,
                mapping_json,
                record["dimensions"],
                record["n_firms"],
                source_sha256,
                record["added_utc"],
            ],
        )
        fw = frame.assign(fw_id=np.arange(1, len(frame) + 1, dtype=np.int64) + int(base))
        con.register("fw", fw)
        con.execute(
            "UPDATE firm_waves SET latest = false "
            "WHERE study = ? AND latest AND firm_id IN (SELECT firm_id FROM fw)",
            [study],
        )
        con.execute(
            "INSERT INTO firm_waves SELECT fw_id, ?, ?, ?, firm_id, sector, region, size_band, "
            "employees, true FROM fw",
            [study, wave, int(seq)],
        )
        long = pd.DataFrame(
            {
                "fw_id": np.repeat(fw["fw_id"].to_numpy(), len(renamed)),
                "dimension": np.tile(np.asarray(renamed, dtype=object), len(fw)),
                "score": scores.to_numpy().ravel(),
            }
        )
        con.register("sc", long)
        con.execute("INSERT INTO scores SELECT fw_id, dimension, score FROM sc")
        con.unregister("fw")
        con.unregister("sc")
        return dict(record)

    return _write_copy(path, work)


def remove_wave(path: str | Path, study: str, wave: str) -> int:
    """Remove one wave (its firms and scores); returns the number of firm rows removed."""
    path = Path(path)
    con = _read_only(path)
    try:
        hit = con.execute(
            "SELECT n_firms FROM waves WHERE study = ? AND wave = ?", [study, wave]
        ).fetchone()
    finally:
        con.close()
    if hit is None:
        raise DataError(f"no wave '{wave}' of study '{study}' in the store", where=path)

    def work(con) -> int:
        con.execute(
            "DELETE FROM scores WHERE fw_id IN "
            "(SELECT fw_id FROM firm_waves WHERE study = ? AND wave = ?)",
            [study, wave],
        )
        con.execute("DELETE FROM firm_waves WHERE study = ? AND wave = ?", [study, wave])
        con.execute("DELETE FROM waves WHERE study = ? AND wave = ?", [study, wave])
        con.execute(
            "UPDATE firm_waves SET latest = (seq = m.top) FROM "
            "(SELECT firm_id AS fid, max(seq) AS top FROM firm_waves WHERE study = ? "
            "GROUP BY firm_id) m WHERE firm_waves.study = ? AND firm_waves.firm_id = m.fid",
            [study, study],
        )
        return int(hit[0])

    return _write_copy(path, work)


# -- reading -------------------------------------------------------------------------------


def list_waves(path: str | Path) -> pd.DataFrame:
    """Every stored wave, in the order added."""
    con = _read_only(path)
    try:
        return con.execute(
            "SELECT study, wave, seq, instrument, instrument_version, stored_version, mapping, "
            "dimensions, n_firms, added_utc FROM waves ORDER BY seq"
        ).df()
    finally:
        con.close()


def firm_history(path: str | Path, study: str, firm_id: str) -> pd.DataFrame:
    """One firm's scores in every wave of a study: columns wave, seq, dimension, score."""
    con = _read_only(path)
    try:
        return con.execute(
            "SELECT f.wave, f.seq, s.dimension, s.score FROM firm_waves f "
            "JOIN scores s USING (fw_id) WHERE f.study = ? AND f.firm_id = ? "
            "ORDER BY f.seq, s.dimension",
            [study, str(firm_id)],
        ).df()
    finally:
        con.close()


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
    con = _read_only(path)
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
    con = _read_only(path)
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
