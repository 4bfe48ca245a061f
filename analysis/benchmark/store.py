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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smekit.analysis.benchmark.store_checks import VersionMapping, plan_wave, validate_wave
from smekit.analysis.benchmark.store_peers import (  # noqa: F401 (re-exported)
    STORE_LEVELS,
    StorePeers,
    firm_scores,
    peer_group,
    store_benchmark,
)
from smekit.analysis.benchmark.store_schema import (  # noqa: F401 (re-exported)
    MAGIC,
    PEER_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    open_store,
    read_schema_version,
    write_copy,
)
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
    validate_wave(firms, id_column, dims, where)
    if path.exists():
        con = open_store(path)
        try:
            stored_version, renamed, mapping_json = plan_wave(
                con, path, study, wave, instrument, instrument_version, dims, mapping
            )
        finally:
            con.close()
    else:
        stored_version, renamed, mapping_json = plan_wave(
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

    return write_copy(path, work)


def remove_wave(path: str | Path, study: str, wave: str) -> int:
    """Remove one wave (its firms and scores); returns the number of firm rows removed."""
    path = Path(path)
    con = open_store(path)
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

    return write_copy(path, work)


# -- reading -------------------------------------------------------------------------------


def list_waves(path: str | Path) -> pd.DataFrame:
    """Every stored wave, in the order added."""
    con = open_store(path)
    try:
        return con.execute(
            "SELECT study, wave, seq, instrument, instrument_version, stored_version, mapping, "
            "dimensions, n_firms, added_utc FROM waves ORDER BY seq"
        ).df()
    finally:
        con.close()


def firm_history(path: str | Path, study: str, firm_id: str) -> pd.DataFrame:
    """One firm's scores in every wave of a study: columns wave, seq, dimension, score."""
    con = open_store(path)
    try:
        return con.execute(
            "SELECT f.wave, f.seq, s.dimension, s.score FROM firm_waves f "
            "JOIN scores s USING (fw_id) WHERE f.study = ? AND f.firm_id = ? "
            "ORDER BY f.seq, s.dimension",
            [study, str(firm_id)],
        ).df()
    finally:
        con.close()
