"""The benchmark store's file: schema DDL, the ``meta`` table, version checks, safe writes.

A store is a DuckDB file whose ``meta`` table records ``schema_version``;
:func:`read_schema_version` refuses a file of a newer schema, and
:func:`write_copy` runs every change in one transaction on a copy that
replaces the store only after it committed. The tables are described in
:mod:`smekit.analysis.benchmark.store`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from smekit.core.errors import DataError

__all__ = [
    "MAGIC",
    "PEER_COLUMNS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "check_file",
    "connect",
    "open_store",
    "read_schema_version",
    "write_copy",
]

SCHEMA_VERSION = 1
PEER_COLUMNS = ("sector", "region", "size_band")
MAGIC = b"DUCK"

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


def check_file(path: Path) -> None:
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


def connect(path: Path, read_only: bool):
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


def open_store(path: str | Path):
    path = Path(path)
    check_file(path)
    con = connect(path, read_only=True)
    try:
        read_schema_version(con, path)
    except Exception:
        con.close()
        raise
    return con


def write_copy(path: Path, work) -> Any:
    """Run ``work(con)`` in one transaction on a copy of the store, then replace the store."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    new = not path.exists()
    try:
        if not new:
            shutil.copyfile(path, tmp)
        con = connect(tmp, read_only=False)
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
