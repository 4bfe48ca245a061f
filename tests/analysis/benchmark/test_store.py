"""The DuckDB benchmark store: round trip, refusals, and a store left byte-identical on failure."""

from __future__ import annotations

import hashlib
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from smekit.analysis.benchmark.profile import benchmark_firms
from smekit.analysis.benchmark.store import (
    SCHEMA_VERSION,
    VersionMapping,
    add_wave,
    firm_history,
    list_waves,
    peer_group,
    remove_wave,
    store_benchmark,
)
from smekit.core.errors import DataError

DIMS = ["tools", "supply", "training", "customers"]
STAMP = "2024-01-01T00:00:00+00:00"


def _add(path, firms, wave="w1", version="1.0", study="s1", **kw):
    return add_wave(
        path,
        firms,
        study=study,
        wave=wave,
        instrument="s1_resilience_dt",
        instrument_version=version,
        dimensions=kw.pop("dimensions", DIMS),
        added_utc=STAMP,
        **kw,
    )


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path, make_firms):
    path = tmp_path / "bench.duckdb"
    first = make_firms(seed=1)
    second = first.copy()
    second[DIMS] = (second[DIMS] + 0.2).clip(upper=5)
    _add(path, first, "w1")
    _add(path, second, "w2")
    return path, first, second


def test_round_trip_two_waves(store):
    path, first, second = store
    waves = list_waves(path)
    assert waves[["study", "wave", "seq", "n_firms"]].values.tolist() == [
        ["s1", "w1", 1, len(first)],
        ["s1", "w2", 2, len(second)],
    ]
    assert json.loads(waves["dimensions"].iloc[0]) == DIMS
    hist = firm_history(path, "s1", "B0000").pivot(
        index="wave", columns="dimension", values="score"
    )
    np.testing.assert_allclose(hist.loc["w1", DIMS], first.loc[0, DIMS].astype(float))
    np.testing.assert_allclose(hist.loc["w2", DIMS], second.loc[0, DIMS].astype(float))


def test_peer_group_query_uses_latest_waves_and_fallback(store):
    path, _first, second = store
    peers = peer_group(path, dimensions=DIMS, study="s1", firm_id="B0000")
    me = second.iloc[0]
    lv = peers.level
    mask = np.ones(len(second), dtype=bool)
    for c in lv:
        mask &= (second[c] == me[c]).to_numpy()
    expected = second[mask & (second["firm_id"] != "B0000").to_numpy()]
    assert len(peers.scores) == len(expected)  # latest wave only: each firm once
    np.testing.assert_allclose(
        np.sort(peers.scores["tools"].to_numpy()), np.sort(expected["tools"].to_numpy())
    )
    assert "firm_id" not in peers.scores.columns  # anonymous
    assert peers.sizes["all firms"] == len(second)


def test_store_profile_equals_the_in_memory_profile(store):
    path, _, second = store
    p = store_benchmark(path, dimensions=DIMS, study="s1", firm_id="B0007")
    me = second[second["firm_id"] == "B0007"].iloc[0]
    levels = [("sector", "region", "size_band"), ("sector", "size_band"), ("sector",), ()]
    ref = benchmark_firms(second, DIMS, levels=levels).firm("B0007")
    assert p.level == ref.level and p.n == ref.n
    cols = ["score", "peer_q25", "peer_median", "peer_q75", "gap_top", "percentile_band"]
    pd.testing.assert_frame_equal(p.dimensions[cols], ref.dimensions[cols], check_dtype=False)
    assert me["firm_id"] == p.firm_id


def test_new_client_against_the_store(store):
    path, _, _second = store
    client = {"firm_id": "NEW", "sector": "Retail", "region": "East", "size_band": "small"}
    client.update({d: 3.0 for d in DIMS})
    p = store_benchmark(path, dimensions=DIMS, firm=client)
    assert p.firm_id == "NEW" and p.level is not None
    with pytest.raises(DataError, match=r"no score on construct\(s\) \['tools'\]"):
        store_benchmark(path, dimensions=DIMS, firm={**client, "tools": None})


def test_same_wave_twice_is_refused_and_the_file_unchanged(store):
    path, first, _ = store
    before = _digest(path)
    with pytest.raises(DataError, match="wave 'w2' of study 's1' is already in the store"):
        _add(path, first, "w2")
    assert _digest(path) == before


def test_other_instrument_version_refused_or_mapped_explicitly(store):
    path, first, _ = store
    before = _digest(path)
    with pytest.raises(DataError, match=r"measured with version 1\.1"):
        _add(path, first, "w3", version="1.1")
    assert _digest(path) == before
    renamed = first.rename(columns={"tools": "digital_tools"})
    new_dims = ["digital_tools", "supply", "training", "customers"]
    with pytest.raises(DataError, match=r"\['digital_tools'\] are not stored"):
        _add(
            path,
            renamed,
            "w3",
            version="1.1",
            dimensions=new_dims,
            mapping=VersionMapping("1.1", "1.0", {}),
        )
    assert _digest(path) == before
    rec = _add(
        path,
        renamed,
        "w3",
        version="1.1",
        dimensions=new_dims,
        mapping=VersionMapping("1.1", "1.0", {"digital_tools": "tools"}),
    )
    assert rec["stored_version"] == "1.0"
    assert json.loads(rec["mapping"])["dimensions"] == {"digital_tools": "tools"}
    waves = list_waves(path)
    assert waves["instrument_version"].tolist() == ["1.0", "1.0", "1.1"]
    assert firm_history(path, "s1", "B0000")["wave"].tolist().count("w3") == 4


def test_duplicate_firm_id_refused(store):
    path, first, _ = store
    before = _digest(path)
    dup = pd.concat([first, first.iloc[[2]]], ignore_index=True)
    with pytest.raises(DataError, match=r"firm id 'B0002' appears 2 times"):
        _add(path, dup, "w3")
    assert _digest(path) == before


def test_firm_missing_whole_constructs_refused(store):
    path, first, _ = store
    before = _digest(path)
    broken = first.copy()
    broken.loc[4, "training"] = np.nan
    with pytest.raises(DataError, match=r"firm 'B0004' \(row 5\) has no score on construct"):
        _add(path, broken, "w3")
    assert _digest(path) == before


def test_failure_inside_the_transaction_leaves_the_file_byte_identical(store, monkeypatch):
    import smekit.analysis.benchmark.store as store_mod

    path, first, _ = store
    before = _digest(path)
    real = store_mod.np.repeat

    def broken(*a, **k):  # fails after the waves and firm rows were inserted
        copies = [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
        assert copies, "the failure should come inside the transaction on the copy"
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_mod.np, "repeat", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _add(path, first, "w3")
    monkeypatch.setattr(store_mod.np, "repeat", real)
    assert _digest(path) == before
    assert list_waves(path)["wave"].tolist() == ["w1", "w2"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["bench.duckdb"]


def test_newer_schema_refused(store):
    path, first, _ = store
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    before = _digest(path)
    with pytest.raises(DataError, match=f"schema version {SCHEMA_VERSION + 1}; this smekit reads"):
        _add(path, first, "w3")
    with pytest.raises(DataError, match="schema version"):
        list_waves(path)
    assert _digest(path) == before


def test_not_a_duckdb_file_refused(tmp_path, make_firms):
    path = tmp_path / "notes.duckdb"
    path.write_text("firm_id,score\nA,1\n")
    before = _digest(path)
    with pytest.raises(DataError, match="not a DuckDB database"):
        _add(path, make_firms(), "w1")
    assert _digest(path) == before


def test_duckdb_file_that_is_not_a_store_refused(tmp_path, make_firms):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    before = _digest(path)
    with pytest.raises(DataError, match="not a benchmark store"):
        _add(path, make_firms(), "w1")
    assert _digest(path) == before


def test_remove_wave_restores_the_latest_flags(store):
    path, first, _ = store
    assert remove_wave(path, "s1", "w2") == len(first)
    assert list_waves(path)["wave"].tolist() == ["w1"]
    peers = peer_group(path, dimensions=DIMS, study="s1", firm_id="B0000", levels=[()])
    assert len(peers.scores) == len(first) - 1
    np.testing.assert_allclose(
        np.sort(peers.scores["tools"]), np.sort(first["tools"].to_numpy()[1:])
    )
    with pytest.raises(DataError, match="no wave 'w2'"):
        remove_wave(path, "s1", "w2")


def test_peer_group_of_one_in_the_store(tmp_path, make_firms):
    path = tmp_path / "tiny.duckdb"
    firms = make_firms(n=3)
    _add(path, firms, "w1")
    peers = peer_group(path, dimensions=DIMS, study="s1", firm_id="B0000")
    assert peers.level is None and peers.scores.empty
    p = store_benchmark(path, dimensions=DIMS, study="s1", firm_id="B0000")
    assert p.level is None
    assert p.dimensions["peer_median"].isna().all()
    assert "No peer group has 5 firms or more" in p.notes[-1]
